#!/usr/bin/python3
"""Generates the PyTorch reference outputs every registered op is checked against.

Usage (from the repository root, with Debian's python3-torch; the default `python3` may not
have torch):
    cmake --build build --target dump_op_samples
    /usr/bin/python3 tools/gen_op_fixtures.py                    # every op
    /usr/bin/python3 tools/gen_op_fixtures.py --ops add,sub      # some ops
    /usr/bin/python3 tools/gen_op_fixtures.py --group view --build-dir build-fix

It runs <build>/bin/dump_op_samples (which writes each op's sample inputs, args and output
count), calls the op's PyTorch counterpart from tools/fixtures/ops_*.py (the OPS dicts), and
writes tests/fixtures/ops/<op>.safetensors holding "s<k>.in<j>" (the inputs), "s<k>.out<j>"
(PyTorch's outputs, in PyTorch's dtype) and the metadata of the inputs file. Random ops
(check == "rng") take their expected outputs from the OPS entry too, which calls
tools/fixtures/philox.py (an independent NumPy model of our Philox streams) instead of torch.
tests/unit/test_op_registry.cpp compares the C++ outputs with these files.

If torch has no float16/bfloat16 kernel for an op on CPU, the op is recomputed with float32
inputs and its float outputs are cast back to the original dtype (as our kernels do).
"""
import argparse
import glob
import importlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "fixtures"))

import torch  # noqa: E402

import safetensors_py  # noqa: E402

LOW_PRECISION = (torch.float16, torch.bfloat16)


def load_op_table():
    """Merges the OPS dicts of every tools/fixtures/ops_*.py; a name defined twice is an error."""
    table, origin = {}, {}
    for path in sorted(glob.glob(os.path.join(HERE, "fixtures", "ops_*.py"))):
        mod_name = os.path.splitext(os.path.basename(path))[0]
        try:
            mod = importlib.import_module(mod_name)
        except Exception as e:  # one group's broken module must not hide the others' ops
            print(f"warning: cannot import {mod_name}: {e!r}", file=sys.stderr)
            continue
        for name, fn in getattr(mod, "OPS", {}).items():
            if name in table:
                raise SystemExit(f"op '{name}' is defined in both {origin[name]} and {mod_name}")
            table[name], origin[name] = fn, mod_name
    return table


def decode_arg(v):
    if isinstance(v, dict) and set(v) == {"dtype"}:
        return getattr(torch, v["dtype"])
    if isinstance(v, str) and v in ("inf", "-inf", "nan"):
        return float(v)
    if isinstance(v, list):
        return [decode_arg(x) for x in v]
    return v


def decode_args(text):
    return {k: decode_arg(v) for k, v in json.loads(text).items()}


def as_list(out):
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return list(out)
    raise TypeError(f"expected a tensor or a tuple of tensors, got {type(out).__name__}")


def is_missing_kernel(e):
    s = str(e)
    return "not implemented for" in s and ("Half" in s or "BFloat16" in s)


def call_op(fn, inputs, args):
    """Calls fn; if torch lacks a 16-bit float kernel, recomputes in float32 and casts back."""
    try:
        return as_list(fn([x.clone() for x in inputs], dict(args)))
    except RuntimeError as e:
        low = [x.dtype for x in inputs if x.dtype in LOW_PRECISION]
        low += [v for v in args.values() if isinstance(v, torch.dtype) and v in LOW_PRECISION]
        if not low or not is_missing_kernel(e):
            raise
    back = low[0]
    widened = [x.float() if x.dtype in LOW_PRECISION else x.clone() for x in inputs]
    wide_args = {k: (torch.float32 if isinstance(v, torch.dtype) and v in LOW_PRECISION else v) for k, v in args.items()}
    outs = as_list(fn(widened, wide_args))
    return [o.to(back) if o.is_floating_point() else o for o in outs]


def run_dump(build_dir, names, tmp):
    exe = os.path.join(build_dir, "bin", "dump_op_samples")
    if not os.path.exists(exe):
        raise SystemExit(f"{exe} not found: build it first (cmake --build {build_dir} --target dump_op_samples)")
    r = subprocess.run([exe, tmp] + names, stderr=subprocess.PIPE, text=True)
    sys.stderr.write(r.stderr)
    if r.returncode != 0:
        print("warning: dump_op_samples reported failures (ops above are skipped)", file=sys.stderr)


def generate(path, table, out_dir):
    tensors, meta = safetensors_py.load(path)
    name = meta["op"]
    fn = table[name]
    result = dict(tensors)
    for k in range(int(meta["num_samples"])):
        p = f"s{k}"
        n_in = int(meta[f"{p}.num_inputs"])
        inputs = [tensors[f"{p}.in{j}"] for j in range(n_in)]
        args = decode_args(meta[f"{p}.args"])
        try:
            outs = call_op(fn, inputs, args)
        except Exception as e:
            raise RuntimeError(f"{name} sample {k} ({meta.get(p + '.desc', '')}): {e}") from e
        want = int(meta[f"{p}.num_outputs"])
        if len(outs) != want:
            raise RuntimeError(f"{name} sample {k}: torch gave {len(outs)} outputs, C++ gave {want}")
        for j, o in enumerate(outs):
            result[f"{p}.out{j}"] = o.detach().contiguous()
    safetensors_py.save(os.path.join(out_dir, f"{name}.safetensors"), result, meta)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default="build", help="CMake build folder holding bin/dump_op_samples")
    ap.add_argument("--ops", default="", help="comma-separated op names (default: all)")
    ap.add_argument("--group", default="", help="only ops of this registry group")
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "ops"), help="output folder")
    a = ap.parse_args()
    if not os.path.isabs(a.build_dir) and not os.path.isdir(a.build_dir):
        a.build_dir = os.path.join(ROOT, a.build_dir)  # relative to the repository root

    table = load_op_table()
    names = [n for n in a.ops.split(",") if n]
    os.makedirs(a.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        run_dump(a.build_dir, names, tmp)
        files = sorted(glob.glob(os.path.join(tmp, "*.inputs.safetensors")))
        metas = []
        for f in files:
            _, meta = safetensors_py.load(f)
            if a.group and meta.get("group") != a.group:
                continue
            metas.append((f, meta["op"]))
        missing = [op for _, op in metas if op not in table]
        if missing:
            raise SystemExit("no PyTorch mapping in tools/fixtures/ops_*.py for: " + ", ".join(sorted(missing)))
        failed = []
        for f, op in metas:
            try:
                generate(f, table, a.out)
            except Exception as e:  # report every failing op, not just the first
                print(f"FAILED {e}", file=sys.stderr)
                failed.append(op)
        print(f"wrote {len(metas) - len(failed)} fixtures to {a.out}")
        if failed:
            raise SystemExit("failed: " + ", ".join(failed))


if __name__ == "__main__":
    main()
