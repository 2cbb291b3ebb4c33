"""Reference data for FastVision's RegNet (tests/FastVision.Tests/RegNetTests.cs), computed with torchvision.

Run from the repository root with Debian's torch (torchvision 0.14):
    /usr/bin/python3 tools/reference-fixtures/regnet.py

Writes
  tests/FastVision.Tests/Fixtures/regnet_tiny.pth: a tiny RegNetY's body state dict (stem.*, trunk_output.*) with
      randomized BatchNorm statistics and affine parameters, plus `input` and `output` (the trunk output in eval mode);
  tests/FastVision.Tests/Fixtures/regnet_y_1_6gf.keys.txt, regnet_y_3_2gf.keys.txt: "key shape" per body state-dict entry;
and prints the body parameter counts and key counts, and torchvision's per-stage settings of every RegNetY, which the
tests hold as literals.
"""
import os

import torch
import torchvision
from torchvision.models import regnet

FIXTURES = os.path.join("tests", "FastVision.Tests", "Fixtures")

# The tiny network: widths, depths, group widths, bottleneck multipliers per stage. Stage 2 has two blocks (the second
# one's shortcut is the identity), stages 2-4 have grouped 3x3 convolutions, stage 4 a bottleneck narrower than its output.
TINY = dict(widths=[8, 16, 24, 32], depths=[1, 2, 1, 1], group_widths=[8, 8, 8, 8], bottleneck_multipliers=[1.0, 1.0, 1.0, 0.5])
TINY_STEM = 8
TINY_INPUT = (2, 3, 40, 40)  # odd sizes after the third stride: 40, 20, 10, 5, 3, 2


def body_state(model):
    return {k: v for k, v in model.state_dict().items() if not k.startswith("fc.")}


def randomize_batchnorm(model, generator):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=generator) * 0.2)
                m.running_var.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=generator) * 0.2)


def write_tiny():
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    params = regnet.BlockParams(strides=[2] * 4, se_ratio=0.25, **TINY)
    model = regnet.RegNet(params, num_classes=10, stem_width=TINY_STEM)
    randomize_batchnorm(model, generator)
    model.eval()
    x = torch.randn(*TINY_INPUT, generator=generator)
    with torch.no_grad():
        y = model.trunk_output(model.stem(x))
    fixture = {k: v.clone() for k, v in body_state(model).items()}
    fixture["input"] = x
    fixture["output"] = y
    torch.save(fixture, os.path.join(FIXTURES, "regnet_tiny.pth"))
    print(f"regnet_tiny.pth: {len(fixture) - 2} state-dict entries, output {tuple(y.shape)}")


def write_keys(name):
    model = getattr(torchvision.models, name)()
    state = body_state(model)
    with open(os.path.join(FIXTURES, f"{name}.keys.txt"), "w") as f:
        for k, v in state.items():
            f.write(f"{k} {','.join(str(d) for d in v.shape)}\n")
    parameters = sum(p.numel() for n, p in model.named_parameters() if not n.startswith("fc."))
    print(f"{name}: body parameters {parameters}, state-dict keys {len(state)}")


def print_block_params():
    # torchvision's RegNetY settings (depth, w_0, w_a, w_m, group_width) and the stages BlockParams makes of them.
    for depth, w_0, w_a, w_m, group_width in [(16, 48, 27.89, 2.09, 8), (14, 56, 38.84, 2.4, 16), (27, 48, 20.71, 2.65, 24),
                                              (21, 80, 42.63, 2.66, 24), (17, 192, 76.82, 2.19, 56), (18, 200, 106.23, 2.48, 112),
                                              (20, 232, 115.89, 2.53, 232), (27, 456, 160.83, 2.52, 264)]:
        p = regnet.BlockParams.from_init_params(depth=depth, w_0=w_0, w_a=w_a, w_m=w_m, group_width=group_width, se_ratio=0.25)
        print(f'[InlineData({depth}, {w_0}, {w_a}, {w_m}, {group_width}, "{",".join(map(str, p.depths))}", '
              f'"{",".join(map(str, p.widths))}", "{",".join(map(str, p.group_widths))}")]')


if __name__ == "__main__":
    os.makedirs(FIXTURES, exist_ok=True)
    write_tiny()
    write_keys("regnet_y_1_6gf")
    write_keys("regnet_y_3_2gf")
    print_block_params()
