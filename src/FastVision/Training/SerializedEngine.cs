using static TorchSharp.torch;

namespace FastVision.Training;

/// <summary>
/// An engine that runs one batch at a time whoever calls it: callers on several threads (decoding ahead in parallel) share one
/// model without two forward passes fighting over the same cores or one session.
/// </summary>
public sealed class SerializedEngine(IInferenceEngine inner) : IInferenceEngine
{
    private readonly Lock gate = new();

    public string Name => inner.Name;
    public Device Device => inner.Device;

    public Tensor Forward(Tensor images)
    {
        lock (gate) return inner.Forward(images);
    }

    public void Dispose() => inner.Dispose();
}
