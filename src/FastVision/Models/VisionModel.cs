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

    /// <param name="architecture">The registered architecture it was built from (what a model bundle names); null for a hand-built model.</param>
    public VisionModel(VisionBody body, Sequential head, Architecture? architecture = null) : base(nameof(VisionModel))
    {
        this.body = body;
        this.head = head;
        Architecture = architecture;
        RegisterComponents();
    }

    /// <summary>The registry entry it was built from; null when the body or head was assembled by hand (it cannot be exported as a bundle).</summary>
    public Architecture? Architecture { get; }

    /// <summary>
    /// The one way FastVision assembles a model: <paramref name="architecture"/>'s body (with its built-in weights when
    /// <paramref name="pretrained"/>) and fastai's head for <paramref name="classes"/> on the body's features.
    /// </summary>
    public static VisionModel Create(Architecture architecture, int classes, bool pretrained = false) =>
        Create(architecture, classes, pretrained ? architecture.RequireDefaultWeights() : null);

    /// <summary>The same with the body's <paramref name="weights"/> (fetched through <paramref name="store"/>); null: random init.</summary>
    public static VisionModel Create(Architecture architecture, int classes, PretrainedConfig? weights, WeightStore? store = null)
    {
        var body = architecture.CreateBody(weights, store);
        return new VisionModel(body, ClassifierHead.Create(body.NumFeatures, classes), architecture);
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
