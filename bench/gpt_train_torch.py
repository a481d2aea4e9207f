#!/usr/bin/python3
"""Training speed of the small GPT (4 layers, width 256, 4 heads, byte vocabulary of 257, sequence
128, batch 8, AdamW) in PyTorch and in `hangu train --model gpt` on the same text, in the same run.

    /usr/bin/python3 bench/gpt_train_torch.py --hangu build/bin/hangu [--text FILE] [--threads 1 2]
        [--steps 30] [--rounds 3] [--json]

PyTorch runs the GPT-2 architecture in plain PyTorch (tools/gen_llm_fixtures.py's reference,
batched): token and position embeddings, pre-norm blocks with causal attention (PyTorch 1.13 has
no fused attention, so the scores are materialised) and a gelu-tanh MLP, the LM head tied to the
embedding, mean cross-entropy, AdamW (lr 1e-3, weight decay 0.01). Both sides draw random windows
of the text's bytes; both count training steps only (Hangu's tokens_per_second leaves out its
validation passes; PyTorch times `--steps` steps after 3 untimed ones). Each round runs both sides
at each thread count; the table gives the best and the median over the rounds. A benchmark, not a
test. Install OpenBLAS first (see bench/train_torch.py).

PyTorch is measured at its best: Debian's torch does its matrix products in OpenBLAS, which this
machine's environment pins to its Haswell kernels (OPENBLAS_CORETYPE) and whose own threads collide
with PyTorch's OpenMP threads. Each PyTorch figure is the faster of two runs in fresh processes
with OPENBLAS_CORETYPE=SkylakeX (the AVX-512 kernels): OpenBLAS with as many threads as PyTorch,
and OpenBLAS on one thread.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from gen_llm_fixtures import gelu_new  # noqa: E402

LAYERS, WIDTH, HEADS, VOCAB, SEQ, BATCH = 4, 256, 4, 257, 128, 8


def make_params(g):
    C = WIDTH

    def rnd(*shape, std=0.02):
        return (torch.randn(*shape, generator=g) * std).requires_grad_()

    def const(value, *shape):
        return torch.full(shape, float(value)).requires_grad_()

    w = {"wte": rnd(VOCAB, C), "wpe": rnd(SEQ, C, std=0.01)}
    for i in range(LAYERS):
        p = f"h{i}."
        w.update({p + "ln1w": const(1, C), p + "ln1b": const(0, C), p + "attnw": rnd(C, 3 * C),
                  p + "attnb": const(0, 3 * C), p + "projw": rnd(C, C), p + "projb": const(0, C),
                  p + "ln2w": const(1, C), p + "ln2b": const(0, C), p + "fcw": rnd(C, 4 * C),
                  p + "fcb": const(0, 4 * C), p + "fc2w": rnd(4 * C, C), p + "fc2b": const(0, C)})
    w.update({"lnfw": const(1, C), "lnfb": const(0, C)})
    return w


def forward(w, ids):
    """ids [B, L] -> logits [B, L, V]."""
    B, L = ids.shape
    C, H = WIDTH, HEADS
    D = C // H
    h = w["wte"][ids] + w["wpe"][:L]
    mask = torch.ones(L, L, dtype=torch.bool).tril()
    for i in range(LAYERS):
        p = f"h{i}."
        a = F.layer_norm(h, (C,), w[p + "ln1w"], w[p + "ln1b"], 1e-5)
        qkv = a @ w[p + "attnw"] + w[p + "attnb"]
        q, k, v = (t.reshape(B, L, H, D).transpose(1, 2) for t in qkv.split(C, dim=-1))
        s = (q @ k.transpose(-1, -2)) / math.sqrt(D)
        o = s.masked_fill(~mask, float("-inf")).softmax(-1) @ v
        h = h + o.transpose(1, 2).reshape(B, L, C) @ w[p + "projw"] + w[p + "projb"]
        m = F.layer_norm(h, (C,), w[p + "ln2w"], w[p + "ln2b"], 1e-5)
        h = h + gelu_new(m @ w[p + "fcw"] + w[p + "fcb"]) @ w[p + "fc2w"] + w[p + "fc2b"]
    h = F.layer_norm(h, (C,), w["lnfw"], w["lnfb"], 1e-5)
    return h @ w["wte"].t()


def bench_torch(data, threads, steps):
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    w = make_params(g)
    opt = torch.optim.AdamW(list(w.values()), lr=1e-3, weight_decay=0.01)
    room = len(data) - SEQ - 1

    def step():
        starts = torch.randint(0, room + 1, (BATCH,), generator=g)
        win = torch.stack([data[s:s + SEQ + 1] for s in starts.tolist()])
        x, y = win[:, :-1], win[:, 1:]
        loss = F.cross_entropy(forward(w, x).reshape(-1, VOCAB), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * BATCH * SEQ / (time.perf_counter() - t0)


def bench_torch_best(text, threads, steps):
    """The faster of the two OpenBLAS set-ups, each in a fresh process."""
    best = 0.0
    for blas_threads in sorted({threads, 1}):
        env = dict(os.environ, OPENBLAS_CORETYPE="SkylakeX", OPENBLAS_NUM_THREADS=str(blas_threads))
        env.pop("OPENBLAS_L2_SIZE", None)
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--torch-worker", "--text", text, "--threads",
                              str(threads), "--steps", str(steps)], check=True, capture_output=True, text=True, env=env)
        best = max(best, float(out.stdout.strip().splitlines()[-1]))
    return best


def bench_hangu(hangu, text, threads, steps):
    cmd = [hangu, "--threads", str(threads), "train", "--model", "gpt", "--text", text, "--out", "/tmp/hangu_gpt_bench",
           "--steps", str(steps + 3), "--batch-size", str(BATCH), "--seq-len", str(SEQ), "--layers", str(LAYERS),
           "--width", str(WIDTH), "--heads", str(HEADS), "--eval-every", str(10 ** 6), "--json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["tokens_per_second"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hangu")
    ap.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--text", default=None, help="a UTF-8 file (default: the licenses in /usr/share/common-licenses)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    text = a.text
    if text is None:
        text = "/tmp/hangu_gpt_bench_licenses.txt"
        d = "/usr/share/common-licenses"
        with open(text, "wb") as f:
            for name in sorted(os.listdir(d)):
                p = os.path.join(d, name)
                if os.path.isfile(p):
                    with open(p, "rb") as src:
                        f.write(src.read())
    if a.torch_worker:  # one PyTorch measurement in this process's OpenBLAS set-up
        with open(text, "rb") as f:
            data = torch.tensor(list(f.read()), dtype=torch.long)
        print(bench_torch(data, a.threads[0], a.steps))
        return
    if not a.hangu:
        ap.error("--hangu is required")

    runs = {t: {"torch": [], "hangu": []} for t in a.threads}
    for _ in range(a.rounds):
        for t in a.threads:
            runs[t]["torch"].append(bench_torch_best(text, t, a.steps))
            runs[t]["hangu"].append(bench_hangu(a.hangu, text, t, a.steps))
    result = {"config": {"layers": LAYERS, "width": WIDTH, "heads": HEADS, "seq": SEQ, "batch": BATCH,
                         "steps": a.steps, "rounds": a.rounds}, "threads": {}}
    for t in a.threads:
        r = runs[t]
        row = {k + "_best": max(v) for k, v in r.items()}
        row.update({k + "_median": statistics.median(v) for k, v in r.items()})
        row["ratio_best"] = row["hangu_best"] / row["torch_best"]
        row["ratio_median"] = row["hangu_median"] / row["torch_median"]
        result["threads"][str(t)] = row
    best_t = max(max(runs[t]["torch"]) for t in a.threads)
    best_h = max(max(runs[t]["hangu"]) for t in a.threads)
    result["best_of_threads_ratio"] = best_h / best_t
    if a.json:
        print(json.dumps(result, indent=1))
        return
    for t in a.threads:
        r = result["threads"][str(t)]
        print(f"{t} thread(s): PyTorch best {r['torch_best']:8.0f} median {r['torch_median']:8.0f} tokens/s   "
              f"Hangu best {r['hangu_best']:8.0f} median {r['hangu_median']:8.0f}   "
              f"Hangu/PyTorch best {r['ratio_best']:.2f} median {r['ratio_median']:.2f}")
    print(f"best of the thread counts: Hangu/PyTorch {result['best_of_threads_ratio']:.2f}")


if __name__ == "__main__":
    main()
