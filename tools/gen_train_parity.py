#!/usr/bin/env python3
"""Generates the PyTorch side of the training-parity test (issue 3, point 2).

For LeNet and the MLP (the exact architectures and parameter names of src/hangu/models/), with
weights initialised by PyTorch from a fixed seed, it trains 100 optimizer steps on the first
100 * 64 training digits of data/mnist-10k in file order (batch 64, mean cross-entropy) with
  * SGD(lr=0.01, momentum=0.9, weight_decay=5e-4)
  * AdamW(lr=1e-3)   (PyTorch defaults otherwise: betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2)
and writes tests/fixtures/parity/<model>_init.safetensors and <model>_<opt>_final.safetensors
(and, for the float32 runs, <model>_<opt>_step10.safetensors after 10 steps).
Each run is done twice: in float32, and in float64 (model and data converted after loading the
float32 init; final weights stored rounded to float32 as <model>_<opt>_f64_final.safetensors).
Float64 is where parity is a sharp test: in float32, a pre-activation within ~1e-8 of a ReLU
kink (this data has one at step 11 of the MLP run: 2.6e-8 in PyTorch's float32, 1.7e-8 in
float64) flips with any change of summation order, and the runs then drift apart.
tests/unit/test_parity.cpp trains Hangu from the same init and compares.

Run with Debian's torch:  /usr/bin/python3 tools/gen_train_parity.py

Debian's torch does its float32 matrix products through libblas.so.3, which is the reference
(netlib) BLAS or OpenBLAS depending on what is installed. The fixtures were made with the
reference BLAS, and the script re-runs itself with it (LD_LIBRARY_PATH) so that they can be
reproduced bit for bit. Which BLAS is used matters: with OpenBLAS, PyTorch's own float32 MLP/AdamW
run ends 0.041 away from its reference-BLAS run, and differs by 1.7e-3 already after 10 steps.
"""
import gzip
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools", "fixtures"))
import safetensors_py  # noqa: E402
from torch_models import LeNet, MLP  # noqa: E402

STEPS, BATCH = 100, 64
# Float32 snapshot: after this many steps the float32 runs have not yet met a ReLU kink or an
# AdamW update decided by rounding noise, so Hangu's float32 run must still agree sharply.
SNAPSHOT_STEP = 10


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data[4 + 4 * ndim:], dtype=np.uint8).reshape(dims)


def load_train():
    d = os.path.join(ROOT, "data", "mnist-10k")
    images = read_idx(os.path.join(d, "train-images-idx3-ubyte.gz"))[: STEPS * BATCH]
    labels = read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz"))[: STEPS * BATCH]
    x = (images.astype(np.float32) / np.float32(255.0) - np.float32(0.1307)) / np.float32(0.3081)
    return torch.from_numpy(x).reshape(-1, 1, 28, 28), torch.from_numpy(labels.astype(np.int64))


def state(model):
    return [(k, v.detach().contiguous()) for k, v in model.state_dict().items()]


REFERENCE_BLAS = "/usr/lib/x86_64-linux-gnu/blas"


def main():
    if os.path.isdir(REFERENCE_BLAS) and REFERENCE_BLAS not in os.environ.get("LD_LIBRARY_PATH", ""):
        os.environ["LD_LIBRARY_PATH"] = REFERENCE_BLAS + ":" + os.environ.get("LD_LIBRARY_PATH", "")
        os.execv(sys.executable, [sys.executable] + sys.argv)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    x, y = load_train()
    out = os.path.join(ROOT, "tests", "fixtures", "parity")
    os.makedirs(out, exist_ok=True)
    for name, cls in (("lenet", LeNet), ("mlp", MLP)):
        torch.manual_seed(0)
        init = state(cls())
        safetensors_py.save(os.path.join(out, f"{name}_init.safetensors"), dict(init))
        for opt_name, dtype in (("sgd", torch.float32), ("adamw", torch.float32), ("sgd", torch.float64),
                                ("adamw", torch.float64)):
            model = cls()
            model.load_state_dict(dict(init))
            model = model.to(dtype)
            if opt_name == "sgd":
                opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
            else:
                opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
            for step in range(STEPS):
                xb, yb = x[step * BATCH:(step + 1) * BATCH].to(dtype), y[step * BATCH:(step + 1) * BATCH]
                opt.zero_grad(set_to_none=True)
                loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
                if step + 1 == SNAPSHOT_STEP and dtype == torch.float32:
                    safetensors_py.save(os.path.join(out, f"{name}_{opt_name}_step{SNAPSHOT_STEP}.safetensors"),
                                        dict(state(model)))
            tag = "" if dtype == torch.float32 else "_f64"
            final = {k: v.float() for k, v in state(model)}
            safetensors_py.save(os.path.join(out, f"{name}_{opt_name}{tag}_final.safetensors"), final,
                                {"final_loss": repr(loss.item())})
            print(f"{name} {opt_name} {dtype}: final batch loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
