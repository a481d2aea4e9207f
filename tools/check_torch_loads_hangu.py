#!/usr/bin/env python3
"""Issue 3, point 2 (second half): weights written by Hangu load into the same PyTorch model and
give the same logits on test digits.

  HANGU_PARITY_OUT=/tmp/p build/bin/test_parity --gtest_filter=*LeNetSgdFloat32
  /usr/bin/python3 tools/check_torch_loads_hangu.py /tmp/p/lenet.safetensors /tmp/p/logits.npy

Also works with `hangu train --out DIR` output: pass DIR/model.safetensors and a logits .npy.
"""
import os
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tools", "fixtures"))
import gen_train_parity as g  # noqa: E402
import safetensors_py  # noqa: E402


def main():
    weights, logits_path = sys.argv[1], sys.argv[2]
    name = sys.argv[3] if len(sys.argv) > 3 else "lenet"
    tensors, _ = safetensors_py.load(weights)
    model = {"lenet": g.LeNet, "mlp": g.MLP}[name]()
    model.load_state_dict(tensors, strict=True)  # raises on any missing, extra or mis-shaped key
    model.eval()
    d = os.path.join(ROOT, "data", "mnist-10k")
    images = g.read_idx(os.path.join(d, "test-images-idx3-ubyte.gz"))[:64]
    x = (images.astype(np.float32) / np.float32(255.0) - np.float32(0.1307)) / np.float32(0.3081)
    with torch.no_grad():
        ours = model(torch.from_numpy(x).reshape(-1, 1, 28, 28)).numpy()
    theirs = np.load(logits_path)
    diff = np.abs(ours - theirs).max()
    print(f"loaded {len(tensors)} tensors strictly; max |logit difference| on 64 test digits: {diff:.3g}")
    print(f"predicted classes equal: {bool((ours.argmax(1) == theirs.argmax(1)).all())}")
    sys.exit(0 if diff < 1e-4 else 1)


if __name__ == "__main__":
    main()
