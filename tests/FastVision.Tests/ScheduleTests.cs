using FastVision.Training;

namespace FastVision.Tests;

public class ScheduleTests
{
    [Fact]
    public void OneCycleStartsPeaksAndEndsWhereFastaiDoes()
    {
        var s = new OneCycleSchedule(LrMax: 1e-2);
        Assert.Equal(1e-2 / 25, s.LearningRate(0), 12);
        Assert.Equal(1e-2, s.LearningRate(0.25), 12);
        Assert.Equal(1e-2 / 1e5, s.LearningRate(1), 12);
        Assert.Equal(0.95, s.Momentum(0), 12);
        Assert.Equal(0.85, s.Momentum(0.25), 12);
        Assert.Equal(0.95, s.Momentum(1), 12);
        Assert.True(s.LearningRate(0.1) > s.LearningRate(0.05));
        Assert.True(s.LearningRate(0.6) < s.LearningRate(0.4));
    }
}
