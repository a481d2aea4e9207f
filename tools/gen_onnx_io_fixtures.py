#!/usr/bin/python3
"""Fixtures for tests/unit/test_onnx_io.cpp, made with the onnx package's own protobuf parser.

Run with Debian's interpreter (python3-onnx, python3-numpy):
    /usr/bin/python3 tools/gen_onnx_io_fixtures.py [--data /usr/share/libonnx-testdata/data]

Writes tests/fixtures/onnx_io/:
  node_models.txt   one line per node case: a canonical summary of model.onnx (structure,
                    attributes, types; tensors as element type, dims and the CRC-32 of their
                    values laid out as Hangu stores them)
  node_data.txt     one line per test_data_set_*/*.pb: the same summary of the decoded value
  values/*.npy, values.txt   a few decoded tensors (numpy_helper.to_array), one per element type
  kitchen_sink.onnx, kitchen_sink.txt   every attribute kind, every typed data field, functions,
                    metadata, sparse initializers, nested sub-graphs; and its summary
  external/model.onnx, external/weights.bin, external.txt   initializers in external data

The test prints the same summaries from Hangu's reader and compares them line by line; the
format is defined by summary_* below and mirrored in the test.
"""
import argparse
import glob
import os
import shutil
import struct
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "onnx_io")

# How Hangu stores each element type (unsigned types beyond uint8 are widened).
HANGU_NP = {
    TensorProto.FLOAT: "<f4", TensorProto.UINT8: "u1", TensorProto.INT8: "i1", TensorProto.UINT16: "<i4",
    TensorProto.INT16: "<i2", TensorProto.INT32: "<i4", TensorProto.INT64: "<i8", TensorProto.BOOL: "u1",
    TensorProto.FLOAT16: "<f2", TensorProto.DOUBLE: "<f8", TensorProto.UINT32: "<i8", TensorProto.UINT64: "<i8",
}


def hangu_bytes(t, base_dir):
    if t.data_type == TensorProto.STRING:
        return b"".join(len(s).to_bytes(8, "little") + s for s in t.string_data)
    a = numpy_helper.to_array(t, base_dir)
    if t.data_type == TensorProto.BFLOAT16:  # to_array widens bfloat16 exactly to float32
        return (a.astype("<f4").view("<u4") >> 16).astype("<u2").tobytes()
    return np.ascontiguousarray(a.astype(HANGU_NP[t.data_type])).tobytes()


def fbits(x):
    return "%08x" % struct.unpack("<I", struct.pack("<f", x))[0]


def dims_str(d):
    return "[" + ",".join(str(x) for x in d) + "]"


def summary_tensor(t, base_dir=""):
    return "%s:%d%s#%08x" % (t.name, t.data_type, dims_str(t.dims), zlib.crc32(hangu_bytes(t, base_dir)))


def summary_sparse(s, base_dir=""):
    return "sp(%s;%s;%s)" % (summary_tensor(s.values, base_dir), summary_tensor(s.indices, base_dir), dims_str(s.dims))


def summary_type(tp):
    w = tp.WhichOneof("value")
    if w == "tensor_type":
        t = tp.tensor_type
        if not t.HasField("shape"):
            return "t%d?" % t.elem_type
        dims = []
        for d in t.shape.dim:
            dims.append(str(d.dim_value) if d.HasField("dim_value") else ("$" + d.dim_param if d.dim_param else "?"))
        return "t%d[%s]" % (t.elem_type, ",".join(dims))
    if w == "sequence_type":
        e = tp.sequence_type
        return "seq(%s)" % (summary_type(e.elem_type) if e.HasField("elem_type") else "")
    if w == "optional_type":
        e = tp.optional_type
        return "opt(%s)" % (summary_type(e.elem_type) if e.HasField("elem_type") else "")
    if w == "map_type":
        e = tp.map_type
        return "map%d(%s)" % (e.key_type, summary_type(e.value_type) if e.HasField("value_type") else "")
    return "unk"


def summary_vi(v):
    return "%s:%s" % (v.name, summary_type(v.type))


def summary_attr(a, base_dir):
    A = onnx.AttributeProto
    v = {
        A.FLOAT: lambda: fbits(a.f),
        A.INT: lambda: str(a.i),
        A.STRING: lambda: a.s.hex(),
        A.TENSOR: lambda: summary_tensor(a.t, base_dir),
        A.GRAPH: lambda: summary_graph(a.g, base_dir),
        A.FLOATS: lambda: "[" + ",".join(fbits(x) for x in a.floats) + "]",
        A.INTS: lambda: "[" + ",".join(str(x) for x in a.ints) + "]",
        A.STRINGS: lambda: "[" + ",".join(x.hex() for x in a.strings) + "]",
        A.TENSORS: lambda: "[" + ",".join(summary_tensor(x, base_dir) for x in a.tensors) + "]",
        A.GRAPHS: lambda: "[" + ",".join(summary_graph(x, base_dir) for x in a.graphs) + "]",
        A.SPARSE_TENSOR: lambda: summary_sparse(a.sparse_tensor, base_dir),
        A.SPARSE_TENSORS: lambda: "[" + ",".join(summary_sparse(x, base_dir) for x in a.sparse_tensors) + "]",
        A.TYPE_PROTO: lambda: summary_type(a.tp),
        A.TYPE_PROTOS: lambda: "[" + ",".join(summary_type(x) for x in a.type_protos) + "]",
    }.get(a.type, lambda: "")()
    s = "%s:%d=%s" % (a.name, a.type, v)
    if a.ref_attr_name:
        s += "&" + a.ref_attr_name
    return s


def summary_node(n, base_dir):
    return "%s/%s@%s(%s->%s){%s}" % (n.name, n.op_type, n.domain, ",".join(n.input), ",".join(n.output),
                                     ";".join(summary_attr(a, base_dir) for a in n.attribute))


def summary_graph(g, base_dir=""):
    return "g(%s;in=[%s];out=[%s];vi=[%s];init=[%s];sinit=[%s];nodes=[%s])" % (
        g.name, ",".join(summary_vi(v) for v in g.input), ",".join(summary_vi(v) for v in g.output),
        ",".join(summary_vi(v) for v in g.value_info), ",".join(summary_tensor(t, base_dir) for t in g.initializer),
        ",".join(summary_sparse(s, base_dir) for s in g.sparse_initializer),
        ";".join(summary_node(n, base_dir) for n in g.node))


def summary_opsets(ops):
    return "[" + ",".join("%s:%d" % (o.domain, o.version) for o in ops) + "]"


def summary_function(f):
    return "fn(%s.%s;in=[%s];out=[%s];attr=[%s];opset=%s;nodes=[%s])" % (
        f.domain, f.name, ",".join(f.input), ",".join(f.output), ",".join(f.attribute), summary_opsets(f.opset_import),
        ";".join(summary_node(n, "") for n in f.node))


def summary_model(m, base_dir=""):
    meta = dict((p.key, p.value) for p in m.metadata_props)
    return "ir=%d;opset=%s;prod=%s/%s;dom=%s;mv=%d;meta=[%s];fn=[%s];%s" % (
        m.ir_version, summary_opsets(m.opset_import), m.producer_name, m.producer_version, m.domain,
        m.model_version, ",".join("%s=%s" % (k, meta[k]) for k in sorted(meta)),
        ",".join(summary_function(f) for f in m.functions), summary_graph(m.graph, base_dir))


def summary_data(msg, kind):
    """kind: 'tensor', 'sequence' or 'optional' (from the graph's input/output type)."""
    if kind == "tensor":
        return "T" + summary_tensor(msg)
    if kind == "sequence":
        items = ["T" + summary_tensor(t) for t in msg.tensor_values]
        items += [summary_data(s, "sequence") for s in msg.sequence_values]
        items += [summary_data(o, "optional") for o in msg.optional_values]
        return "S%d:%s(%s)" % (msg.elem_type, msg.name, ",".join(items))
    inner = ""
    if msg.HasField("tensor_value"):
        inner = "T" + summary_tensor(msg.tensor_value)
    elif msg.HasField("sequence_value"):
        inner = summary_data(msg.sequence_value, "sequence")
    elif msg.HasField("optional_value"):
        inner = summary_data(msg.optional_value, "optional")
    return "O%d:%s(%s)" % (msg.elem_type, msg.name, inner)


def value_kind(vi):
    return {"tensor_type": "tensor", "sequence_type": "sequence", "optional_type": "optional"}[
        vi.type.WhichOneof("value")]


def parse_data(path, kind):
    with open(path, "rb") as f:
        raw = f.read()
    msg = {"tensor": TensorProto, "sequence": onnx.SequenceProto, "optional": onnx.OptionalProto}[kind]()
    msg.ParseFromString(raw)
    return msg


def node_fixtures(data):
    models, values, picked = [], [], {}
    os.makedirs(os.path.join(OUT, "values"), exist_ok=True)
    for case in sorted(glob.glob(os.path.join(data, "node", "*", "model.onnx"))):
        folder = os.path.dirname(case)
        name = os.path.basename(folder)
        m = onnx.load(case)
        models.append("%s|%s" % (name, summary_model(m)))
        for pb in sorted(glob.glob(os.path.join(folder, "test_data_set_*", "*.pb"))):
            rel = os.path.relpath(pb, os.path.join(data, "node"))
            io, idx = os.path.basename(pb)[:-3].split("_")
            vis = m.graph.input if io == "input" else m.graph.output
            # Initializers may be listed among the inputs: data files follow the graph's order.
            kind = value_kind(vis[int(idx)])
            msg = parse_data(pb, kind)
            values.append("%s|%s" % (rel, summary_data(msg, kind)))
            # One small decoded tensor per element type, through numpy_helper.
            if kind == "tensor" and msg.data_type in HANGU_NP and msg.data_type not in picked:
                a = numpy_helper.to_array(msg)
                if 0 < a.size <= 64:
                    fname = "%s.npy" % TensorProto.DataType.Name(msg.data_type).lower()
                    np.save(os.path.join(OUT, "values", fname), a)
                    picked[msg.data_type] = "%s %s" % (rel, fname)
    with open(os.path.join(OUT, "node_models.txt"), "w") as f:
        f.write("\n".join(models) + "\n")
    with open(os.path.join(OUT, "node_data.txt"), "w") as f:
        f.write("\n".join(values) + "\n")
    with open(os.path.join(OUT, "values.txt"), "w") as f:
        f.write("\n".join(picked[k] for k in sorted(picked)) + "\n")
    print("node cases: %d models, %d data files, %d value files" % (len(models), len(values), len(picked)))


def typed_tensors():
    """One tensor per element type in its typed field, and the same values in raw_data."""
    T = TensorProto
    vals = {
        T.FLOAT: [0.0, -0.0, 1.5, float("inf"), -3.25e-38, 3.4e38],
        T.DOUBLE: [0.0, -1e-300, 2.5, float("-inf"), 1e300, 7.0],
        T.INT8: [-128, 127, 0, -1, 5, 9],
        T.UINT8: [0, 255, 1, 128, 7, 9],
        T.INT16: [-32768, 32767, 0, -2, 3, 4],
        T.UINT16: [0, 65535, 1, 40000, 3, 4],
        T.INT32: [-2 ** 31, 2 ** 31 - 1, 0, -5, 6, 7],
        T.INT64: [-2 ** 63, 2 ** 63 - 1, 0, -9, 10, 11],
        T.UINT32: [0, 2 ** 32 - 1, 1, 2 ** 31, 5, 6],
        T.UINT64: [0, 2 ** 63 - 1, 1, 2 ** 40, 5, 6],
        T.BOOL: [True, False, True, True, False, False],
        T.FLOAT16: [0.0, -2.0, 65504.0, 0.000061035156, 1.0009765625, -0.5],
        T.BFLOAT16: [0.0, -2.0, 3.0e38, 1.0078125, 0.5, -7.0],
    }
    out = []
    for dt, v in vals.items():
        n = T.DataType.Name(dt).lower()
        out.append(helper.make_tensor("typed_" + n, dt, [2, 3], v))
        if dt == T.BFLOAT16:
            bits = (np.array(v, dtype="<f4").view("<u4") >> 16).astype("<u2")
            out.append(helper.make_tensor("raw_" + n, dt, [3, 2], bits.tobytes(), raw=True))
        else:
            a = np.array(v, dtype=helper.tensor_dtype_to_np_dtype(dt) if hasattr(helper, "tensor_dtype_to_np_dtype")
                         else onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[dt])
            out.append(helper.make_tensor("raw_" + n, dt, [3, 2], a.tobytes(), raw=True))
    out.append(helper.make_tensor("strings", T.STRING, [3], [b"abc", b"", "\u51fd\u8c37".encode()]))
    out.append(helper.make_tensor("scalar", T.FLOAT, [], [42.0]))
    out.append(helper.make_tensor("empty", T.INT64, [0, 3], []))
    return out


def kitchen_sink():
    T = TensorProto
    x = helper.make_tensor_value_info("x", T.FLOAT, ["batch", 3])
    y = helper.make_tensor_value_info("y", T.FLOAT, ["batch", 3])
    inner_if = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["t"])], "then_branch", [], [helper.make_tensor_value_info("t", T.FLOAT, None)])
    else_g = helper.make_graph(
        [helper.make_node("Neg", ["x"], ["e"])], "else_branch", [], [helper.make_tensor_value_info("e", T.FLOAT, None)])
    body = helper.make_graph(
        [helper.make_node("If", ["cond"], ["r"], then_branch=inner_if, else_branch=else_g)], "body",
        [helper.make_tensor_value_info("cond", T.BOOL, [])], [helper.make_tensor_value_info("r", T.FLOAT, None)])
    sparse = helper.make_sparse_tensor(helper.make_tensor("sv", T.FLOAT, [2], [1.0, 2.0]),
                                       helper.make_tensor("si", T.INT64, [2], [1, 4]), [6])
    seq_type = helper.make_sequence_type_proto(helper.make_tensor_type_proto(T.INT32, [2, "n"]))
    opt_type = helper.make_optional_type_proto(seq_type)
    map_type = onnx.TypeProto()
    map_type.map_type.key_type = T.STRING
    map_type.map_type.value_type.CopyFrom(helper.make_tensor_type_proto(T.FLOAT, None))
    attrs = dict(
        f=-1.25, i=-7, s=b"\x00bytes\xff", t=helper.make_tensor("ta", T.INT64, [2], [3, -4]), g=body,
        floats=[1.0, float("nan"), -0.0], ints=[-1, 0, 2 ** 62], strings=[b"a", b"", b"\xe5\x87\xbd"],
        tensors=[helper.make_tensor("t1", T.FLOAT, [1], [2.0]), helper.make_tensor("t2", T.BOOL, [2], [True, False])],
        graphs=[inner_if, else_g], sparse_tensor=sparse, sparse_tensors=[sparse, sparse])
    custom = helper.make_node("Custom", ["x", "", "w"], ["y"], name="custom0", domain="test.domain", **attrs)
    custom.attribute.append(helper.make_attribute("tp", seq_type))
    custom.attribute.append(helper.make_attribute("type_protos", [opt_type, map_type]))
    ref = onnx.AttributeProto()
    ref.name, ref.ref_attr_name, ref.type = "alpha", "outer_alpha", onnx.AttributeProto.FLOAT
    fnode = helper.make_node("LeakyRelu", ["a"], ["b"])
    fnode.attribute.append(ref)
    func = helper.make_function("test.domain", "MyRelu", ["a"], ["b"], [fnode],
                                [helper.make_opsetid("", 13)], ["outer_alpha"])
    graph = helper.make_graph(
        [custom, helper.make_node("MyRelu", ["y"], ["z"], domain="test.domain", name="fn_call")], "kitchen_sink", [x],
        [y, helper.make_tensor_value_info("z", T.FLOAT, ["batch", 3])],
        initializer=typed_tensors() + [helper.make_tensor("w", T.FLOAT, [3], [1.0, 2.0, 3.0])],
        value_info=[helper.make_value_info("seq", seq_type), helper.make_value_info("opt", opt_type),
                    helper.make_value_info("map", map_type)],
        sparse_initializer=[sparse])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("test.domain", 1)],
                          functions=[func], producer_name="gen_onnx_io_fixtures", producer_version="1", domain="test",
                          model_version=3)
    helper.set_model_props(m, {"author": "hangu", "note": "\u51fd\u8c37"})
    path = os.path.join(OUT, "kitchen_sink.onnx")
    onnx.save(m, path)
    with open(os.path.join(OUT, "kitchen_sink.txt"), "w") as f:
        f.write(summary_model(onnx.load(path)) + "\n")


def external():
    T = TensorProto
    folder = os.path.join(OUT, "external")
    # onnx appends to an existing data file: start from an empty folder.
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4) * 0.5 - 1, "w")
    b = numpy_helper.from_array(np.array([7, -8, 9], dtype=np.int64), "b")
    graph = helper.make_graph([helper.make_node("Gemm", ["x", "w"], ["y"], transB=0)], "ext",
                              [helper.make_tensor_value_info("x", T.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("y", T.FLOAT, [2, 4])], initializer=[w, b])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save_model(m, os.path.join(folder, "model.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="weights.bin", size_threshold=0)
    loaded = onnx.load(os.path.join(folder, "model.onnx"))  # loads the external data back
    with open(os.path.join(OUT, "external.txt"), "w") as f:
        f.write(summary_model(loaded) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    node_fixtures(args.data)
    kitchen_sink()
    external()


if __name__ == "__main__":
    main()
