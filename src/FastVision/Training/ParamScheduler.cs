namespace FastVision.Training;

/// <summary>
/// fastai's ParamScheduler: before every training batch, each named hyper-parameter is set from its schedule at the
/// fit's progress (the share of its training batches done). <see cref="LearningRate"/> scales every group's base rate;
/// <see cref="Momentum"/> is the momentum (Adam's beta1). A name without a schedule keeps its value.
/// </summary>
public class ParamScheduler(IReadOnlyDictionary<string, Schedule> schedules) : Callback
{
    public const string LearningRate = "lr", Momentum = "mom";

    public ParamScheduler(Schedule learningRate, Schedule momentum)
        : this(new Dictionary<string, Schedule> { [LearningRate] = learningRate, [Momentum] = momentum }) { }

    public override int Order => -10;

    /// <summary>Where the schedules are read, 0 to 1: the share of the fit's training batches done.</summary>
    protected virtual double Progress => Learner.PctTrain;

    public override void BeforeBatch()
    {
        if (!Learner.Training) return;
        double pct = Progress;
        double scale = schedules.TryGetValue(LearningRate, out var lr) ? lr(pct) : 1;
        double momentum = schedules.TryGetValue(Momentum, out var mom) ? mom(pct) : Learner.CurrentMomentum;
        Learner.SetHyperParameters(Learner.BaseLearningRates.Select(rate => rate * scale).ToArray(), momentum);
    }
}
