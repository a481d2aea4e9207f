#!/usr/bin/python3
"""Tokenizer fixtures (issue 6): trains two small byte-level BPE tokenizers and writes their
tokenizer.json files with reference token ids.

Debian's python3 has neither `tokenizers` nor `regex`, so this script is the reference: the
pre-tokenizer patterns run through `re`, with \\p{L}, \\p{N} and \\s spelled out as explicit
character classes from unicodedata (\\s as the White_Space property, as Oniguruma reads it), and
the BPE follows GPT-2's encoder.py (merge every occurrence of the lowest-ranked pair until none is
left). Outputs, under tests/fixtures/tokenizer/:
  gpt2_style/tokenizer.json   ByteLevel pre-tokenizer (GPT-2 pattern), merges as "a b" strings
  qwen2_style/tokenizer.json  NFC + Sequence[Split(Qwen2 pattern), ByteLevel], merges as pairs
  */reference.json            {"cases": [{"text", "pieces", "ids"}]}: pieces per added-token-free segment
  nfc_cases.json              [[text, NFC(text)]] for the NFC normalizer
Run: /usr/bin/python3 tools/gen_tokenizer_fixtures.py
"""
import json
import os
import re
import sys
import unicodedata

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "tokenizer")

WHITE_SPACE = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680] + list(range(0x2000, 0x200B)) + [
    0x2028, 0x2029, 0x202F, 0x205F, 0x3000]


def class_body(pred):
    """The inside of a [...] class listing every code point for which pred holds, as ranges."""
    parts, start = [], None
    for cp in range(0x110001):
        ok = cp < 0x110000 and pred(cp)
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            lo, hi = start, cp - 1
            parts.append("\\U%08X" % lo if lo == hi else "\\U%08X-\\U%08X" % (lo, hi))
            start = None
    return "".join(parts)


L = class_body(lambda cp: unicodedata.category(chr(cp)).startswith("L"))
N = class_body(lambda cp: unicodedata.category(chr(cp)).startswith("N"))
WS_SET = set(WHITE_SPACE)
S = class_body(lambda cp: cp in WS_SET)

GPT2_RE = re.compile(
    r"'s|'t|'re|'ve|'m|'ll|'d| ?[%s]+| ?[%s]+| ?[^%s%s%s]+|[%s]+(?![^%s])|[%s]+" % (L, N, S, L, N, S, S, S))
QWEN2_RE = re.compile(
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n%s%s]?[%s]+|[%s]| ?[^%s%s%s]+[\r\n]*|[%s]*[\r\n]+|[%s]+(?![^%s])|[%s]+"
    % (L, N, L, N, S, L, N, S, S, S, S))

# The exact strings Hugging Face stores in tokenizer.json.
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
                 r"\s*[\r\n]+|\s+(?!\S)|\s+")


def bytes_to_unicode():
    """GPT-2's byte-level alphabet (encoder.py)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs])), bs


BYTE_ENCODER, BYTE_ORDER = bytes_to_unicode()


def spell(word):
    return "".join(BYTE_ENCODER[b] for b in word.encode("utf-8"))


TRAIN_TEXT = """
The quick brown fox jumps over the lazy dog. It's a dog's life, isn't it? They're sure we've won; I'm glad you'll come, he'd said.
Hangu is a deep-learning framework written in C++20. It has tensors, autograd, optimizers and a tokenizer.
def encode_text(input_ids, attention_mask=None):
    for token_id in input_ids:
        if token_id == 0:
            return None
    return self.forward(input_ids, attention_mask)

int64_t vocab_size = tokenizer.vocab_size();  // the number of tokens
std::vector<int64_t> ids = tokenizer.encode("hello world");
汉字是中文的书写系统。深度学习框架需要分词器把文本变成词元。我们今天学习自然语言处理，明天训练模型。
中文文本和 English text 混在一起时，分词器也要正确处理。模型、张量、梯度、优化器。
Numbers like 2024, 3.14159 and 1,000,000 appear in text; so do dates such as 2026-11-28.
Emoji: 😀 😃 🚀 ❤️ 👍🏽 and symbols like © ® ™ → ← ≤ ≥ appear in chat messages.
    Indented lines, tabs\tand trailing spaces   
are common in source code and in Markdown.
CamelCaseIdentifiers and snake_case_identifiers and SCREAMING_CASE and kConstantNames.
"""

TEST_TEXT = (
    "Hello world! It's Hangu's tokenizer: they're here, we've seen it, I'm sure, you'll see, he'd know.\n"
    "汉字和中文文本：深度学习框架的分词器。模型训练了 3 天，loss 降到 0.125。\n"
    "Emoji 😀🚀 and ❤️ with 👍🏽 skin tones; symbols © → ≤.\n"
    "def encode_text(input_ids, attention_mask=None):\n"
    "    return self.forward(input_ids)   # trailing spaces   \n"
    "\tint64_t vocab_size = tokenizer.vocab_size();\r\n"
    "CamelCaseIdentifier snake_case_identifier SCREAMING_CASE 12345 x2y3\n\n\n"
    "   leading spaces and    inner   runs\t\t tabs\u00a0nbsp\u3000ideographic space  \n"
    "DON'T SHOUT, IT'S FINE. Ünïcödé ñ ß Ω Привет мир 안녕하세요 こんにちは"
)

SPECIAL_TEXT = "<|endoftext|>Hello<|endoftext|> world<|endoftext|><|endoftext|>end"
QWEN_SPECIAL_TEXT = "<|im_start|>user\n你好，Hangu！<|im_end|>\n<|im_start|>assistant\nHi 😀<|im_end|><|endoftext|>"
NFC_TEXT = "Cafe\u0301 re\u0301sume\u0301 \u1100\u1161\u11a8 A\u030a \u212b e\u0323\u0302 ok"

# Edges of the patterns: whitespace runs before newlines and at the end, apostrophes that start no
# contraction, other-class runs ending in newlines, digits of every \p{N} kind, the long s that (?i) folds.
EDGE_TEXTS = [
    "  \n  x", "a\r\n\r\n b", "'''s x''ll", "end\t", "\t\tx", "１２３ Ⅻ ½ ٣", "?!\n\n(x)\r\n",
    "a  ", " \u00a0 b", "'\u017f 'S", "x\u3000\u3000y", "\n", "!!! ...", "£5 €10", "\x1c\x1f x",
]

NFC_CASES = [
    "Cafe\u0301", "\u1100\u1161\u11a8\u1100\u1161", "A\u030a\u212b\u2126", "e\u0323\u0302 e\u0302\u0323",
    "\u0041\u0301\u0316\u0300", "\u0958\u0344 \u0f73", "\u00e9\u00c5\uac00", "\u0301leading mark",
    "q\u0307\u0323 \u1e0b\u0323 \u1e69", "plain ascii", "\U0001D15E \u2adc", "\u0627\u0653 \u09c7\u09be",
]


def train(words, num_merges):
    """Most frequent adjacent pair first; ties broken by the smallest pair. Returns the merges."""
    freq = {}
    for w in words:
        key = tuple(spell(w))
        freq[key] = freq.get(key, 0) + 1
    merges = []
    for _ in range(num_merges):
        pairs = {}
        for word, f in freq.items():
            for a, b in zip(word, word[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + f
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        new = {}
        for word, f in freq.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + f
        freq = new
    return merges


def bpe(token, ranks):
    """GPT-2 encoder.py's bpe(): merge all occurrences of the lowest-ranked pair, repeat."""
    word = tuple(token)
    while len(word) > 1:
        pairs = set(zip(word, word[1:]))
        bigram = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if bigram not in ranks:
            break
        first, second = bigram
        new, i = [], 0
        while i < len(word):
            try:
                j = word.index(first, i)
            except ValueError:
                new.extend(word[i:])
                break
            new.extend(word[i:j])
            i = j
            if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                new.append(first + second)
                i += 2
            else:
                new.append(word[i])
                i += 1
        word = tuple(new)
    return word


def split_added(text, added):
    """Leftmost, then longest, added-token matches: a list of (is_added, string)."""
    out, seg, pos = [], 0, 0
    contents = sorted(added, key=len, reverse=True)
    while pos < len(text):
        hit = next((c for c in contents if text.startswith(c, pos)), None)
        if hit is None:
            pos += 1
            continue
        if pos > seg:
            out.append((False, text[seg:pos]))
        out.append((True, hit))
        pos += len(hit)
        seg = pos
    if seg < len(text):
        out.append((False, text[seg:]))
    return out


def encode(text, cfg):
    ids, pieces = [], []
    for is_added, s in split_added(text, cfg["added"]):
        if is_added:
            ids.append(cfg["added"][s])
            continue
        if cfg["nfc"]:
            s = unicodedata.normalize("NFC", s)
        for piece in cfg["regex"].findall(s):
            pieces.append(piece)
            ids.extend(cfg["vocab"][t] for t in bpe(spell(piece), cfg["ranks"]))
    return ids, pieces


def build(style):
    regex = GPT2_RE if style == "gpt2" else QWEN2_RE
    words = regex.findall(TRAIN_TEXT)
    merges = train(words, 300 if style == "gpt2" else 420)
    vocab = {BYTE_ENCODER[b]: i for i, b in enumerate(BYTE_ORDER)}
    for a, b in merges:
        if a + b not in vocab:
            vocab[a + b] = len(vocab)
    added = []
    if style == "gpt2":
        eot = len(vocab)
        vocab["<|endoftext|>"] = eot  # GPT-2 keeps it in the vocabulary too
        added.append({"id": eot, "content": "<|endoftext|>", "special": True})
        model = {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                 "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                 "vocab": vocab, "merges": ["%s %s" % m for m in merges]}
        tok = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
               "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                                 "use_regex": True},
               "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                                  "use_regex": True},
               "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
               "model": model}
    else:
        base = len(vocab)
        for k, content in enumerate(["<|endoftext|>", "<|im_start|>", "<|im_end|>"]):
            added.append({"id": base + k, "content": content, "special": True})
        model = {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                 "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                 "vocab": vocab, "merges": [list(m) for m in merges]}
        tok = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
               "normalizer": {"type": "NFC"},
               "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                   {"type": "Split", "pattern": {"Regex": QWEN2_PATTERN}, "behavior": "Isolated", "invert": False},
                   {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
               "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                                  "use_regex": False},
               "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
               "model": model}
    for a in added:
        tok["added_tokens"].append({"id": a["id"], "content": a["content"], "single_word": False, "lstrip": False,
                                    "rstrip": False, "normalized": False, "special": a["special"]})
    cfg = {"regex": regex, "vocab": vocab, "ranks": {m: i for i, m in enumerate(merges)},
           "added": {a["content"]: a["id"] for a in added}, "nfc": style == "qwen2"}
    texts = [TEST_TEXT, SPECIAL_TEXT, "", " ", "a", "\n\n", "'s'S'RE'Ll x'VE"] + EDGE_TEXTS
    texts += [QWEN_SPECIAL_TEXT, NFC_TEXT] if style == "qwen2" else [NFC_TEXT]
    cases = []
    for t in texts:
        ids, pieces = encode(t, cfg)
        cases.append({"text": t, "pieces": pieces, "ids": ids})
    d = os.path.join(ROOT, style + "_style")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False, indent=1)
    with open(os.path.join(d, "reference.json"), "w", encoding="utf-8") as f:
        json.dump({"cases": cases}, f, ensure_ascii=False, indent=1)
    print("%s: %d tokens, %d merges, test text %d chars -> %d ids"
          % (style, len(vocab), len(merges), len(TEST_TEXT), len(cases[0]["ids"])))


def main():
    build("gpt2")
    build("qwen2")
    with open(os.path.join(ROOT, "nfc_cases.json"), "w", encoding="utf-8") as f:
        json.dump([[t, unicodedata.normalize("NFC", t)] for t in NFC_CASES + [NFC_TEXT]], f, ensure_ascii=False,
                  indent=1)
    print("unicodedata", unicodedata.unidata_version, file=sys.stderr)


if __name__ == "__main__":
    main()
