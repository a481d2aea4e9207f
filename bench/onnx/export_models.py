#!/usr/bin/env python3
"""Exports ResNet-18 and MobileNetV2 (torchvision, random weights from seed 0, eval mode) to ONNX
opset 13 with a dynamic batch dim, and writes a batch-1 input. Debian's python3-torch and
python3-torchvision:

    /usr/bin/python3 bench/onnx/export_models.py OUT_DIR

OUT_DIR gets resnet18.onnx, mobilenet_v2.onnx (input "input" [N, 3, 224, 224], output "logits")
and input_b1.npy (float32 N(0, 1), seed 0).
"""
import os
import sys

import numpy as np
import torch
import torchvision


def export(model, path):
    model.eval()
    x = torch.randn(1, 3, 224, 224)
    torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    export(torchvision.models.resnet18(), os.path.join(out, "resnet18.onnx"))
    torch.manual_seed(0)
    export(torchvision.models.mobilenet_v2(), os.path.join(out, "mobilenet_v2.onnx"))
    rng = np.random.default_rng(0)
    np.save(os.path.join(out, "input_b1.npy"), rng.standard_normal((1, 3, 224, 224)).astype(np.float32))


if __name__ == "__main__":
    main()
