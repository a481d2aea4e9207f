#!/usr/bin/python3
"""Fixtures for tests/unit/test_vision_models.cpp (issue 6, vision part).

Run with Debian's /usr/bin/python3 (torch 1.13, torchvision 0.14). Writes tests/fixtures/vision/:
  keys.json                 every architecture's state_dict names and shapes, from torchvision
  input_64.npy, input_32.npy  2 images each (64x64 for the ImageNet models, 32x32 for the rest)
  <arch>_out.npy            eval-mode logits with the deterministic weights below
  vit_mini.safetensors      a 2-layer ViT with PyTorch's random weights, and vit_mini_out.npy
  resnet20_grads.safetensors, resnet20_loss.npy
                            one training step of ResNet-20 (train-mode BN, mean cross-entropy)

Deterministic weights keep the fixtures small (ResNet-50 alone is 100 MB): tensor number t of the
state_dict (in its order), element i, gets v = 2 * (hash(t, i) >> 8) / 2^24 - 1 in [-1, 1), with
the 32-bit integer hash below, then
  running_var                      1 + 0.2 v
  num_batches_tracked              0 (left as it is)
  2+ dims (conv, linear, tokens)   v * sqrt(6 / fan_in)   (fan_in = numel / shape[0])
  1 dim named *weight (BN, LN)     1 + 0.1 v
  other 1-dim (biases, running_mean) 0.1 v
computed in float64 and rounded to float32. The C++ test computes the same.
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.vision_transformer import VisionTransformer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
from torch_models import CifarResNet20  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "vision")
M32 = np.uint64(0xFFFFFFFF)


def det_uniform(t_index, n):
    i = np.arange(n, dtype=np.uint64)
    x = (i * np.uint64(2654435761) + np.uint64(t_index) * np.uint64(40503) + np.uint64(12345)) & M32
    for _ in range(2):
        x ^= x >> np.uint64(16)
        x = (x * np.uint64(0x45D9F3B)) & M32
    x ^= x >> np.uint64(16)
    return 2.0 * (x >> np.uint64(8)).astype(np.float64) / float(1 << 24) - 1.0


def det_init(model):
    with torch.no_grad():
        for t, (name, p) in enumerate(model.state_dict().items()):
            if name.endswith("num_batches_tracked"):
                continue
            v = det_uniform(t, p.numel()).reshape(tuple(p.shape))
            if name.endswith("running_var"):
                v = 1.0 + 0.2 * v
            elif p.dim() >= 2:
                v = v * np.sqrt(6.0 / (p.numel() // p.shape[0]))
            elif name.endswith("weight"):
                v = 1.0 + 0.1 * v
            else:
                v = 0.1 * v
            p.copy_(torch.from_numpy(v.astype(np.float32)))


def vit(hidden, layers, heads, mlp, image_size, num_classes):
    return VisionTransformer(image_size=image_size, patch_size=16, num_layers=layers, num_heads=heads,
                             hidden_dim=hidden, mlp_dim=mlp, num_classes=num_classes)


def save_safetensors(path, tensors):
    """safetensors written by hand (the package is not installed): 8-byte LE header size, JSON, data."""
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    x64 = torch.randn(2, 3, 64, 64)
    x32 = torch.randn(2, 3, 32, 32)
    np.save(os.path.join(OUT, "input_64.npy"), x64.numpy())
    np.save(os.path.join(OUT, "input_32.npy"), x32.numpy())
    archs = {
        "resnet18": (lambda: torchvision.models.resnet18(num_classes=10), x64),
        "resnet34": (lambda: torchvision.models.resnet34(num_classes=10), x64),
        "resnet50": (lambda: torchvision.models.resnet50(num_classes=10), x64),
        "resnet20": (lambda: CifarResNet20(10), x32),
        "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(num_classes=10), x64),
        "vit_tiny": (lambda: vit(192, 12, 3, 768, 32, 10), x32),
        "vit_small": (lambda: vit(384, 12, 6, 1536, 32, 10), x32),
    }
    keys = {}
    for name, (make, x) in archs.items():
        m = make()
        keys[name] = [[k, list(v.shape)] for k, v in m.state_dict().items()]
        det_init(m)
        m.eval()
        with torch.no_grad():
            y = m(x)
        np.save(os.path.join(OUT, name + "_out.npy"), y.numpy())
        print(name, "params", sum(p.numel() for p in m.parameters()), "max|y|", float(y.abs().max()))
    with open(os.path.join(OUT, "keys.json"), "w") as f:
        json.dump(keys, f, indent=0)

    # PyTorch's own random weights through a safetensors file (the head and class token start at
    # zero in torchvision, so they get random values too).
    torch.manual_seed(1)
    mini = vit(32, 2, 2, 64, 32, 5)
    with torch.no_grad():
        mini.class_token.normal_(0, 0.5)
        mini.heads.head.weight.normal_(0, 0.5)
        mini.heads.head.bias.normal_(0, 0.5)
    mini.eval()
    save_safetensors(os.path.join(OUT, "vit_mini.safetensors"), mini.state_dict())
    with torch.no_grad():
        np.save(os.path.join(OUT, "vit_mini_out.npy"), mini(x32).numpy())

    # One training step of ResNet-20: gradients of the mean cross-entropy, batch norm in train mode.
    m = CifarResNet20(10)
    det_init(m)
    m.train()
    target = torch.tensor([1, 3, 5, 7, 0, 9, 2, 4])
    xb = torch.cat([x32, x32.flip(3), x32 * 0.5, -x32], 0)
    np.save(os.path.join(OUT, "resnet20_batch.npy"), xb.numpy())
    np.save(os.path.join(OUT, "resnet20_target.npy"), target.numpy())
    loss = F.cross_entropy(m(xb), target)
    loss.backward()
    np.save(os.path.join(OUT, "resnet20_loss.npy"), np.array(loss.item(), dtype=np.float32))
    save_safetensors(os.path.join(OUT, "resnet20_grads.safetensors"), {k: p.grad for k, p in m.named_parameters()})
    print("resnet20 loss", loss.item())


if __name__ == "__main__":
    main()
