"""Reference fixtures for FastVision's EfficientNet (tests/FastVision.Tests/EfficientNetTests.cs), from torchvision.

Run from the repository root with Debian's torchvision 0.14:  /usr/bin/python3 tools/reference-fixtures/efficientnet.py

Writes to tests/FastVision.Tests/Fixtures/:
- efficientnet_mbconv.pth, efficientnet_fused.pth: a tiny EfficientNet's `features` state dict (keys `features.*`) plus
  `input` (2x3x32x32) and `output` (the features of `input` in eval mode), tensors only (FastVision reads state dicts,
  nothing else). The configurations are TINY_CONFIGS below; the test builds the same ones in C#.
- efficientnet_keys.txt: for every registered variant a line `[name] parameters` (the parameter count of `features`,
  printed too; the test carries the counts as literals), then each key of torchvision's `features` state dict and its
  shape (`features.0.0.weight 32,3,3,3`; a scalar has no dimensions).
"""
import os

import torch
from torchvision.models import efficientnet as tv
from torchvision.models.efficientnet import EfficientNet, FusedMBConvConfig, MBConvConfig

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "FastVision.Tests", "Fixtures")

# (expand ratio, kernel, stride, input channels, output channels, layers, fused); channels are multiples of 8, so
# MBConvConfig's width rounding leaves them as written. Also: last_channel and BatchNorm eps.
TINY_CONFIGS = {
    "mbconv": dict(stages=[(1, 3, 1, 8, 8, 1, False), (4, 5, 2, 8, 16, 1, False), (2, 3, 1, 16, 16, 2, False)],
                   last_channel=None, eps=1e-5),
    "fused": dict(stages=[(1, 3, 1, 8, 8, 1, True), (4, 3, 2, 8, 16, 1, True), (4, 3, 2, 16, 24, 1, False)],
                  last_channel=32, eps=1e-3),
}


def tiny(name, seed):
    cfg = TINY_CONFIGS[name]
    settings = [FusedMBConvConfig(e, k, s, i, o, n) if fused else MBConvConfig(e, k, s, i, o, n)
                for e, k, s, i, o, n, fused in cfg["stages"]]
    torch.manual_seed(seed)
    model = EfficientNet(settings, dropout=0.2, last_channel=cfg["last_channel"],
                         norm_layer=lambda c: torch.nn.BatchNorm2d(c, eps=cfg["eps"]))
    with torch.no_grad():  # statistics and affine parameters away from their init, so BatchNorm is really tested
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.2)
            elif isinstance(m, torch.nn.Conv2d):
                m.weight.mul_(0.5)
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        y = model.features(x)
    state = {"features." + k: v for k, v in model.features.state_dict().items()}
    state["input"] = x
    state["output"] = y
    path = os.path.join(OUT, f"efficientnet_{name}.pth")
    torch.save(state, path)
    print(f"{path}: output {tuple(y.shape)}, |output| max {y.abs().max().item():.3f}, {os.path.getsize(path)} bytes")


def keys():
    lines = []
    for name in ["efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3", "efficientnet_v2_s"]:
        features = getattr(tv, name)().features
        count = sum(p.numel() for p in features.parameters())
        print(f"{name}: {count} parameters in features")
        lines.append(f"[{name}] {count}")
        lines += [f"features.{k} {','.join(map(str, v.shape))}" for k, v in features.state_dict().items()]
    with open(os.path.join(OUT, "efficientnet_keys.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    tiny("mbconv", 1)
    tiny("fused", 2)
    keys()
