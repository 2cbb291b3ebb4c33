using System.Diagnostics;
using FastVision.Data;
using FastVision.Metrics;
using FastVision.Models;
using FastVision.Native;
using FastVision.Reporting;
using FastVision.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Training;

/// <summary>
/// Trains a <see cref="VisionModel"/> on <see cref="DataLoaders"/>. <see cref="Fit"/> and
/// <see cref="FitOneCycle"/> are schedules over one training loop.
/// </summary>
public sealed class Learner : IDisposable
{
    private readonly List<EpochResult> history = [];
    private OptimizerHelper? optimizer;
    private bool frozen;

    public Learner(DataLoaders dls, VisionModel model, Architecture architecture, LearnerOptions options)
    {
        TorchRuntime.EnsureInitialized();
        Dls = dls;
        Options = options;
        Architecture = architecture;
        Device = TorchRuntime.Device(options.Device);
        Model = model;
        Model.to(Device);
        dls.Normalization ??= architecture.Normalization; // fastai: a pretrained model's statistics
    }

    public DataLoaders Dls { get; }
    public VisionModel Model { get; }
    public Architecture Architecture { get; }
    public LearnerOptions Options { get; }
    public Device Device { get; }
    public IReadOnlyList<EpochResult> History => history;

    /// <summary>Trains only the head; BatchNorm layers stay trainable (fastai's train_bn).</summary>
    public void Freeze() => SetTrainable(frozenGroups: Model.LayerGroups.Count - 1);

    public void Unfreeze() => SetTrainable(frozenGroups: 0);

    /// <summary>Constant learning rate for <paramref name="epochs"/> epochs.</summary>
    public void Fit(int epochs, double lr) => FitLoop(epochs, _ => (lr, 0.9));

    /// <summary>fastai's fit_one_cycle.</summary>
    public void FitOneCycle(int epochs, double lrMax = 1e-3, double div = 25, double divFinal = 1e5, double pctStart = 0.25)
    {
        var schedule = new OneCycleSchedule(lrMax, div, divFinal, pctStart);
        FitLoop(epochs, pct => (schedule.LearningRate(pct), schedule.Momentum(pct)));
    }

    /// <summary>Mean cross-entropy and accuracy on the validation set.</summary>
    public (double Loss, double Accuracy) Validate()
    {
        Model.eval();
        var metrics = new ClassificationAccumulator();
        using var noGrad = no_grad();
        foreach (var batch in Dls.Valid.GetBatches(0))
        {
            using var scope = NewDisposeScope();
            using (batch)
            {
                var y = batch.Labels.to(Device);
                var logits = Model.forward(Dls.Valid.Prepare(batch, Device));
                metrics.Add(nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>(), logits, y);
            }
        }
        return (metrics.MeanLoss, metrics.Accuracy);
    }

    private void FitLoop(int epochs, Func<double, (double Lr, double Mom)> schedule)
    {
        optimizer ??= CreateOptimizer();
        var table = Options.Log is null ? null : new EpochTable(Options.Log);
        int batchesPerEpoch = Dls.Train.BatchCount;
        long totalSteps = (long)epochs * batchesPerEpoch;
        long step = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var watch = Stopwatch.StartNew();
            Model.train();
            var smoothLoss = new SmoothedLoss();
            long images = 0;
            var waiting = new Stopwatch(); // time the loop spends blocked on the data loader
            using var batches = Dls.Train.GetBatches(history.Count).GetEnumerator();
            while (true)
            {
                waiting.Start();
                bool more = batches.MoveNext();
                waiting.Stop();
                if (!more) break;
                using var scope = NewDisposeScope();
                using var batch = batches.Current;
                var (lr, mom) = schedule((double)step / totalSteps);
                SetHyperParameters(lr, mom);
                optimizer.zero_grad();
                var logits = Model.forward(Dls.Train.Prepare(batch, Device));
                var loss = nn.functional.cross_entropy(logits, batch.Labels.to(Device));
                loss.backward();
                optimizer.step();
                smoothLoss.Add(loss.item<float>());
                images += batch.Count;
                step++;
            }
            double trainSeconds = watch.Elapsed.TotalSeconds;
            var (validLoss, accuracy) = Validate();
            var result = new EpochResult(history.Count, smoothLoss.Value, validLoss, accuracy, watch.Elapsed, images / trainSeconds)
            {
                DataWaitFraction = waiting.Elapsed.TotalSeconds / trainSeconds,
            };
            history.Add(result);
            table?.Write(result);
        }
    }

    private OptimizerHelper CreateOptimizer() =>
        optim.AdamW(Model.parameters(), lr: 1e-3, beta1: 0.9, beta2: Options.Beta2, eps: Options.Eps, weight_decay: Options.WeightDecay);

    private void SetHyperParameters(double lr, double mom)
    {
        foreach (var group in optimizer!.ParamGroups)
        {
            group.LearningRate = lr;
            if (group is optim.IBetas betas) betas.Betas = (mom, betas.Betas.Item2);
        }
    }

    private void SetTrainable(int frozenGroups)
    {
        var groups = Model.LayerGroups;
        for (int g = 0; g < groups.Count; g++)
        {
            foreach (var module in groups[g].SelectMany(m => m.modules().Prepend(m)).Distinct())
            {
                bool trainable = g >= frozenGroups || module is BatchNorm1d or BatchNorm2d;
                foreach (var p in module.parameters(recurse: false)) p.requires_grad = trainable;
            }
        }
        frozen = frozenGroups > 0;
    }

    public bool IsFrozen => frozen;

    /// <summary>Writes weights and metadata to <paramref name="directory"/> (see <see cref="Inference.ModelBundle"/>).</summary>
    public void Export(string directory) => Inference.ModelBundle.Save(this, directory);

    public void Dispose()
    {
        optimizer?.Dispose();
        Model.Dispose();
    }
}
