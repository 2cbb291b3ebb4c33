namespace FastVision.Training;

/// <summary>
/// fastai's ParamScheduler: before every training batch, each group's learning rate is its base rate times
/// <paramref name="learningRate"/>(pct) and the momentum is <paramref name="momentum"/>(pct), pct being the
/// share of the fit's training batches done.
/// </summary>
public sealed class ParamScheduler(Schedule learningRate, Schedule momentum) : Callback
{
    public override int Order => -10;

    public override void BeforeBatch()
    {
        if (!Learner.Training) return;
        double pct = Learner.PctTrain;
        Learner.SetHyperParameters(Learner.BaseLearningRates.Select(lr => lr * learningRate(pct)).ToArray(), momentum(pct));
    }
}
