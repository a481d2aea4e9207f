#!/usr/bin/python3
"""Writes the reference files of tests/unit/test_npy.cpp and test_safetensors.cpp.

Run once with Debian's Python (numpy + torch):  /usr/bin/python3 tools/gen_io_fixtures.py
Every array holds arange(numel) in some form, so the C++ tests know the values without a
second file: ints -> arange, floats -> arange * 0.5 - 3, bool -> arange % 3 == 0.
"""
import json
import os
import struct

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "io")


def values(shape, dtype):
    n = int(np.prod(shape)) if len(shape) else 1
    a = np.arange(n).reshape(shape)
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return (a % 3 == 0)
    if dtype.kind == "f":
        return (a * 0.5 - 3).astype(dtype)
    return a.astype(dtype)


def write_npy():
    d = os.path.join(ROOT, "npy")
    os.makedirs(d, exist_ok=True)
    shape = (2, 3, 4)
    for descr in ["|b1", "|u1", "|i1", "<i2", "<i4", "<i8", "<f2", "<f4", "<f8",
                  ">i2", ">i4", ">i8", ">f2", ">f4", ">f8", "<u2", "<u4", "<u8"]:
        a = values(shape, descr)
        assert a.dtype.str == descr, (a.dtype.str, descr)
        name = descr.replace("<", "le_").replace(">", "be_").replace("|", "")
        np.save(os.path.join(d, name + ".npy"), a)
    np.save(os.path.join(d, "fortran_f4.npy"), np.asfortranarray(values(shape, "<f4")))
    np.save(os.path.join(d, "fortran_be_i8.npy"), np.asfortranarray(values(shape, ">i8")))
    np.save(os.path.join(d, "scalar_f8.npy"), values((), "<f8"))
    np.save(os.path.join(d, "empty_f4.npy"), np.zeros((0, 3), dtype="<f4"))
    np.save(os.path.join(d, "u8_too_large.npy"), np.array([1, 2**63], dtype="<u8"))
    for version in [(2, 0), (3, 0)]:
        with open(os.path.join(d, "v%d_f4.npy" % version[0]), "wb") as f:
            np.lib.format.write_array(f, values(shape, "<f4"), version=version)
    # Unsupported dtypes, which must be refused with a clear message.
    np.save(os.path.join(d, "complex64.npy"), np.zeros(3, dtype=np.complex64))
    np.save(os.path.join(d, "unicode.npy"), np.array(["ab", "c"]))
    np.save(os.path.join(d, "structured.npy"), np.zeros(2, dtype=[("x", "<f4"), ("y", "<i4")]))
    np.save(os.path.join(d, "object.npy"), np.array([1, "a"], dtype=object), allow_pickle=True)


ST_DTYPES = {torch.bool: "BOOL", torch.uint8: "U8", torch.int8: "I8", torch.int16: "I16",
             torch.int32: "I32", torch.int64: "I64", torch.float16: "F16", torch.bfloat16: "BF16",
             torch.float32: "F32", torch.float64: "F64"}


def st_values(shape, dtype):
    n = 1
    for s in shape:
        n *= s
    a = torch.arange(n).reshape(shape)
    if dtype == torch.bool:
        return a % 3 == 0
    if dtype.is_floating_point:
        return (a * 0.5 - 3).to(dtype)
    return a.to(dtype)


def write_safetensors(path, tensors, metadata):
    """A minimal writer following the safetensors spec (the package is not installed here)."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    blobs = []
    for name, t in tensors:
        t = t.contiguous()
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
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


def write_st():
    d = os.path.join(ROOT, "safetensors")
    os.makedirs(d, exist_ok=True)
    tensors = [("layer1.0.conv1.weight", st_values((2, 3), torch.float32)),
               ("layer1.0.bn1.running_mean", st_values((3,), torch.float64)),
               ("embed.weight", st_values((2, 2), torch.bfloat16)),
               ("half", st_values((5,), torch.float16)),
               ("mask", st_values((4,), torch.bool)),
               ("u8", st_values((3,), torch.uint8)),
               ("i8", st_values((3,), torch.int8)),
               ("i16", st_values((3,), torch.int16)),
               ("i32", st_values((3,), torch.int32)),
               ("num_batches_tracked", st_values((), torch.int64)),
               ("empty", st_values((0, 3), torch.float32))]
    write_safetensors(os.path.join(d, "reference.safetensors"), tensors, {"format": "pt", "名前": "模型"})
    # A header without padding (odd length): tensors are misaligned in the file.
    header = {"a": {"dtype": "I16", "shape": [2], "data_offsets": [0, 4]},
              "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}
    text = json.dumps(header, separators=(",", ":")).encode()
    if len(text) % 2 == 0:
        text += b" "
    with open(os.path.join(d, "unaligned.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + struct.pack("<hhf", 7, -8, 1.5))


if __name__ == "__main__":
    write_npy()
    write_st()
