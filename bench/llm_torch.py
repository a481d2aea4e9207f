#!/usr/bin/python3
"""Decoding speed of a GPT-2-small-shaped model (124M parameters, random weights) in PyTorch with a
KV cache, and of `hangu generate` on the same weights in the same run.

    /usr/bin/python3 bench/llm_torch.py --hangu build/bin/hangu --threads 1 [--tokens 64] [--json]

Writes the model (config.json + model.safetensors, f32, ~500 MB) to --dir once. Both sides decode
greedily from the same 16-token prompt; PyTorch's figure times only the decode steps, Hangu's
tokens_per_second covers the whole generate call (prompt included). The bandwidth limit is
measured read bandwidth / weight bytes read per token (a 512 MiB torch sum).
A benchmark, not a test. Install OpenBLAS first (see bench/train_torch.py).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from gen_llm_fixtures import gelu_new, write_safetensors  # noqa: E402

CFG = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12,
       "n_positions": 1024, "n_ctx": 1024, "vocab_size": 50257, "layer_norm_epsilon": 1e-5,
       "activation_function": "gelu_new"}


def make_weights(seed=0):
    g = torch.Generator().manual_seed(seed)
    C, V, P = CFG["n_embd"], CFG["vocab_size"], CFG["n_positions"]
    w = {"transformer.wte.weight": torch.randn(V, C, generator=g) * 0.02,
         "transformer.wpe.weight": torch.randn(P, C, generator=g) * 0.01}
    for i in range(CFG["n_layer"]):
        p = f"transformer.h.{i}."
        for name, shape in [("ln_1.weight", (C,)), ("ln_1.bias", (C,)), ("attn.c_attn.weight", (C, 3 * C)),
                            ("attn.c_attn.bias", (3 * C,)), ("attn.c_proj.weight", (C, C)), ("attn.c_proj.bias", (C,)),
                            ("ln_2.weight", (C,)), ("ln_2.bias", (C,)), ("mlp.c_fc.weight", (C, 4 * C)),
                            ("mlp.c_fc.bias", (4 * C,)), ("mlp.c_proj.weight", (4 * C, C)), ("mlp.c_proj.bias", (C,))]:
            t = torch.randn(*shape, generator=g) * 0.02
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight"):
                t = t + 1
            w[p + name] = t
    w["transformer.ln_f.weight"] = torch.ones(C)
    w["transformer.ln_f.bias"] = torch.zeros(C)
    return w


def step(w, ids, pos0, cache, dtype):
    """One forward over `ids` [L] at positions pos0.. with a per-layer (k, v) cache; last logits."""
    C, H = CFG["n_embd"], CFG["n_head"]
    D, L = C // H, ids.shape[0]
    h = (w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][pos0:pos0 + L]).to(dtype)
    for i in range(CFG["n_layer"]):
        p = f"transformer.h.{i}."
        a = torch.nn.functional.layer_norm(h, (C,), w[p + "ln_1.weight"], w[p + "ln_1.bias"])
        qkv = torch.addmm(w[p + "attn.c_attn.bias"], a, w[p + "attn.c_attn.weight"])
        q, k, v = (t.reshape(L, H, D).transpose(0, 1) for t in qkv.split(C, dim=-1))
        if cache[i] is not None:
            k = torch.cat([cache[i][0], k], 1)
            v = torch.cat([cache[i][1], v], 1)
        cache[i] = (k, v)
        S = k.shape[1]
        s = q @ k.transpose(1, 2) / math.sqrt(D)
        if L > 1:
            s = s.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(S - L), float("-inf"))
        o = (s.softmax(-1) @ v).transpose(0, 1).reshape(L, C)
        h = h + torch.addmm(w[p + "attn.c_proj.bias"], o, w[p + "attn.c_proj.weight"])
        m = torch.nn.functional.layer_norm(h, (C,), w[p + "ln_2.weight"], w[p + "ln_2.bias"])
        m = gelu_new(torch.addmm(w[p + "mlp.c_fc.bias"], m, w[p + "mlp.c_fc.weight"]))
        h = h + torch.addmm(w[p + "mlp.c_proj.bias"], m, w[p + "mlp.c_proj.weight"])
    h = torch.nn.functional.layer_norm(h[-1:], (C,), w["transformer.ln_f.weight"], w["transformer.ln_f.bias"])
    return (h @ w["transformer.wte.weight"].t()).float()[0]


def torch_decode(w, prompt, tokens, dtype):
    w = {k: v.to(dtype) for k, v in w.items()}
    with torch.no_grad():
        cache = [None] * CFG["n_layer"]
        logits = step(w, prompt, 0, cache, dtype)
        out, pos = [], prompt.shape[0]
        t0 = time.perf_counter()
        for _ in range(tokens):
            nxt = int(logits.argmax())
            out.append(nxt)
            logits = step(w, torch.tensor([nxt]), pos, cache, dtype)
            pos += 1
        return out, tokens / (time.perf_counter() - t0)


def bandwidth_gbs():
    """Read bandwidth: the best of 5 sums over 512 MiB (pages touched beforehand)."""
    x = torch.ones(128 * 1024 * 1024, dtype=torch.float32)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        x.sum()
        best = min(best, time.perf_counter() - t0)
    return x.numel() * 4 / best / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hangu", default=None)
    ap.add_argument("--dir", default="/tmp/hangu_gpt2_small")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    w = make_weights()
    if not os.path.exists(os.path.join(a.dir, "model.safetensors")):
        os.makedirs(a.dir, exist_ok=True)
        with open(os.path.join(a.dir, "config.json"), "w") as f:
            json.dump(CFG, f)
        write_safetensors(os.path.join(a.dir, "model.safetensors"), sorted(w.items()))
    prompt = torch.arange(16) * 7 + 3
    res = {"threads": a.threads, "tokens": a.tokens}
    params = sum(t.numel() for t in w.values())
    bw = bandwidth_gbs()
    res["bandwidth_GBps"] = bw
    for name, dt in [("f32", torch.float32), ("bf16", torch.bfloat16)]:
        ids, tps = torch_decode(w, prompt, a.tokens, dt)
        res[f"torch_{name}_tokens_per_s"] = tps
        res[f"{name}_bandwidth_limit_tokens_per_s"] = bw * 1e9 / (params * (4 if dt == torch.float32 else 2))
        if name == "f32":
            res["torch_f32_ids"] = ids
    for name in (["f32", "bf16"] if a.hangu else []):
        cmd = [a.hangu, "--threads", str(a.threads), "generate", "--model", a.dir, "--prompt-ids",
               ",".join(str(int(i)) for i in prompt), "--max-new-tokens", str(a.tokens), "--dtype", name, "--json"]
        out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        res[f"hangu_{name}_tokens_per_s"] = out["tokens_per_second"]
        if name == "f32":
            res["hangu_f32_same_ids_as_torch"] = out["ids"] == res["torch_f32_ids"]
        res[f"hangu_{name}_vs_torch"] = out["tokens_per_second"] / res[f"torch_{name}_tokens_per_s"]
        res[f"hangu_{name}_fraction_of_bandwidth_limit"] = (out["tokens_per_second"] /
                                                            res[f"{name}_bandwidth_limit_tokens_per_s"])
    res.pop("torch_f32_ids")
    print(json.dumps(res, indent=None if a.json else 2))


if __name__ == "__main__":
    main()
