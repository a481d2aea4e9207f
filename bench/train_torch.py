#!/usr/bin/python3
"""Training throughput of PyTorch on the configuration of `hangu bench train`, and optionally of
Hangu itself in the same run, with their ratio.

    /usr/bin/python3 bench/train_torch.py --model lenet|mlp|resnet20 --batch-size 128 --steps 50 \
        --threads 2 [--hangu build/bin/hangu] [--json]

Configuration (the same as src/hangu/cli/bench_cmd.cpp): one fixed synthetic batch of N(0, 1)
images ([B, 1, 28, 28] for lenet and mlp, [B, 3, 32, 32] for the CIFAR ResNet-20) and random
labels out of 10, mean cross-entropy, SGD lr 0.01 momentum 0.9, `--warmup` untimed steps, then
`--steps` timed steps of forward, backward and update. A benchmark, not a test.

Install OpenBLAS first (`apt-get install -y libopenblas0-pthread`): without it Debian's torch
runs its matrix products on the reference BLAS (torch.__config__ shows BLAS_INFO=generic, about
3 GFLOP/s here instead of about 60), which makes PyTorch look 10x slower than it is.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "fixtures"))
from torch_models import CifarResNet20, LeNet, MLP as Mlp  # noqa: E402

MODELS = {"lenet": LeNet, "mlp": Mlp, "resnet20": CifarResNet20}


def bench_torch(model_name, batch_size, steps, warmup, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = MODELS[model_name]()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch_size, 3, 32, 32) if model_name == "resnet20" else torch.randn(batch_size, 1, 28, 28)
    y = torch.randint(0, 10, (batch_size,))

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - t0
    return {"framework": "torch " + torch.__version__, "samples_per_second": steps * batch_size / seconds,
            "step_ms": 1000.0 * seconds / steps, "seconds": seconds}


def bench_hangu(binary, model_name, batch_size, steps, warmup, threads):
    cmd = [binary, "bench", "train", "--model", model_name, "--batch-size", str(batch_size), "--steps", str(steps),
           "--warmup", str(warmup), "--threads", str(threads), "--json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=sorted(MODELS), default="lenet")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--hangu", metavar="PATH", help="the hangu binary: benchmark it in the same run")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    a = p.parse_args()

    rows = {"torch": bench_torch(a.model, a.batch_size, a.steps, a.warmup, a.threads)}
    if a.hangu:
        rows["hangu"] = bench_hangu(a.hangu, a.model, a.batch_size, a.steps, a.warmup, a.threads)
    result = {"model": a.model, "batch_size": a.batch_size, "steps": a.steps, "threads": a.threads,
              "torch_samples_per_second": rows["torch"]["samples_per_second"]}
    if "hangu" in rows:
        result["hangu_samples_per_second"] = rows["hangu"]["samples_per_second"]
        result["hangu_over_torch"] = rows["hangu"]["samples_per_second"] / rows["torch"]["samples_per_second"]
    if a.json:
        print(json.dumps(result))
        return 0
    print(f"train {a.model}, batch {a.batch_size}, {a.steps} steps, {a.threads} threads")
    print(f"{'framework':<12} {'samples/s':>12} {'ms/step':>10}")
    for name, r in rows.items():
        print(f"{name:<12} {r['samples_per_second']:>12.1f} {r['step_ms']:>10.2f}")
    if "hangu" in rows:
        print(f"hangu / torch: {result['hangu_over_torch']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
