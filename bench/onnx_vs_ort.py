#!/usr/bin/env python3
"""Hangu's ONNX runtime against ONNX Runtime on ResNet-18 and MobileNetV2 (torchvision, random
weights, exported at opset 13 by bench/onnx/export_models.py), batch 1, in the same run:

  1. outputs: `hangu run` and ONNX Runtime on the same input; the largest difference relative to
     the largest magnitude of ONNX Runtime's output must be <= 1e-4;
  2. latency: `hangu bench` and ONNX Runtime at 1 and 2 threads (min and median over the
     iterations), and the ratio hangu / ONNX Runtime (<= 1.0 means hangu is no slower).

    /usr/bin/python3 bench/onnx_vs_ort.py --hangu build/bin/hangu [--work DIR] [--iters K] [--json]

ONNX Runtime is npm's onnxruntime-node 1.30 (it ships its CPU library): the script runs
`npm install --ignore-scripts` in bench/onnx when bench/onnx/node_modules is missing. Needs node,
npm, and Debian's python3-torch, python3-torchvision and python3-numpy. Exit 1 when an output
differs by more than 1e-4.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = ["resnet18", "mobilenet_v2"]


def sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed (exit {r.returncode}): {r.stderr.strip() or r.stdout.strip()}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser(description="hangu vs ONNX Runtime on ResNet-18 and MobileNetV2")
    ap.add_argument("--hangu", default=os.path.join(ROOT, "build", "bin", "hangu"))
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "hangu_onnx_bench"))
    ap.add_argument("--iters", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    os.makedirs(args.work, exist_ok=True)
    if not all(os.path.exists(os.path.join(args.work, m + ".onnx")) for m in MODELS):
        sh([sys.executable, os.path.join(HERE, "onnx", "export_models.py"), args.work])
    if not os.path.isdir(os.path.join(HERE, "onnx", "node_modules", "onnxruntime-node")):
        sh(["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=os.path.join(HERE, "onnx"))
    ort_js = os.path.join(HERE, "onnx", "ort.js")
    x = os.path.join(args.work, "input_b1.npy")

    results, ok = [], True
    for m in MODELS:
        model = os.path.join(args.work, m + ".onnx")
        out_dir = os.path.join(args.work, "hangu_" + m)
        sh([args.hangu, "run", model, "--input", "input=" + x, "--output-dir", out_dir])
        ort_out = os.path.join(args.work, "ort_" + m + ".npy")
        sh(["node", ort_js, model, x, "--out", ort_out, "--iters", "1", "--warmup", "0"])
        got, want = np.load(os.path.join(out_dir, "logits.npy")), np.load(ort_out)
        rel = float(np.abs(got.astype(np.float64) - want).max() / np.abs(want).max())
        ok = ok and rel <= 1e-4
        row = {"model": m, "max_rel_diff": rel, "timings": []}
        for t in [int(v) for v in args.threads.split(",")]:
            common = ["--warmup", str(args.warmup), "--iters", str(args.iters)]
            h = json.loads(sh([args.hangu, "bench", model, "--input", "input=" + x, "--threads", str(t), "--json"] + common))
            o = json.loads(sh(["node", ort_js, model, x, "--threads", str(t)] + common))
            row["timings"].append({"threads": t, "hangu_min_ms": h["min_ms"], "hangu_median_ms": h["median_ms"],
                                   "ort_min_ms": o["min_ms"], "ort_median_ms": o["median_ms"],
                                   "ratio_min": h["min_ms"] / o["min_ms"], "ratio_median": h["median_ms"] / o["median_ms"]})
        results.append(row)

    if args.json:
        print(json.dumps({"results": results, "outputs_match": ok}))
    else:
        print(f"{'model':<14}{'threads':>8}{'hangu min':>11}{'ORT min':>9}{'ratio':>7}{'hangu med':>11}{'ORT med':>9}{'ratio':>7}  max rel diff")
        for r in results:
            for t in r["timings"]:
                print(f"{r['model']:<14}{t['threads']:>8}{t['hangu_min_ms']:>11.2f}{t['ort_min_ms']:>9.2f}{t['ratio_min']:>7.2f}"
                      f"{t['hangu_median_ms']:>11.2f}{t['ort_median_ms']:>9.2f}{t['ratio_median']:>7.2f}  {r['max_rel_diff']:.2e}")
        print("times in ms, batch 1; ratio = hangu / ONNX Runtime (<= 1.0: hangu is no slower)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
