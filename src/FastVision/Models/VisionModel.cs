using FastVision.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>A pretrained body and a new classifier head; state-dict keys are <c>body.*</c> and <c>head.*</c>.</summary>
public sealed class VisionModel : nn.Module<Tensor, Tensor>
{
    private readonly VisionBody body;
    private readonly Sequential head;

    public VisionModel(VisionBody body, Sequential head) : base(nameof(VisionModel))
    {
        this.body = body;
        this.head = head;
        RegisterComponents();
    }

    /// <summary>
    /// The one way FastVision assembles a model: <paramref name="architecture"/>'s body (with its built-in weights when
    /// <paramref name="pretrained"/>) and fastai's head for <paramref name="classes"/> on the body's features.
    /// </summary>
    public static VisionModel Create(Architecture architecture, int classes, bool pretrained = false)
    {
        var body = architecture.CreateBody(pretrained);
        return new VisionModel(body, ClassifierHead.Create(body.NumFeatures, classes));
    }

    public VisionBody Body => body;
    public Sequential Head => head;

    /// <summary>Outputs of the head's last linear layer.</summary>
    public int NumClasses => (int)head.modules().OfType<Linear>().Last().out_features;

    /// <summary>Body groups (earliest first), then the head: the unit of freezing and discriminative LRs.</summary>
    public IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups =>
        [.. body.LayerGroups, [head]];

    public override Tensor forward(Tensor x)
    {
        using var features = body.forward(x);
        return head.forward(features);
    }
}
