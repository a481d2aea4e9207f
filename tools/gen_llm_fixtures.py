#!/usr/bin/python3
"""Writes tests/fixtures/llm/{gpt2,qwen2}/: small random-weight models (config.json +
model.safetensors, Hugging Face names) and reference.safetensors with the PyTorch outputs:
input_ids [1, L], logits [1, L, V] for them, and greedy_ids [32] (greedy continuation of
input_ids). `transformers` is not installed here, so GPT2LMHeadModel and Qwen2ForCausalLM are
written below in plain PyTorch after the published architectures. gpt2/ also gets a tiny
byte-level BPE tokenizer.json (vocabulary = the model's) for `hangu generate --prompt`.
gpt_small_step/ holds one training step of the small GPT of `hangu train --model gpt` (see
write_small_gpt_step).
Run with Debian's /usr/bin/python3 (torch 1.13)."""
import json
import math
import os
import re
import struct

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "llm")
ST_DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.bfloat16: "BF16"}
NEW_TOKENS = 32


def write_safetensors(path, tensors):
    """A minimal writer following the safetensors spec (the package is not installed here)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors:
        t = t.contiguous()
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def causal_attention(q, k, v):
    """q [H, L, D], k/v [H, S, D]; query i sits at position S - L + i (bottom-right causal)."""
    L, S = q.shape[1], k.shape[1]
    scores = q @ k.transpose(1, 2) / math.sqrt(q.shape[-1])
    mask = torch.ones(L, S, dtype=torch.bool).tril(S - L)
    scores = scores.masked_fill(~mask, float("-inf"))
    return scores.softmax(-1) @ v


# ---------------------------------------------------------------- GPT-2 (GPT2LMHeadModel)
def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def gpt2_forward(w, cfg, ids):
    """ids [L] -> logits [L, V]; Conv1D weights are [in, out] (x @ W + b)."""
    C, H = cfg["n_embd"], cfg["n_head"]
    D, eps = C // H, cfg["layer_norm_epsilon"]
    L = ids.shape[0]
    h = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][torch.arange(L)]
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        a = torch.nn.functional.layer_norm(h, (C,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = a @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = (t.reshape(L, H, D).transpose(0, 1) for t in qkv.split(C, dim=-1))
        o = causal_attention(q, k, v).transpose(0, 1).reshape(L, C)
        h = h + o @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        m = torch.nn.functional.layer_norm(h, (C,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        m = gelu_new(m @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        h = h + m @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    h = torch.nn.functional.layer_norm(h, (C,), w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
    return h @ w["transformer.wte.weight"].t()  # lm_head tied to wte


def gpt2_weights(cfg, g):
    C, V, P = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]
    def rnd(*shape, std=0.2):
        return torch.randn(*shape, generator=g) * std
    w = {"transformer.wte.weight": rnd(V, C, std=0.5), "transformer.wpe.weight": rnd(P, C, std=0.1)}
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        w[p + "ln_1.weight"] = 1 + rnd(C, std=0.1)
        w[p + "ln_1.bias"] = rnd(C, std=0.1)
        w[p + "attn.c_attn.weight"] = rnd(C, 3 * C)
        w[p + "attn.c_attn.bias"] = rnd(3 * C, std=0.1)
        w[p + "attn.c_proj.weight"] = rnd(C, C)
        w[p + "attn.c_proj.bias"] = rnd(C, std=0.1)
        w[p + "ln_2.weight"] = 1 + rnd(C, std=0.1)
        w[p + "ln_2.bias"] = rnd(C, std=0.1)
        w[p + "mlp.c_fc.weight"] = rnd(C, 4 * C)
        w[p + "mlp.c_fc.bias"] = rnd(4 * C, std=0.1)
        w[p + "mlp.c_proj.weight"] = rnd(4 * C, C, std=0.1)
        w[p + "mlp.c_proj.bias"] = rnd(C, std=0.1)
    w["transformer.ln_f.weight"] = 1 + rnd(C, std=0.1)
    w["transformer.ln_f.bias"] = rnd(C, std=0.1)
    return w


# ---------------------------------------------------------------- Qwen2 (Qwen2ForCausalLM)
def rms_norm(x, weight, eps):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def qwen2_forward(w, cfg, ids):
    C, H, KV = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D, eps, L = C // H, cfg["rms_norm_eps"], ids.shape[0]
    inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, D, 2, dtype=torch.int64).float() / D))
    freqs = torch.arange(L).float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos().to(w["model.embed_tokens.weight"].dtype), emb.sin().to(w["model.embed_tokens.weight"].dtype)
    h = w["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        x = rms_norm(h, w[p + "input_layernorm.weight"], eps)
        q = (x @ w[p + "self_attn.q_proj.weight"].t() + w[p + "self_attn.q_proj.bias"]).reshape(L, H, D).transpose(0, 1)
        k = (x @ w[p + "self_attn.k_proj.weight"].t() + w[p + "self_attn.k_proj.bias"]).reshape(L, KV, D).transpose(0, 1)
        v = (x @ w[p + "self_attn.v_proj.weight"].t() + w[p + "self_attn.v_proj.bias"]).reshape(L, KV, D).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // KV, dim=0)
        v = v.repeat_interleave(H // KV, dim=0)
        o = causal_attention(q, k, v).transpose(0, 1).reshape(L, C)
        h = h + o @ w[p + "self_attn.o_proj.weight"].t()
        x = rms_norm(h, w[p + "post_attention_layernorm.weight"], eps)
        gate = torch.nn.functional.silu(x @ w[p + "mlp.gate_proj.weight"].t())
        h = h + (gate * (x @ w[p + "mlp.up_proj.weight"].t())) @ w[p + "mlp.down_proj.weight"].t()
    h = rms_norm(h, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
    return h @ head.t()


def qwen2_weights(cfg, g):
    C, V, I = cfg["hidden_size"], cfg["vocab_size"], cfg["intermediate_size"]
    KVD = cfg["num_key_value_heads"] * (C // cfg["num_attention_heads"])
    def rnd(*shape, std=0.2):
        return torch.randn(*shape, generator=g) * std
    w = {"model.embed_tokens.weight": rnd(V, C, std=0.5)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = 1 + rnd(C, std=0.1)
        w[p + "self_attn.q_proj.weight"] = rnd(C, C)
        w[p + "self_attn.q_proj.bias"] = rnd(C, std=0.1)
        w[p + "self_attn.k_proj.weight"] = rnd(KVD, C)
        w[p + "self_attn.k_proj.bias"] = rnd(KVD, std=0.1)
        w[p + "self_attn.v_proj.weight"] = rnd(KVD, C)
        w[p + "self_attn.v_proj.bias"] = rnd(KVD, std=0.1)
        w[p + "self_attn.o_proj.weight"] = rnd(C, C)
        w[p + "post_attention_layernorm.weight"] = 1 + rnd(C, std=0.1)
        w[p + "mlp.gate_proj.weight"] = rnd(I, C)
        w[p + "mlp.up_proj.weight"] = rnd(I, C)
        w[p + "mlp.down_proj.weight"] = rnd(C, I, std=0.1)
    w["model.norm.weight"] = 1 + rnd(C, std=0.1)
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = rnd(V, C, std=0.5)
    return w


# ---------------------------------------------------------------- a tiny byte-level BPE tokenizer
def bytes_to_unicode():
    """GPT-2's map from bytes to printable characters (the byte-level alphabet)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + \
        list(range(ord("\xae"), ord("\xff") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def gpt2_tokenizer_json(vocab_size):
    """tokenizer.json for `hangu generate --prompt`: the 256 byte tokens, merges learnt greedily
    from a sample text up to vocab_size - 1, and <|endoftext|> as the last id."""
    b2u = bytes_to_unicode()
    sample = ("the quick brown fox jumps over the lazy dog. hello world, hello hangu. "
              "language models generate text one token at a time. 你好，世界。")
    words = [[b2u[b] for b in w.encode()] for w in re.findall(r" ?\S+", sample)]
    vocab = {b2u[b]: i for i, b in enumerate(sorted(b2u, key=lambda b: list(b2u).index(b)))}
    merges = []
    while len(vocab) < vocab_size - 1:
        pairs = {}
        for w in words:
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + 1
        (a, b), _ = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        merges.append(f"{a} {b}")
        vocab[a + b] = len(vocab)
        for w in words:
            i = 0
            while i < len(w) - 1:
                if w[i] == a and w[i + 1] == b:
                    w[i:i + 2] = [a + b]
                i += 1
    eot = vocab_size - 1
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {"version": "1.0", "truncation": None, "padding": None,
            "added_tokens": [{"id": eot, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
                              "rstrip": False, "normalized": True, "special": True}],
            "normalizer": None, "pre_tokenizer": byte_level, "post_processor": byte_level, "decoder": byte_level,
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                      "end_of_word_suffix": "", "fuse_unk": False, "vocab": vocab, "merges": merges}}


# ---------------------------------------------------------------- fixtures
def greedy(forward, w, cfg, ids, n, penalty=1.0):
    """Greedy continuation by full recomputation; also the smallest top-1 / top-2 gap seen.
    penalty: Hugging Face's RepetitionPenaltyLogitsProcessor on every id seen so far."""
    seq, gap = ids.clone(), float("inf")
    for _ in range(n):
        last = forward(w, cfg, seq)[-1]
        if penalty != 1.0:
            score = last.gather(0, seq)
            score = torch.where(score < 0, score * penalty, score / penalty)
            last = last.scatter(0, seq, score)
        top = last.topk(2).values
        gap = min(gap, float(top[0] - top[1]))
        seq = torch.cat([seq, last.argmax().reshape(1)])
    return seq[ids.shape[0]:], gap


# Parameters whose gradients the fixtures keep (all would double their size).
GRAD_NAMES = {
    "gpt2": ["transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.attn.c_attn.weight",
             "transformer.h.0.attn.c_attn.bias", "transformer.h.1.mlp.c_proj.weight", "transformer.h.1.ln_2.weight",
             "transformer.ln_f.bias"],
    "qwen2": ["model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
              "model.layers.0.self_attn.k_proj.bias", "model.layers.1.self_attn.v_proj.weight",
              "model.layers.1.mlp.gate_proj.weight", "model.layers.0.input_layernorm.weight", "model.norm.weight",
              "lm_head.weight"],
}


def write_model(name, cfg, weights_fn, forward, seed):
    g = torch.Generator().manual_seed(seed)
    w = weights_fn(cfg, g)
    ids = torch.randint(0, cfg["vocab_size"], (12,), generator=g)
    logits = forward(w, cfg, ids)
    out, gap = greedy(forward, w, cfg, ids, NEW_TOKENS)
    # The float64 run must decode the same ids, so that float32 rounding cannot flip a choice.
    w64 = {k: v.double() for k, v in w.items()}
    out64, _ = greedy(forward, w64, cfg, ids, NEW_TOKENS)
    assert torch.equal(out, out64), name
    rep, rep_gap = greedy(forward, w, cfg, ids, NEW_TOKENS, penalty=1.5)
    rep64, _ = greedy(forward, w64, cfg, ids, NEW_TOKENS, penalty=1.5)
    assert torch.equal(rep, rep64), name
    gap = min(gap, rep_gap)
    d = os.path.join(ROOT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    write_safetensors(os.path.join(d, "model.safetensors"), sorted(w.items()))
    # One training step: the gradients of the next-token cross-entropy over input_ids.
    wg = {k: v.clone().requires_grad_(True) for k, v in w.items()}
    loss = torch.nn.functional.cross_entropy(forward(wg, cfg, ids)[:-1], ids[1:])
    loss.backward()
    grads = [("grad." + k, wg[k].grad) for k in GRAD_NAMES[name]]
    write_safetensors(os.path.join(d, "reference.safetensors"),
                      [("input_ids", ids.reshape(1, -1)), ("logits", logits.unsqueeze(0).contiguous()),
                       ("greedy_ids", out), ("greedy_penalty_1.5_ids", rep),
                       ("loss", loss.detach().reshape(1))] + grads)
    if name == "gpt2":
        with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(gpt2_tokenizer_json(cfg["vocab_size"]), f, ensure_ascii=False)
    print(f"{name}: max |logit| {logits.abs().max():.3f}, smallest greedy top-2 gap {gap:.4f}")


# ---------------------------------------------------------------- the small GPT's training step
# The small GPT of `hangu train --model gpt` (GPT-2, 4 layers, 256 wide, 4 heads, 257 byte ids,
# sequence 128) is too big to commit as weights plus gradients (13 MB each), so its weights come
# from a hash that the C++ test computes bit for bit (tests/unit/test_llm.cpp, hash_weights), and
# the fixture keeps the loss and, per parameter, the gradient's largest magnitude and an evenly
# strided sample of at most 1024 of its elements.
SMALL_GPT = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 256, "n_layer": 4, "n_head": 4,
             "n_positions": 128, "n_ctx": 128, "vocab_size": 257, "layer_norm_epsilon": 1e-5,
             "activation_function": "gelu_new", "bos_token_id": 256, "eos_token_id": 256}
GRAD_SAMPLES = 1024


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for b in text.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def hash_uniform(name, n):
    """n values k / 2^24 in [0, 1): the top 24 bits of splitmix64(FNV-1a(name) + (i + 1) * golden)."""
    import numpy as np
    with np.errstate(over="ignore"):
        z = np.uint64(fnv1a64(name)) + (np.arange(n, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float64) / 2.0 ** 24


def hash_scale(name):
    """(offset, half-width) of a parameter's uniform values; powers of two, so exact in float64."""
    if name.endswith("wte.weight"):
        return 0.0, 0.0625
    if name.endswith("wpe.weight"):
        return 0.0, 0.03125
    if ".ln_" in name or name.startswith("transformer.ln_f"):
        return (1.0, 0.125) if name.endswith("weight") else (0.0, 0.0625)
    if name.endswith("bias") or name.endswith("mlp.c_proj.weight"):
        return 0.0, 0.0625
    return 0.0, 0.125


def hash_weights(shapes):
    w = {}
    for name, shape in shapes.items():
        off, half = hash_scale(name)
        u = hash_uniform(name, math.prod(shape))
        w[name] = torch.from_numpy(off + (2.0 * u - 1.0) * half).float().reshape(shape)
    return w


def write_small_gpt_step():
    cfg = SMALL_GPT
    shapes = {k: tuple(v.shape) for k, v in gpt2_weights(cfg, torch.Generator().manual_seed(0)).items()}
    w = {k: v.requires_grad_(True) for k, v in hash_weights(shapes).items()}
    g = torch.Generator().manual_seed(3)
    ids = torch.randint(0, cfg["vocab_size"], (2, cfg["n_positions"]), generator=g)
    logits = torch.cat([gpt2_forward(w, cfg, ids[b])[:-1] for b in range(ids.shape[0])])
    loss = torch.nn.functional.cross_entropy(logits, ids[:, 1:].reshape(-1))
    loss.backward()
    out = [("input_ids", ids), ("loss", loss.detach().reshape(1))]
    for name in sorted(w):
        grad = w[name].grad.reshape(-1)
        stride = -(-grad.numel() // GRAD_SAMPLES)
        out.append(("grad_absmax." + name, grad.abs().max().reshape(1)))
        out.append(("grad_sample." + name, grad[::stride].contiguous()))
    d = os.path.join(ROOT, "gpt_small_step")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    write_safetensors(os.path.join(d, "reference.safetensors"), out)
    print(f"gpt_small_step: loss {loss.item():.6f}, {len(w)} parameters")


def main():
    torch.manual_seed(0)
    gpt2 = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 4,
            "n_positions": 64, "n_ctx": 64, "vocab_size": 300, "layer_norm_epsilon": 1e-5,
            "activation_function": "gelu_new", "bos_token_id": 299, "eos_token_id": 299}
    qwen2 = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 64,
             "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
             "vocab_size": 320, "max_position_embeddings": 256, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
             "hidden_act": "silu", "tie_word_embeddings": False, "torch_dtype": "float32"}
    write_model("gpt2", gpt2, gpt2_weights, gpt2_forward, 1)
    write_model("qwen2", qwen2, qwen2_weights, qwen2_forward, 2)
    write_small_gpt_step()


if __name__ == "__main__":
    main()
