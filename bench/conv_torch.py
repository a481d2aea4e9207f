#!/usr/bin/python3
"""Convolution speed of PyTorch (oneDNN, NCHW) and of `hangu bench conv` on the same cases, in the
same run, with their ratio (PyTorch time / Hangu time: above 1 means Hangu is faster).

    /usr/bin/python3 bench/conv_torch.py --hangu build/bin/hangu [--threads 2 1] [--reps 10]
        [--rounds 3] [--cases all|fwd1,fwd32,bwd32,...] [--json]

Cases (the issue's list, plus the backward at batch 1 and the depthwise backward):
  fwd1   3x3 64->64 on 1x64x56x56, padding 1, forward with bias
  fwd32  the same at batch 32
  bwd1   its backward (input and weight gradients, no bias) at batch 1
  bwd32  the same at batch 32
  dw     depthwise 3x3 on 1x144x56x56, padding 1, forward with bias
  dwbwd  its backward
  r20a/b/c, r20a/b/cbwd  the 3x3 layers of CIFAR ResNet-20 training at batch 128 (16 channels on
         32x32, 32 on 16x16, 64 on 8x8), forward and backward (not in "all": --cases r20)
PyTorch runs F.conv2d under no_grad (forward) and torch.autograd.grad of the output for the input
and the weight (backward); Hangu times its kernels on preallocated buffers. Each round runs every
case on both sides, alternating, so both see the same machine load; the table gives the minimum
over all repetitions and the median of the per-round medians. A benchmark, not a test.

PyTorch allocates its output on every call. glibc serves blocks above its mmap threshold (128 KiB
at start) with fresh pages, and faulting those in costs PyTorch about 1.5 ms on the depthwise case
here; freeing one 30 MiB block first raises the threshold (glibc adapts it up to 32 MiB), so
PyTorch is measured at its best, as after a warm training step.
"""
import argparse
import json
import statistics
import subprocess
import time

import torch
import torch.nn.functional as F

CASES = {
    #        n, c_in, c_out, h,  w, k, stride, padding, groups, backward
    "fwd1": (1, 64, 64, 56, 56, 3, 1, 1, 1, False),
    "fwd32": (32, 64, 64, 56, 56, 3, 1, 1, 1, False),
    "bwd1": (1, 64, 64, 56, 56, 3, 1, 1, 1, True),
    "bwd32": (32, 64, 64, 56, 56, 3, 1, 1, 1, True),
    "dw": (1, 144, 144, 56, 56, 3, 1, 1, 144, False),
    "dwbwd": (1, 144, 144, 56, 56, 3, 1, 1, 144, True),
    "r20a": (128, 16, 16, 32, 32, 3, 1, 1, 1, False),
    "r20abwd": (128, 16, 16, 32, 32, 3, 1, 1, 1, True),
    "r20b": (128, 32, 32, 16, 16, 3, 1, 1, 1, False),
    "r20bbwd": (128, 32, 32, 16, 16, 3, 1, 1, 1, True),
    "r20c": (128, 64, 64, 8, 8, 3, 1, 1, 1, False),
    "r20cbwd": (128, 64, 64, 8, 8, 3, 1, 1, 1, True),
}
ALL = ["fwd1", "fwd32", "bwd1", "bwd32", "dw", "dwbwd"]


def torch_times(case, threads, reps):
    n, c_in, c_out, h, w, k, stride, padding, groups, backward = case
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = torch.rand(n, c_in, h, w) * 2 - 1
    wt = torch.rand(c_out, c_in // groups, k, k) * 2 - 1
    if backward:
        x.requires_grad_(True)
        wt.requires_grad_(True)
        y = F.conv2d(x, wt, None, stride, padding, 1, groups)
        gy = torch.rand_like(y) * 2 - 1

        def run():
            torch.autograd.grad(y, [x, wt], gy, retain_graph=True)
    else:
        b = torch.rand(c_out) * 2 - 1

        def run():
            with torch.no_grad():
                F.conv2d(x, wt, b, stride, padding, 1, groups)
    run()  # warm-up
    ms = []
    for _ in range(reps):
        t0 = time.perf_counter()
        run()
        ms.append(1000.0 * (time.perf_counter() - t0))
    return ms


def hangu_times(binary, case, threads, reps):
    n, c_in, c_out, h, w, k, stride, padding, groups, backward = case
    cmd = [binary, "bench", "conv", "--n", str(n), "--c-in", str(c_in), "--c-out", str(c_out), "--h", str(h),
           "--w", str(w), "--kernel", str(k), "--stride", str(stride), "--padding", str(padding), "--groups",
           str(groups), "--threads", str(threads), "--reps", str(reps), "--json"]
    if backward:
        cmd.append("--backward")
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hangu", default="build/bin/hangu", help="the hangu program")
    p.add_argument("--threads", type=int, nargs="+", default=[2, 1])
    p.add_argument("--reps", type=int, default=10, help="timed repetitions per case, side and round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--cases", default="all", help="comma-separated names, or all")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    big = torch.empty(30 << 18)  # 30 MiB of float32: see the note on glibc's mmap threshold above
    del big
    names = ALL if a.cases == "all" else [n for n in CASES if n.startswith("r20")] if a.cases == "r20" else a.cases.split(",")
    for name in names:
        if name not in CASES:
            p.error(f"unknown case '{name}' (expected {', '.join(CASES)})")
    rows = []
    for threads in a.threads:
        for name in names:
            t_all, t_medians, h_mins, h_medians = [], [], [], []
            for _ in range(a.rounds):
                t = torch_times(CASES[name], threads, a.reps)
                t_all += t
                t_medians.append(statistics.median(t))
                hj = hangu_times(a.hangu, CASES[name], threads, a.reps)
                h_mins.append(hj["min_ms"])
                h_medians.append(hj["median_ms"])
            row = {"case": name, "threads": threads, "isa": hj["isa"], "torch_min_ms": min(t_all),
                   "torch_median_ms": statistics.median(t_medians), "hangu_min_ms": min(h_mins),
                   "hangu_median_ms": statistics.median(h_medians)}
            row["ratio_min"] = row["torch_min_ms"] / row["hangu_min_ms"]
            row["ratio_median"] = row["torch_median_ms"] / row["hangu_median_ms"]
            rows.append(row)
            if not a.json:
                print(f"{name:6} {threads} thr  torch min {row['torch_min_ms']:8.3f} med {row['torch_median_ms']:8.3f} ms"
                      f"  hangu min {row['hangu_min_ms']:8.3f} med {row['hangu_median_ms']:8.3f} ms"
                      f"  ratio min {row['ratio_min']:5.2f}x med {row['ratio_median']:5.2f}x", flush=True)
    if a.json:
        print(json.dumps({"torch": torch.__version__, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
