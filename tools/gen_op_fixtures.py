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

For differentiable ops (metadata "differentiable" == "true", not random, not an in-place form
such as add_, which Hangu does not record) each sample with floating inputs and outputs also
gets the backward: "s<k>.cot<j>", a cotangent per float output j (torch.manual_seed(k), randn
drawn in float32 and cast to the output's dtype), and "s<k>.grad<j>", the gradient of
sum(out_j * cot_j) with respect to each float input j (zeros where torch gives none). A sample
torch cannot differentiate (scatter with reduce) gets neither, with a warning.

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


# torch 1.13's bfloat16 matrix products on CPU round partial sums to bfloat16, so their gradients
# are not a usable reference: compute those in float32 and round once, as Hangu does.
WIDEN_BF16_BACKWARD = {"matmul", "mm", "bmm", "mv", "dot", "addmm", "baddbmm", "einsum", "linear"}


def backward(fn, inputs, args, k, widen_backward=False):
    """The cotangents and the gradients of sample k (dicts keyed by output / input index)."""
    float_in = [j for j, x in enumerate(inputs) if x.is_floating_point()]
    if not float_in:
        return {}, {}

    low_in = next((x.dtype for x in inputs if x.dtype in LOW_PRECISION), None)

    def run(widen):
        leaves = [x.detach().clone() for x in inputs]
        if widen:
            leaves = [x.float() if x.dtype in LOW_PRECISION else x for x in leaves]
        for j in float_in:
            leaves[j].requires_grad_(True)
        wide_args = {k2: (torch.float32 if widen and isinstance(v, torch.dtype) and v in LOW_PRECISION else v)
                     for k2, v in args.items()}
        outs = as_list(fn([x.clone() for x in leaves], wide_args))
        torch.manual_seed(k)
        cots = {j: torch.randn(o.shape, dtype=torch.float32) for j, o in enumerate(outs) if o.is_floating_point()}
        if widen:  # differentiate with the cotangent as stored (rounded to the 16-bit dtype)
            cots = {j: c.to(low_in).float() for j, c in cots.items()}
        roots = [(outs[j], c.to(outs[j].dtype)) for j, c in cots.items() if outs[j].requires_grad]
        grads = [None] * len(float_in)
        if roots:
            grads = torch.autograd.grad([o for o, _ in roots], [leaves[j] for j in float_in],
                                        [c for _, c in roots], allow_unused=True)
        out_dtypes = {j: o.dtype for j, o in enumerate(outs)}
        return cots, out_dtypes, grads, leaves

    try:
        if widen_backward and low_in == torch.bfloat16:
            raise RuntimeError("not implemented for 'BFloat16'")  # use the float32 path below
        cots, out_dtypes, grads, leaves = run(False)
    except RuntimeError as e:
        if not any(x.dtype in LOW_PRECISION for x in inputs) or not is_missing_kernel(e):
            raise
        cots, out_dtypes, grads, leaves = run(True)  # no 16-bit kernel: float32, cast back
        low = next(x.dtype for x in inputs if x.dtype in LOW_PRECISION)
        out_dtypes = {j: (low if d == torch.float32 else d) for j, d in out_dtypes.items()}
    if not cots:
        return {}, {}
    cot = {j: c.to(out_dtypes[j]).contiguous() for j, c in cots.items()}
    grad = {}
    for j, g in zip(float_in, grads):
        g = torch.zeros(inputs[j].shape, dtype=torch.float32) if g is None else g.detach()
        grad[j] = g.to(inputs[j].dtype).contiguous()
    return cot, grad


def wants_backward(meta):
    return meta.get("differentiable") == "true" and meta.get("check") != "rng" and not meta["op"].endswith("_")


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
        if wants_backward(meta):
            try:
                cot, grad = backward(fn, inputs, args, k, name in WIDEN_BF16_BACKWARD)
            except RuntimeError as e:  # torch cannot differentiate it (scatter with reduce): no grads
                print(f"warning: {name} sample {k} ({meta.get(p + '.desc', '')}): no backward: {e}", file=sys.stderr)
                cot, grad = {}, {}
            for j, c in cot.items():
                result[f"{p}.cot{j}"] = c
            for j, g in grad.items():
                result[f"{p}.grad{j}"] = g
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
