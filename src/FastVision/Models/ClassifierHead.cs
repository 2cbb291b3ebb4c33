using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>fastai's create_head with its defaults.</summary>
public static class ClassifierHead
{
    /// <summary>
    /// AdaptiveConcatPool2d → Flatten → BatchNorm1d → Dropout(0.25) → Linear(2·nf, 512, no bias) → ReLU →
    /// BatchNorm1d → Dropout(0.5) → Linear(512, classes, no bias); linear weights kaiming-normal.
    /// </summary>
    public static Sequential Create(long bodyFeatures, int classes, int hidden = 512, double dropout = 0.5)
    {
        long pooled = bodyFeatures * 2;
        var lin1 = nn.Linear(pooled, hidden, hasBias: false);
        var lin2 = nn.Linear(hidden, classes, hasBias: false);
        nn.init.kaiming_normal_(lin1.weight!);
        nn.init.kaiming_normal_(lin2.weight!);
        return nn.Sequential(
            ("0", new AdaptiveConcatPool2d()),
            ("1", nn.Flatten()),
            ("2", nn.BatchNorm1d(pooled)),
            ("3", nn.Dropout(dropout / 2)),
            ("4", lin1),
            ("5", nn.ReLU()),
            ("6", nn.BatchNorm1d(hidden)),
            ("7", nn.Dropout(dropout)),
            ("8", lin2));
    }
}
