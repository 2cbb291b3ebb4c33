using FastVision.Callbacks;
using FastVision.Data;
using FastVision.Training;
using TorchSharp;

namespace FastVision.Tests;

public class ResumeTests
{
    internal sealed class SimulatedKill() : Exception("killed");

    /// <summary>Dies (like a killed process) once the given number of epochs is in the history; by default after the checkpoint was written.</summary>
    internal sealed class KillAfter(int epochs, int order = 90) : Callback
    {
        public override int Order => order;
        public override void AfterEpoch()
        {
            if (Learner.History.Count == epochs) throw new SimulatedKill();
        }
    }

    private static Learner NewLearner(string data) =>
        VisionLearner.Create(ImageDataLoaders.FromFolder(data, new DataLoaderOptions { Size = 32, Presize = 40, BatchSize = 8, Seed = 4 }),
            options: new LearnerOptions { Log = null, Seed = 4 });

    private static Dictionary<string, float[]> Weights(Learner learn) =>
        learn.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to(torch.ScalarType.Float32).data<float>().ToArray());

    [Theory]
    [InlineData("fit_one_cycle", 1)]   // killed in the middle of one fit
    [InlineData("fine_tune", 1)]       // killed between fine_tune's frozen and unfrozen fits
    public void KilledRunResumesToTheSameWeightsAsAnUninterruptedOne(string recipe, int killAfter)
    {
        using var dir = new TempDir();
        var data = DemoDataset.Generate(dir.Combine("data"), perClass: 8, seed: 4, width: 48, height: 36);
        void Run(Learner learn, string checkpoints, params Callback[] extra)
        {
            Callback[] cbs = [new CheckpointCallback(checkpoints), .. extra];
            if (recipe == "fine_tune") learn.FineTune(1, callbacks: cbs);
            else learn.FitOneCycle(2, 2e-3, callbacks: cbs);
        }

        Dictionary<string, float[]> straight;
        using (var learn = NewLearner(data))
        {
            Run(learn, dir.Combine("straight"));
            straight = Weights(learn);
            Assert.Equal(2, learn.History.Count);
        }

        using (var learn = NewLearner(data))
            Assert.Throws<SimulatedKill>(() => Run(learn, dir.Combine("resumed"), new KillAfter(killAfter)));

        using (var learn = NewLearner(data))
        {
            learn.Resume(dir.Combine("resumed"));
            Assert.Equal(killAfter, learn.History.Count);
            Run(learn, dir.Combine("resumed"));
            Assert.Equal(2, learn.History.Count);
            var resumed = Weights(learn);
            Assert.Equal(straight.Keys, resumed.Keys);
            foreach (var (key, values) in straight) Assert.True(values.SequenceEqual(resumed[key]), $"{key} differs after resume");
        }
        Assert.Single(Directory.GetDirectories(dir.Combine("resumed"), "checkpoint-*"));
    }

    [Fact]
    public void TrackersResumeWithTheStateTheyHadWhenTheRunWasKilled()
    {
        // Only the first epoch improves (min_delta is huge): the straight run divides the rates after epochs 2 and 3
        // and reloads epoch 0's weights at the end. A resumed run must get the trackers' saved state back to do the same.
        using var dir = new TempDir();
        var data = DemoDataset.Generate(dir.Combine("data"), perClass: 8, seed: 4, width: 48, height: 36);
        Callback[] Trackers(string run) =>
        [
            new CheckpointCallback(dir.Combine(run)), new ReduceLROnPlateau(minDelta: 1e9, patience: 1),
            new SaveModelCallback(minDelta: 1e9, path: dir.Combine(run, "best.safetensors")),
        ];

        Dictionary<string, float[]> straight;
        double[] straightRates;
        using (var learn = NewLearner(data))
        {
            learn.Fit(3, 1e-3, Trackers("straight"));
            straight = Weights(learn);
            straightRates = learn.BaseLearningRates;
        }
        using (var learn = NewLearner(data))
            Assert.Throws<SimulatedKill>(() => learn.Fit(3, 1e-3, [.. Trackers("resumed"), new KillAfter(1)]));
        using (var learn = NewLearner(data))
        {
            learn.Resume(dir.Combine("resumed"));
            learn.Fit(3, 1e-3, Trackers("resumed"));
            Assert.Equal(straightRates, learn.BaseLearningRates);
            Assert.Equal(1e-5, learn.BaseLearningRates[^1], 12); // divided twice, not once
            var resumed = Weights(learn);
            foreach (var (key, values) in straight) Assert.True(values.SequenceEqual(resumed[key]), $"{key} differs after resume");
        }
    }

    [Fact]
    public void ResumingWithoutACheckpointIsAClearError()
    {
        using var dir = new TempDir();
        using var learn = NewLearner(DemoDataset.Generate(dir.Combine("data"), perClass: 4, seed: 1, width: 40, height: 30));
        var e = Assert.Throws<FileNotFoundException>(() => learn.Resume(dir.Combine("nothing")));
        Assert.Contains("no checkpoint", e.Message);
    }

    [Fact]
    public void ACheckpointWhoseCallbackStateWasMangledIsAClearError()
    {
        using var dir = new TempDir();
        var data = DemoDataset.Generate(dir.Combine("data"), perClass: 4, seed: 1, width: 40, height: 30);
        using (var learn = NewLearner(data))
            Assert.Throws<SimulatedKill>(() => learn.Fit(2, 1e-3, [new CheckpointCallback(dir.Combine("run")), new KillAfter(1)]));
        var state = Directory.GetFiles(dir.Combine("run"), "state.json", SearchOption.AllDirectories).Single();
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(state))!;
        json["Callbacks"]!["Recorder#0"] = new System.Text.Json.Nodes.JsonObject { ["average"] = "x" };
        File.WriteAllText(state, json.ToJsonString());
        using var resumed = NewLearner(data);
        resumed.Resume(dir.Combine("run"));
        var e = Assert.Throws<InvalidDataException>(() => resumed.Fit(2, 1e-3, [new CheckpointCallback(dir.Combine("run"))]));
        Assert.Contains("Recorder#0", e.Message);
    }
}
