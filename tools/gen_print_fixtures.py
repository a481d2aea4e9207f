#!/usr/bin/python3
"""Writes tests/fixtures/print/cases.txt: tensors and their repr as printed by PyTorch 1.13.

Run with /usr/bin/python3 (Debian's python3-torch). Each case is
    case <name>
    build <dtype> <shape: 2,3 or - for 0-d> values <v...> | affine <a> <b>
    view <op> <args...>          (zero or more: t, transpose, slice, select, expand, permute)
    expect
    <repr lines>
    end
Values are built in float64 and then cast to the dtype, on both sides (tests/unit/test_print.cpp).
"""
import math
import os
import sys

import torch

DTYPES = {
    "float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
    "bfloat16": torch.bfloat16, "int64": torch.int64, "int32": torch.int32, "int16": torch.int16,
    "int8": torch.int8, "uint8": torch.uint8, "bool": torch.bool,
}

NAN, INF = float("nan"), float("inf")

# (name, dtype, shape, ("values", [..]) or ("affine", a, b), [views])
CASES = [
    ("f32_ints", "float32", [2], ("values", [1, 2]), []),
    ("f32_fraction", "float32", [2], ("values", [0.1, 2.5]), []),
    ("f32_sci_range", "float32", [2], ("values", [1e-5, 1e5]), []),
    ("f32_sci_large", "float32", [2], ("values", [1e10, 1.0]), []),
    ("f32_int_mode_sci", "float32", [3], ("values", [100000.0, 1.0, -3.0]), []),
    ("f32_int_mode_wide", "float32", [3], ("values", [1.0, 500.0, -20.0]), []),
    ("f32_small_sci", "float32", [3], ("values", [-1.5e-7, 2.0, 3e4]), []),
    ("f32_nonfinite", "float32", [4], ("values", [NAN, INF, -INF, 1.0]), []),
    ("f32_nonfinite_only", "float32", [3], ("values", [NAN, -INF, 0.0]), []),
    ("f32_neg_zero", "float32", [3], ("values", [-0.0, 1e-9, 123456.0]), []),
    ("f32_zeros", "float32", [3], ("values", [0, 0, 0]), []),
    ("f32_mixed_2d", "float32", [2, 2], ("values", [0.1234567, -12.5, 3.14159, 1000.0]), []),
    ("f32_neg_frac", "float32", [7], ("affine", -5.0, 1.5), []),
    ("f32_wrap", "float32", [100], ("affine", 0.0, 1.5), []),
    ("f32_3d", "float32", [2, 3, 4], ("affine", 0.0, 1.0), []),
    ("f32_summarized_1d", "float32", [2000], ("affine", 0.0, 1.0), []),
    ("f32_summarized_3d", "float32", [10, 10, 20], ("affine", 0.0, 0.25), []),
    ("f32_summarized_2d_frac", "float32", [40, 30], ("affine", -300.0, 0.5), []),
    ("f32_scalar", "float32", [], ("values", [3.5]), []),
    ("f32_scalar_int", "float32", [], ("values", [-2.0]), []),
    ("f32_scalar_sci", "float32", [], ("values", [1e-5]), []),
    ("f64_ints", "float64", [2], ("values", [1, 2]), []),
    ("f64_suffix_wrap", "float64", [14], ("affine", 0.0, 1.0), []),
    ("f64_suffix_wrap_frac", "float64", [3, 7], ("affine", 0.0, 0.125), []),
    ("f16_ints", "float16", [2], ("values", [1, 2]), []),
    ("f16_frac", "float16", [3], ("values", [0.5, -1.25, 1024.0]), []),
    ("bf16_frac", "bfloat16", [2], ("values", [0.5, 2.5]), []),
    ("i64_2d", "int64", [2, 3], ("affine", 0, 1), []),
    ("i32_2d", "int32", [2, 3], ("affine", 0, 1), []),
    ("i64_neg", "int64", [4], ("values", [-100, 5, 0, 12345]), []),
    ("i64_wrap", "int64", [50], ("affine", 0, 1), []),
    ("i64_summarized_2d", "int64", [1000, 1000], ("affine", 0, 1), []),
    ("i16", "int16", [3], ("values", [-3, 0, 300]), []),
    ("i8", "int8", [3], ("values", [-128, 0, 127]), []),
    ("u8", "uint8", [3], ("values", [0, 7, 255]), []),
    ("i64_scalar", "int64", [], ("values", [7]), []),
    ("i32_scalar", "int32", [], ("values", [7]), []),
    ("bool_1d", "bool", [2], ("values", [1, 0]), []),
    ("bool_2d", "bool", [2, 2], ("values", [1, 1, 0, 1]), []),
    ("empty_2d", "float32", [0, 3], ("values", []), []),
    ("empty_1d_f32", "float32", [0], ("values", []), []),
    ("empty_1d_i32", "int32", [0], ("values", []), []),
    ("empty_1d_i64", "int64", [0], ("values", []), []),
    ("empty_3d_bool", "bool", [2, 0, 3], ("values", []), []),
    ("view_t", "float32", [3, 4], ("affine", 0.0, 1.0), [("t",)]),
    ("view_transpose_3d", "int64", [2, 3, 4], ("affine", 0, 1), [("transpose", 0, 2)]),
    ("view_slice_step", "int64", [10], ("affine", 0, 1), [("slice", 0, 1, 10, 3)]),
    ("view_select", "float32", [3, 4], ("affine", 0.0, 0.5), [("select", 1, 2)]),
    ("view_expand", "int64", [3], ("values", [1, 2, 3]), [("expand", [3, 3])]),
    ("view_permute_summarized", "float32", [20, 30, 4], ("affine", 0.0, 1.0), [("permute", [2, 0, 1])]),
]


def build(dtype, shape, spec):
    n = math.prod(shape)
    if spec[0] == "values":
        vals = [float(v) for v in spec[1]]
    else:
        vals = [spec[1] + k * spec[2] for k in range(n)]
    assert len(vals) == n, "values do not fill the shape"
    return torch.tensor(vals, dtype=torch.float64).reshape(shape).to(DTYPES[dtype]), vals


def apply_view(t, v):
    op = v[0]
    if op == "t":
        return t.t()
    if op == "transpose":
        return t.transpose(v[1], v[2])
    if op == "slice":
        idx = [slice(None)] * t.dim()
        idx[v[1]] = slice(v[2], v[3], v[4])
        return t[tuple(idx)]
    if op == "select":
        return t.select(v[1], v[2])
    if op == "expand":
        return t.expand(*v[1])
    if op == "permute":
        return t.permute(*v[1])
    raise ValueError(op)


def arg_str(a):
    return ",".join(str(x) for x in a) if isinstance(a, list) else str(a)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "tests", "fixtures", "print", "cases.txt")
    lines = ["# Generated by tools/gen_print_fixtures.py with torch " + torch.__version__ + "; do not edit."]
    for name, dtype, shape, spec, views in CASES:
        t, vals = build(dtype, shape, spec)
        for v in views:
            t = apply_view(t, v)
        shape_s = ",".join(str(s) for s in shape) if shape else "-"
        if spec[0] == "values":
            src = "values" + "".join(" " + repr(v) for v in vals)
        else:
            src = "affine %r %r" % (float(spec[1]), float(spec[2]))
        lines.append("case " + name)
        lines.append("build %s %s %s" % (dtype, shape_s, src))
        for v in views:
            lines.append("view " + " ".join(arg_str(a) for a in v))
        lines.append("expect")
        lines.append(repr(t))
        lines.append("end")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
