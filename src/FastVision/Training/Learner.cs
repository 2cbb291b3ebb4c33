using System.Diagnostics;
using System.Text.Json.Nodes;
using FastVision.Data;
using FastVision.Metrics;
using FastVision.Models;
using FastVision.Native;
using TorchSharp;
using TorchSharp.Modules;
using DataLoader = FastVision.Data.DataLoader;
using static TorchSharp.torch;

namespace FastVision.Training;

/// <summary>
/// Trains any model on <see cref="DataLoaders"/> with a loss and a splitter (fastai's Learner). One loop, <see cref="Fit"/>,
/// raises named events on its callbacks; schedules (<see cref="FitOneCycle"/>, <see cref="FitFlatCos"/>) and
/// <see cref="FineTune"/> are thin layers that add a <see cref="ParamScheduler"/> and call it. <see cref="VisionLearner"/>
/// adds what is vision-specific: a registered architecture, its weights and normalization, the body frozen.
/// </summary>
public partial class Learner : IDisposable
{
    private readonly List<EpochResult> history = [];
    private readonly List<Callback> callbacks = [];
    private readonly Stopwatch dataWait = new();
    private OptimizerGroups? optimizer;
    private List<Callback> active = [];

    /// <param name="lossFunction">The loss of one batch (predictions, targets); null: cross-entropy, label-smoothed with <see cref="LearnerOptions.LabelSmoothing"/>.</param>
    /// <param name="splitter">The model's layer groups, earliest first (fastai's splitter): the unit of freezing and discriminative rates; null: one group.</param>
    public Learner(DataLoaders dls, nn.Module<Tensor, Tensor> model, LearnerOptions? options = null, Func<Tensor, Tensor, Tensor>? lossFunction = null,
        Func<nn.Module<Tensor, Tensor>, IReadOnlyList<IReadOnlyList<nn.Module>>>? splitter = null)
    {
        TorchRuntime.EnsureInitialized();
        options ??= new LearnerOptions();
        Dls = dls;
        Options = options;
        Log = options.Log;
        Device = TorchRuntime.Device(options.Device);
        this.model = model;
        model.to(Device);
        dls.Train.Device = dls.Valid.Device = Device; // fastai's dls.to(device): where batches are augmented
        LayerGroups = splitter?.Invoke(model) ?? [[model]];
        Metrics = options.Metrics?.Invoke(dls.Classes) ?? [new Accuracy(), new ErrorRate()];
        LossFunction = lossFunction ?? CrossEntropy(nn.Reduction.Mean);
        TrainSource = dls.Train;
        Recorder = new Recorder();
        callbacks.Add(Recorder);
        // In a notebook the default console log becomes a table updated in place; a writer the caller chose is kept.
        if (options.Log is not null)
            callbacks.Add(InteractiveDisplay.ShowHtml is { } show && ReferenceEquals(options.Log, Console.Out) ? new HtmlProgressCallback(show) : new ProgressCallback(options.Log));
        if (options.MixedPrecision is { } dtype) callbacks.Add(new MixedPrecision(dtype));
    }

    private readonly nn.Module<Tensor, Tensor> model;

    public DataLoaders Dls { get; }
    public virtual nn.Module<Tensor, Tensor> Model => model;

    /// <summary>The splitter's layer groups, earliest first: the unit of freezing and discriminative learning rates.</summary>
    public IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups { get; }

    public LearnerOptions Options { get; }

    /// <summary>Where callbacks write messages: <see cref="LearnerOptions.Log"/>, or the live progress display's line writer during a fit.</summary>
    public TextWriter? Log { get; set; }
    public Device Device { get; }
    public IReadOnlyList<IMetric> Metrics { get; }
    public Recorder Recorder { get; }
    public IReadOnlyList<EpochResult> History => history;

    /// <summary>Where training batches come from: the training loader unless replaced (e.g. by pre-built batches).</summary>
    public IBatchSource TrainSource { get; set; }

    /// <summary>Callbacks that take part in every fit (Recorder and progress are always there).</summary>
    public IReadOnlyList<Callback> Callbacks => callbacks;

    public void AddCallback(Callback callback) => callbacks.Add(callback);
    public void RemoveCallback(Callback callback) => callbacks.Remove(callback);

    // ---- the state callbacks read and change (fastai's learn.epoch, learn.xb, learn.loss, ...) ----
    public int Epoch { get; private set; }
    public int EpochCount { get; private set; }
    public int Iteration { get; private set; }
    public int IterationsPerEpoch { get; private set; }

    /// <summary>Training batches done in this fit (fastai's train_iter).</summary>
    public long TrainIteration { get; private set; }

    /// <summary>Share of this fit's training batches done (fastai's pct_train).</summary>
    public double PctTrain => EpochCount * IterationsPerEpoch == 0 ? 0 : (double)TrainIteration / (EpochCount * IterationsPerEpoch);

    public bool Training { get; private set; }
    public Tensor? Xb { get; set; }
    public Tensor? Yb { get; set; }
    public Tensor? Pred { get; set; }
    public Tensor? Loss { get; set; }
    public double LossValue { get; private set; }
    public long BatchSize => Yb?.shape[0] ?? 0;
    public TimeSpan DataWait => dataWait.Elapsed;
    public string? CancelReason { get; private set; }

    /// <summary>
    /// The default loss: cross-entropy with the options' label smoothing and class weights (on the learner's device), with
    /// <paramref name="reduction"/> (MixUp needs it per sample).
    /// </summary>
    public Func<Tensor, Tensor, Tensor> CrossEntropy(nn.Reduction reduction)
    {
        double smoothing = Options.LabelSmoothing;
        var weight = Options.ClassWeights is { } w ? tensor(w).to(Device).DetachFromDisposeScope() : null;
        return (pred, target) => nn.functional.cross_entropy(pred, target, weight, reduction: reduction, label_smoothing: smoothing);
    }

    /// <summary>The loss of one batch (callbacks such as MixUp replace it for a fit).</summary>
    public Func<Tensor, Tensor, Tensor> LossFunction { get; set; }

    /// <summary>Validation loss and metrics of the last validation pass.</summary>
    public (double Loss, IReadOnlyDictionary<string, double> Metrics) LastValidation { get; private set; } =
        (double.NaN, new Dictionary<string, double>());

    /// <summary>Per parameter group (earliest layers first, head last): the rates a schedule scales.</summary>
    public double[] BaseLearningRates { get; private set; } = [];
    public double[] CurrentLearningRates { get; private set; } = [];
    public double CurrentMomentum { get; private set; } = 0.9;

    public OptimizerHelper Optimizer => (optimizer ??= OptimizerGroups.Create(LayerGroups, IsNormLayer, Options)).Optimizer;

    /// <summary>Trains only the last layer group (a vision model's head); normalization layers stay trainable (fastai's train_bn, see <see cref="IsNormLayer"/>).</summary>
    public void Freeze() => FreezeTo(LayerGroups.Count - 1);

    public void Unfreeze() => FreezeTo(0);

    /// <summary>Groups before <paramref name="group"/> are frozen (except normalization layers).</summary>
    public void FreezeTo(int group)
    {
        for (int g = 0; g < LayerGroups.Count; g++)
            foreach (var module in LayerGroups[g].SelectMany(m => m.modules().Prepend(m)).Distinct())
            {
                bool trainable = g >= group || IsNormLayer(module);
                foreach (var p in module.parameters(recurse: false)) p.requires_grad = trainable;
            }
        FrozenGroups = group;
    }

    /// <summary>
    /// Layers that stay trainable when their group is frozen and get no weight decay (fastai's train_bn and wd_bn_bias=False):
    /// <see cref="NormLayers"/>; a vision learner asks its body.
    /// </summary>
    protected virtual bool IsNormLayer(nn.Module module) => NormLayers.Contains(module);

    public int FrozenGroups { get; private set; }
    public bool IsFrozen => FrozenGroups > 0;

    /// <summary>
    /// fastai's fit: <paramref name="epochs"/> epochs at constant rates (momentum 0.9), or at whatever the
    /// given callbacks schedule. <paramref name="startEpoch"/> skips epochs already done (resume).
    /// </summary>
    public void Fit(int epochs, LearningRates? lr = null, IEnumerable<Callback>? extraCallbacks = null, int startEpoch = 0) =>
        Fit(epochs, lr, extraCallbacks, startEpoch, countsAsFit: true);

    internal void Fit(int epochs, LearningRates? lr, IEnumerable<Callback>? extraCallbacks, int startEpoch, bool countsAsFit)
    {
        var fitCallbacks = (extraCallbacks ?? []).ToList();
        if (!fitCallbacks.OfType<ParamScheduler>().Any()) fitCallbacks.Insert(0, new ParamScheduler(Schedules.Constant(1), Schedules.Constant(0.9)));
        BaseLearningRates = (lr ?? LearningRates.All(LearningRates.DefaultFit)).For(LayerGroups.Count);
        if (countsAsFit && resumePoint is { } resume)
        {
            if (resume.FitIndex > FitIndex) { FitIndex++; return; } // finished before the interruption
            startEpoch = Math.Max(startEpoch, resume.EpochsDoneInFit);
        }
        try
        {
            RunFit(epochs, fitCallbacks, startEpoch, countsAsFit ? resumePoint?.Callbacks : null);
        }
        finally
        {
            resumePoint = null;
            if (countsAsFit) FitIndex++;
        }
    }

    /// <summary>The epoch this fit started at: 0, or the epochs already done when it resumed from a checkpoint.</summary>
    public int FitStartEpoch { get; private set; }

    /// <summary>Fits completed by this learner (a fine_tune is two); checkpoints record it to resume the right one.</summary>
    public int FitIndex { get; private set; }

    /// <summary>True while a fit continues from a checkpoint.</summary>
    public bool IsResuming => resumePoint is not null;

    private Checkpoint? resumePoint;

    /// <summary>
    /// Loads the last checkpoint in <paramref name="directory"/> (weights, optimizer state, history, RNG state,
    /// freeze state, the callbacks' own state). The same sequence of fit calls then skips what was done and continues
    /// where it stopped; the interrupted fit gives each <see cref="IResumable"/> callback its saved state back.
    /// </summary>
    public Checkpoint Resume(string directory)
    {
        var checkpoint = Checkpoint.Load(directory, this);
        resumePoint = checkpoint;
        history.Clear();
        history.AddRange(checkpoint.History);
        return checkpoint;
    }

    /// <summary>
    /// The fit's callbacks that carry state across a resume, each with its checkpoint key: the type name and its rank
    /// among callbacks of that type (the same fit calls give the same keys).
    /// </summary>
    public IEnumerable<(string Key, IResumable Callback)> ResumableCallbacks() =>
        active.OfType<IResumable>().GroupBy(c => c.GetType().Name).SelectMany(g => g.Select((c, i) => ($"{g.Key}#{i}", c)));

    /// <summary>A checkpoint is a user's file: a state that does not fit its callback is a message, not a crash.</summary>
    private static void Restore(string key, IResumable callback, JsonNode state)
    {
        try
        {
            callback.RestoreState(state);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or NullReferenceException or System.Text.Json.JsonException)
        {
            throw new InvalidDataException($"checkpoint: the saved state of {key} cannot be restored ({e.Message}).", e);
        }
    }

    private void RunFit(int epochs, List<Callback> fitCallbacks, int startEpoch, Dictionary<string, JsonNode>? savedStates)
    {
        _ = Optimizer;
        active = [.. callbacks.Concat(fitCallbacks).OrderBy(c => c.Order)];
        foreach (var cb in active) cb.Learner = this;
        EpochCount = epochs;
        FitStartEpoch = startEpoch;
        IterationsPerEpoch = TrainSource.BatchCount;
        TrainIteration = (long)startEpoch * IterationsPerEpoch;
        CancelReason = null;
        try
        {
            Raise(c => c.BeforeFit());
            foreach (var (key, callback) in ResumableCallbacks())
                if (savedStates?.TryGetValue(key, out var state) == true) Restore(key, callback, state);
            for (Epoch = startEpoch; Epoch < epochs; Epoch++)
            {
                try
                {
                    Raise(c => c.BeforeEpoch());
                    TrainPhase();
                    ValidatePhase();
                    Raise(c => c.AfterEpoch());
                }
                catch (CancelEpochException) { }
            }
        }
        catch (CancelFitException e)
        {
            CancelReason = e.Message;
            Raise(c => c.AfterCancelFit());
        }
        finally
        {
            Raise(c => c.AfterFit());
            Xb = Yb = Pred = Loss = null;
            active = [];
        }
    }

    private void TrainPhase()
    {
        Training = true;
        Model.train();
        dataWait.Reset();
        try
        {
            Raise(c => c.BeforeTrain());
            using var batches = TrainSource.GetBatches(history.Count).GetEnumerator();
            for (Iteration = 0; ; Iteration++)
            {
                dataWait.Start();
                bool more = batches.MoveNext();
                dataWait.Stop();
                if (!more) break;
                using var scope = NewDisposeScope();
                using var batch = batches.Current;
                OneBatch(batch, train: true);
                TrainIteration++;
            }
        }
        catch (CancelTrainException) { }
        Raise(c => c.AfterTrain());
    }

    private void ValidatePhase()
    {
        Training = false;
        Model.eval();
        Raise(c => c.BeforeValidate());
        LastValidation = Evaluate(Dls.Valid);
        Raise(c => c.AfterValidate());
    }

    /// <summary>
    /// Mean loss and metrics over a loader, without training (callbacks see each batch). Over the loader's items as they are:
    /// the per-epoch validation sees the primary (crop) view only, since averaging the full view in would double every
    /// epoch's validation of cropped images; the figures after the fit come from <see cref="GetPreds"/>, which averages the views.
    /// </summary>
    public (double Loss, IReadOnlyDictionary<string, double> Metrics) Evaluate(DataLoader loader)
    {
        bool wasTraining = Training;
        Training = false;
        Model.eval();
        foreach (var m in Metrics) m.Reset();
        double lossSum = 0;
        long count = 0;
        using (no_grad())
        {
            Iteration = 0;
            foreach (var batch in loader.GetBatches(0))
            {
                using var scope = NewDisposeScope();
                using (batch)
                {
                    OneBatch(batch, train: false);
                    if (Pred is null || Yb is null) continue;
                    lossSum += LossValue * Yb.shape[0];
                    count += Yb.shape[0];
                    foreach (var m in Metrics) m.Accumulate(Pred, Yb);
                }
                Iteration++;
            }
        }
        Training = wasTraining;
        return (count == 0 ? double.NaN : lossSum / count, Metrics.ToDictionary(m => m.Name, m => m.Value));
    }

    /// <summary>Mean validation loss and metrics (fastai's learn.validate()).</summary>
    public (double Loss, IReadOnlyDictionary<string, double> Metrics) Validate() => Evaluate(Dls.Valid);

    private void OneBatch(Batch batch, bool train)
    {
        try
        {
            Xb = (train ? TrainSource : Dls.Valid).Prepare(batch, Device);
            Yb = batch.Labels.to(Device);
            Raise(c => c.BeforeBatch());
            Pred = Model.forward(Xb);
            Raise(c => c.AfterPred());
            Loss = LossFunction(Pred, Yb);
            LossValue = Loss.item<float>();
            Raise(c => c.AfterLoss());
            if (train)
            {
                Raise(c => c.BeforeBackward());
                Loss.backward();
                Raise(c => c.AfterBackward());
                Optimizer.step();
                Raise(c => c.AfterStep());
                Optimizer.zero_grad();
            }
        }
        catch (CancelBatchException)
        {
            if (train) Optimizer.zero_grad();
        }
        Raise(c => c.AfterBatch());
    }

    private void Raise(Action<Callback> handler)
    {
        foreach (var cb in active) handler(cb);
    }

    internal void AddHistory(EpochResult result) => history.Add(result);

    /// <summary>Sets each parameter group's learning rate and the momentum (Adam's beta1, SGD's momentum).</summary>
    public void SetHyperParameters(double[] learningRates, double momentum)
    {
        (optimizer ?? throw new InvalidOperationException("The optimizer is not created yet.")).Set(learningRates, momentum);
        CurrentLearningRates = learningRates;
        CurrentMomentum = momentum;
    }

    /// <summary>Replaces the base rates a schedule scales (e.g. ReduceLROnPlateau).</summary>
    public void SetBaseLearningRates(double[] learningRates) => BaseLearningRates = learningRates;

    /// <summary>Writes the model's weights (safetensors) atomically.</summary>
    public void SaveWeights(string path) => AtomicFile.Write(path, temp => TorchSharp.PyBridge.PyBridgeModuleExtensions.save_safetensors(Model, temp));

    public void Dispose()
    {
        optimizer?.Dispose();
        model.Dispose();
        GC.SuppressFinalize(this);
    }
}
