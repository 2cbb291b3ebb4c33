namespace FastVision.Training;

/// <summary>A fitted temperature and the validation log loss it was fitted on, before and after.</summary>
public sealed record Calibration(double Temperature, double ValidLogLossBefore, double ValidLogLossAfter, int ValidImages);
