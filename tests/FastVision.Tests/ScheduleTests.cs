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

    /// <summary>--lr LO:HI with --fine-tune keeps the low end as the body's share (fine_tune's lr_mult), never drops it.</summary>
    [Theory]
    [InlineData("1e-5:1e-3", 100)]
    [InlineData("2e-4:1e-3", 5)]
    [InlineData("1e-3", LearningRates.DefaultFineTuneMult)]
    public void ARateRangeGivesFineTuneItsMultiplierAndASingleRateTheDefault(string text, double multiplier) =>
        Assert.Equal(multiplier, LearningRates.Parse(text).FineTuneMult, 9);

    [Fact]
    public void AReversedRateRangeIsRefused() =>
        Assert.Contains("must not exceed", Assert.Throws<ArgumentException>(() => LearningRates.Parse("1e-2:1e-4")).Message);
}
