#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/): small valid files and
near-valid ones (truncated, inconsistent, out of range), so the fuzzers start at the edges of each
format. Run with Debian's /usr/bin/python3 (numpy); the outputs are committed.

    /usr/bin/python3 tools/gen_fuzz_corpus.py
"""
import gzip
import io
import json
import os
import struct
import zlib

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- safetensors -------------------------------------------------------------------------------

def safetensors(tensors, metadata=None, pad=True):
    """tensors: list of (name, dtype name, shape, raw bytes)."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dt, shape, raw in tensors:
        header[name] = {"dtype": dt, "shape": list(shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def gen_safetensors():
    f32 = np.arange(6, dtype="<f4").tobytes()
    i64 = np.arange(3, dtype="<i8").tobytes()
    put("safetensors", "valid_f32_i64", safetensors([("w", "F32", (2, 3), f32), ("n", "I64", (3,), i64)]))
    put("safetensors", "valid_metadata", safetensors([("w", "F32", (6,), f32)], {"format": "pt", "k": "v"}))
    put("safetensors", "valid_bool_bf16_f16", safetensors([("b", "BOOL", (4,), bytes([0, 1, 1, 0])),
                                                          ("h", "BF16", (2,), b"\x80\x3f\x00\x40"),
                                                          ("f", "F16", (1, 1), b"\x00\x3c")]))
    put("safetensors", "valid_scalar_and_empty", safetensors([("s", "F64", (), np.float64(2.5).tobytes()),
                                                             ("e", "I32", (0, 5), b"")]))
    put("safetensors", "valid_empty_file", safetensors([]))
    good = safetensors([("w", "F32", (2, 3), f32)])
    put("safetensors", "truncated_data", good[:-5])
    put("safetensors", "truncated_header", good[:20])
    bad = safetensors([("w", "F32", (2, 3), f32)]).replace(b"[0,24]", b"[0,28]")
    put("safetensors", "offsets_past_end", bad)
    put("safetensors", "size_mismatch", safetensors([("w", "F32", (2, 2), f32)]))
    put("safetensors", "unknown_dtype", safetensors([("w", "F8_E4M3", (6,), f32[:6])]))
    put("safetensors", "bool_byte_2", safetensors([("b", "BOOL", (2,), bytes([0, 2]))]))
    put("safetensors", "huge_shape", safetensors([("w", "F32", (2**40, 2**40), b"")]))
    put("safetensors", "header_too_long", struct.pack("<Q", 2**62) + b"{}")
    overlap = b'{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}'
    put("safetensors", "overlap", struct.pack("<Q", len(overlap)) + overlap + b"abc")


# --- npy ----------------------------------------------------------------------------------------

def npy(a, **kw):
    b = io.BytesIO()
    np.save(b, a, **kw)
    return b.getvalue()


def gen_npy():
    put("npy", "f32_2x3", npy(np.arange(6, dtype="<f4").reshape(2, 3)))
    put("npy", "i64_vec", npy(np.arange(5, dtype="<i8")))
    put("npy", "f64_big_endian", npy(np.arange(4, dtype=">f8")))
    put("npy", "bool", npy(np.array([True, False, True])))
    put("npy", "u2_widened", npy(np.array([1, 65535], dtype="<u2")))
    put("npy", "u8_widened", npy(np.array([1, 2**63 - 1], dtype="<u8")))
    put("npy", "fortran", npy(np.asfortranarray(np.arange(6, dtype="<i4").reshape(2, 3))))
    put("npy", "scalar", npy(np.float16(1.5)))
    put("npy", "empty", npy(np.zeros((0, 3), dtype="<f4")))
    put("npy", "u1_3d", npy(np.arange(24, dtype="u1").reshape(2, 3, 4)))
    v2 = bytearray(npy(np.arange(3, dtype="<f4")))
    put("npy", "truncated", bytes(v2[:-3]))
    put("npy", "trailing", bytes(v2) + b"\0")
    put("npy", "structured", npy(np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")])))
    put("npy", "u8_too_large", npy(np.array([2**64 - 1], dtype="<u8")))
    hdr = b"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }"
    hdr += b" " * (63 - (10 + len(hdr)) % 64) + b"\n"
    put("npy", "huge_shape", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr)
    hdr3 = b"{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }"
    hdr3 += b" " * (63 - (12 + len(hdr3)) % 64) + b"\n"
    put("npy", "version3", b"\x93NUMPY\x03\x00" + struct.pack("<I", len(hdr3)) + hdr3 + b"\x01\x00\x02\x00")


# --- json ---------------------------------------------------------------------------------------

def gen_json():
    put("json", "object", '{"a": [1, 2.5, -3e10, true, false, null], "b": {"c": "d"}}')
    put("json", "unicode", '["\\u00e9\\ud83d\\ude00", "函谷", "\\n\\t\\"\\\\\\/"]')
    put("json", "numbers", "[0, -0, 9223372036854775807, -9223372036854775808, 9223372036854775808, 1e308, 5e-324]")
    put("json", "deep", "[" * 64 + "]" * 64)
    put("json", "too_deep", "[" * 65 + "]" * 65)
    put("json", "duplicate_key", '{"a": 1, "a": 2}')
    put("json", "lone_surrogate", '"\\udc00"')
    put("json", "bad_utf8", b'"\xc0\xaf"')
    put("json", "trailing_comma", "[1, 2,]")
    put("json", "overflow", "1e400")
    put("json", "safetensors_header", '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}')


# --- checkpoint metadata ------------------------------------------------------------------------

def gen_checkpoint():
    # The harness stores two tensors: w = arange(6) float32 and n = arange(3) int64.
    crc_w = "%08x" % (zlib.crc32(np.arange(6, dtype="<f4").tobytes()) & 0xffffffff)
    crc_n = "%08x" % (zlib.crc32(np.arange(3, dtype="<i8").tobytes()) & 0xffffffff)
    meta = {"format": 1, "config": {"model": "mlp", "batch_size": 16, "seed": "0"},
            "position": {"epoch": 0, "batch": 3, "global_step": 3, "dataset_size": 100},
            "optimizer": {"lr": 0.02}, "scheduler": None,
            "rng": {"default": {"seed": "0", "offset": "12"}}}

    def root(**over):
        r = {"format": "hangu.checkpoint", "version": 1, "meta": meta, "crc32": {"w": crc_w, "n": crc_n}}
        r.update(over)
        return json.dumps(r, separators=(",", ":"))

    put("checkpoint", "valid", root())
    put("checkpoint", "valid_minimal_meta", root(meta={}))
    put("checkpoint", "bad_crc", root(crc32={"w": "00000000", "n": crc_n}))
    put("checkpoint", "missing_crc", root(crc32={"w": crc_w}))
    put("checkpoint", "wrong_version", root(version=2))
    put("checkpoint", "wrong_format", root(format="other"))
    bad_rng = dict(meta)
    bad_rng["rng"] = {"default": {"seed": "-1", "offset": "18446744073709551616"}}
    put("checkpoint", "bad_rng", root(meta=bad_rng))
    put("checkpoint", "not_json", "{format: hangu}")


# --- idx (MNIST) --------------------------------------------------------------------------------

def idx_images(n, rows=28, cols=28, magic=2051):
    px = (np.arange(n * rows * cols) % 251).astype("u1").tobytes()
    return struct.pack(">IIII", magic, n, rows, cols) + px


def idx_labels(labels, magic=2049):
    return struct.pack(">II", magic, len(labels)) + bytes(labels)


def gen_idx():
    put("idx", "images_2", idx_images(2))
    put("idx", "labels_5", idx_labels([0, 1, 9, 3, 4]))
    put("idx", "images_2.gz", gzip.compress(idx_images(2), mtime=0))
    put("idx", "labels_5.gz", gzip.compress(idx_labels([0, 1, 9, 3, 4]), mtime=0))
    put("idx", "images_0", idx_images(0))
    put("idx", "images_truncated", idx_images(2)[:-100])
    put("idx", "images_trailing", idx_images(1) + b"\0")
    put("idx", "images_wrong_side", idx_images(1, rows=27, cols=29))
    put("idx", "images_huge_count", struct.pack(">IIII", 2051, 2**32 - 1, 28, 28) + b"\0" * 64)
    put("idx", "labels_out_of_range", idx_labels([0, 10]))
    put("idx", "labels_wrong_magic", idx_labels([1], magic=2051))
    put("idx", "labels_gz_truncated", gzip.compress(idx_labels(list(range(10)) * 10), mtime=0)[:-12])
    put("idx", "labels_gz_bad_crc", gzip.compress(idx_labels([1, 2]), mtime=0)[:-8] + b"\0" * 8)


# --- cli args -----------------------------------------------------------------------------------

def gen_cli_args():
    put("cli_args", "train_full", "\n".join(["--model", "mlp", "--data", "data/mnist-10k", "--epochs", "3", "--steps",
                                             "100", "--batch-size", "32", "--optimizer", "adamw", "--lr", "0.001",
                                             "--lr-schedule", "cosine", "--seed", "18446744073709551615",
                                             "--workers", "2", "--out", "o", "--checkpoint-every", "10",
                                             "--on-nan", "skip", "--json"]))
    put("cli_args", "train_equals", "--model=lenet\n--data=d\n--lr=1e-3\n--momentum=0.5\n--ema=0.99\n--no-shuffle")
    put("cli_args", "resume", "--resume\nc.safetensors\n--data\nd\n--init\nw.safetensors")
    put("cli_args", "eval", "--model\nmlp\n--weights\nw\n--data\nd\n--batch-size\n500")
    put("cli_args", "bad_numbers", "--model\nmlp\n--data\nd\n--lr\nnan\n--epochs\n99999999999999999999\n--threads\n-1")
    put("cli_args", "dashes", "--\n--model\n-\n-h\n--json=1\n--lang")


if __name__ == "__main__":
    gen_safetensors()
    gen_npy()
    gen_json()
    gen_checkpoint()
    gen_idx()
    gen_cli_args()
    for t in sorted(os.listdir(ROOT)):
        files = os.listdir(os.path.join(ROOT, t))
        size = sum(os.path.getsize(os.path.join(ROOT, t, f)) for f in files)
        print(f"{t}: {len(files)} files, {size} bytes")
