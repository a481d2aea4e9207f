#!/usr/bin/python3
"""Seed corpora of the fuzz targets onnx, image and tokenizer (fuzz/corpus/<target>/): small valid
files taken from the committed fixtures or built here, plus near-valid variants (truncated, a field
out of range), so the fuzzers start at the edges of each format. The other targets' seeds come from
tools/gen_fuzz_corpus.py. Run with Debian's /usr/bin/python3 (onnx, numpy); outputs are committed.

    /usr/bin/python3 tools/gen_fuzz_corpus_more.py
"""
import json
import os
import struct

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "fuzz", "corpus")
FIX = os.path.join(HERE, "..", "tests", "fixtures")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def fixture(*parts):
    with open(os.path.join(FIX, *parts), "rb") as f:
        return f.read()


# --- onnx ----------------------------------------------------------------------------------------

def onnx_seeds():
    kitchen = fixture("onnx_io", "kitchen_sink.onnx")
    put("onnx", "kitchen_sink", kitchen)
    put("onnx", "kitchen_sink_truncated", kitchen[: len(kitchen) * 2 // 3])
    put("onnx", "external_refused", fixture("onnx_io", "external", "model.onnx"))
    # A small CNN head: Conv with initializers, Relu, Flatten, Gemm.
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((2, 1, 3, 3)).astype(np.float32), "w")
    b = numpy_helper.from_array(np.zeros(2, np.float32), "b")
    fc = numpy_helper.from_array(rng.standard_normal((3, 8)).astype(np.float32), "fc")
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("Flatten", ["r"], ["f"]),
             helper.make_node("Gemm", ["f", "fc"], ["y"], transB=1)]
    g = helper.make_graph(nodes, "cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 2, 2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], [w, b, fc])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="hangu-fuzz")
    put("onnx", "cnn", m.SerializeToString())
    # An If with two subgraphs, int64 and string tensors, a dim_param.
    then_g = helper.make_graph([helper.make_node("Constant", [], ["t"], value=helper.make_tensor(
        "tv", TensorProto.INT64, [2], [1, 2]))], "then", [], [helper.make_tensor_value_info("t", TensorProto.INT64, [2])])
    else_g = helper.make_graph([helper.make_node("Constant", [], ["e"], value=helper.make_tensor(
        "ev", TensorProto.INT64, [2], [3, 4]))], "else", [], [helper.make_tensor_value_info("e", TensorProto.INT64, [2])])
    names = helper.make_tensor("names", TensorProto.STRING, [2], [b"a", b"bc"])
    g = helper.make_graph([helper.make_node("If", ["cond"], ["out"], then_branch=then_g, else_branch=else_g)], "if",
                          [helper.make_tensor_value_info("cond", TensorProto.BOOL, [])],
                          [helper.make_tensor_value_info("out", TensorProto.INT64, ["n"])], [names])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    put("onnx", "if_subgraphs", m.SerializeToString())
    # Plain TensorProtos (read_tensor): float raw_data, int32 in int32_data, a half.
    put("onnx", "tensor_f32", numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), "t").SerializeToString())
    put("onnx", "tensor_i32", helper.make_tensor("i", TensorProto.INT32, [3], [1, -2, 3]).SerializeToString())
    put("onnx", "tensor_f16", numpy_helper.from_array(np.array([1.5, -2.0], np.float16), "h").SerializeToString())


# --- image ---------------------------------------------------------------------------------------

def bmp_header_bad_size(bmp):
    """The BMP with a height of 2^30: must be refused before allocating."""
    b = bytearray(bmp)
    struct.pack_into("<i", b, 22, 1 << 30)
    return bytes(b)


def image_seeds():
    for name in ["rgb.png", "gray16.png", "palette.png", "rgba.png", "bits1.png", "rgb.jpg", "progressive.jpg",
                 "gray.jpg", "exif6.jpg", "rgb24.bmp", "gray8.bmp", "rgba32.bmp", "rgb.ppm", "gray.pgm",
                 "maxval4095.ppm"]:
        put("image", name.replace(".", "_"), fixture("image", name))
    png = fixture("image", "rgb.png")
    put("image", "png_truncated", png[: len(png) // 2])
    jpg = fixture("image", "rgb.jpg")
    put("image", "jpg_truncated", jpg[: len(jpg) // 2])
    put("image", "bmp_huge_height", bmp_header_bad_size(fixture("image", "rgb24.bmp")))
    put("image", "ppm_ascii", "P3\n2 2\n255\n255 0 0  0 255 0\n0 0 255  255 255 255\n")
    put("image", "pgm_huge", "P5\n100000 100000\n255\n\x00\x01")


# --- tokenizer -----------------------------------------------------------------------------------

def tokenizer_seeds():
    tok = os.path.join(FIX, "tokenizer")
    text = "Hello 世界! It's 2026 😀\n\tfoo_bar  baz  \r\n<|endoftext|>Cafe\u0301 x"
    for style in ["gpt2_style", "qwen2_style"]:
        with open(os.path.join(tok, style, "tokenizer.json"), "rb") as f:
            data = f.read()
        put("tokenizer", style, data + b"\0" + text.encode("utf-8"))
        put("tokenizer", style + "_no_text", data)
    # A minimal tokenizer: the 256 byte tokens, two merges in pair form, NFC, no added tokens.
    with open(os.path.join(tok, "gpt2_style", "tokenizer.json"), encoding="utf-8") as f:
        full = json.load(f)
    vocab = {k: v for k, v in full["model"]["vocab"].items() if v < 256}
    vocab["he"] = 256
    vocab["hel"] = 257
    small = {"normalizer": {"type": "NFC"}, "model": {"type": "BPE", "vocab": vocab, "merges": [["h", "e"], ["he", "l"]]},
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": True}, "decoder": {"type": "ByteLevel"}}
    put("tokenizer", "minimal_nfc", json.dumps(small, ensure_ascii=False).encode() + b"\0hello he\xcc\x81l \xff")
    small["model"]["merges"] = ["h e", "he zz"]
    put("tokenizer", "merge_unknown", json.dumps(small, ensure_ascii=False))


def main():
    onnx_seeds()
    image_seeds()
    tokenizer_seeds()
    for t in ["onnx", "image", "tokenizer"]:
        d = os.path.join(ROOT, t)
        print(t, len(os.listdir(d)), "files", sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)), "bytes")


if __name__ == "__main__":
    main()
