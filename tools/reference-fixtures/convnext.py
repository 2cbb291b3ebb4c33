"""Reference fixtures for FastVision's ConvNeXt, from torchvision's own module code.

Run with Debian's torch (``/usr/bin/python3 tools/reference-fixtures/convnext.py`` from the repository root; torchvision
0.14). Writes, under tests/FastVision.Tests/Fixtures/:

- convnext_tiny_config.pth: a two-stage ConvNeXt with few channels (stem 8, stages 8 -> 16, one and two blocks), its
  ``features.*`` state dict with every affine parameter randomized (layer scale starts at 1e-6 and the norms at 1 / 0,
  which would hide a wrong layer scale, a missing bias or a norm over the wrong axis), an ``input`` batch and the
  ``output`` of ``features`` in eval mode.
- convnext_torchvision_keys.txt: ``<architecture> <key> <shape>`` for every ``features.*`` tensor of torchvision's
  convnext_tiny and convnext_small, and of the same network with timm's convnext_nano stages (torchvision has no nano),
  and the parameter counts the tests hold as literals.
"""
import os

import torch
from torchvision.models.convnext import CNBlock, CNBlockConfig, ConvNeXt, LayerNorm2d

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "FastVision.Tests", "Fixtures")


def features_state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items() if k.startswith("features.")}


def contiguous(tensors):
    """TorchSharp.PyBridge reads contiguous tensors only; features' output is a channels-last view."""
    return {k: v.contiguous() for k, v in tensors.items()}


def tiny_config_fixture():
    torch.manual_seed(0)
    model = ConvNeXt([CNBlockConfig(8, 16, 1), CNBlockConfig(16, None, 2)], stochastic_depth_prob=0.1)
    with torch.no_grad():
        for module in model.features.modules():
            if isinstance(module, CNBlock):
                module.layer_scale.normal_(0.0, 0.5)
            if isinstance(module, (torch.nn.LayerNorm, LayerNorm2d)):
                module.weight.normal_(1.0, 0.3)
                module.bias.normal_(0.0, 0.3)
            if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
                module.bias.normal_(0.0, 0.1)
    model.eval()
    images = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        output = model.features(images)
    fixture = features_state(model)
    fixture["input"] = images
    fixture["output"] = output
    torch.save(contiguous(fixture), os.path.join(FIXTURES, "convnext_tiny_config.pth"))
    print(f"tiny config: {len(fixture) - 2} tensors, output {tuple(output.shape)}, |output| max {output.abs().max():.3f}")


def full_size_keys():
    variants = {
        "convnext_tiny": [CNBlockConfig(96, 192, 3), CNBlockConfig(192, 384, 3), CNBlockConfig(384, 768, 9), CNBlockConfig(768, None, 3)],
        "convnext_small": [CNBlockConfig(96, 192, 3), CNBlockConfig(192, 384, 3), CNBlockConfig(384, 768, 27), CNBlockConfig(768, None, 3)],
        "convnext_nano": [CNBlockConfig(80, 160, 2), CNBlockConfig(160, 320, 2), CNBlockConfig(320, 640, 8), CNBlockConfig(640, None, 2)],
    }
    lines = []
    for name, setting in variants.items():
        model = ConvNeXt(setting)
        state = features_state(model)
        parameters = sum(p.numel() for p in model.features.parameters())
        print(f"{name}: features {parameters} parameters, {len(state)} tensors; whole model {sum(p.numel() for p in model.parameters())}")
        lines += [f"{name} {key} {','.join(str(d) for d in value.shape)}" for key, value in state.items()]
    with open(os.path.join(FIXTURES, "convnext_torchvision_keys.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    torch.set_num_threads(2)
    tiny_config_fixture()
    full_size_keys()
