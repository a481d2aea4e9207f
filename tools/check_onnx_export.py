#!/usr/bin/python3
"""Checks a model written by `hangu export` against the onnx package and PyTorch.

    /usr/bin/python3 tools/check_onnx_export.py --case MODEL,M.onnx,X.npy,LOGITS.npy [--case ...]

MODEL is lenet or mlp; X.npy the input batch; LOGITS.npy what Hangu's own model computed on it.
For each case:

1. onnx.checker.check_model(full_check=True) (structure and shape inference) accepts the file,
   and inference gives the output the shape [batch, 10].
2. The graph is evaluated node by node with torch.nn.functional (Conv, Relu, MaxPool, Flatten,
   Gemm; any other op or attribute is an error).
3. The PyTorch definition of the same model (torch.nn layers as in Hangu's models/*.h) is loaded
   with the file's initializers by state_dict name and run.
Both results must match LOGITS.npy within 1e-4 relative to its largest magnitude. Prints one
JSON line per case; exit code 0 when every case holds. (onnx 1.12
has no onnx.reference, and ONNX Runtime is not packaged: these two evaluations stand in.)
"""
import argparse
import json
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper, shape_inference


class LeNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1 = torch.nn.Linear(400, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 512)
        self.fc2 = torch.nn.Linear(512, 512)
        self.fc3 = torch.nn.Linear(512, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def attrs(node, allowed):
    out = {}
    for a in node.attribute:
        if a.name not in allowed:
            raise ValueError("%s: unexpected attribute %s" % (node.op_type, a.name))
        out[a.name] = onnx.helper.get_attribute_value(a)
    return out


def run_graph(model, x):
    """Evaluates the exported graph with torch.nn.functional, refusing anything unexpected."""
    values = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in model.graph.initializer}
    values[model.graph.input[0].name] = x
    for n in model.graph.node:
        ins = [values[i] for i in n.input]
        if n.op_type == "Conv":
            a = attrs(n, {"dilations", "group", "kernel_shape", "pads", "strides"})
            p = a.get("pads", [0, 0, 0, 0])
            if p[0] != p[2] or p[1] != p[3]:
                raise ValueError("asymmetric pads")
            if list(a["kernel_shape"]) != list(ins[1].shape[2:]):
                raise ValueError("kernel_shape does not match the weight")
            y = F.conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, stride=a.get("strides", 1),
                         padding=p[:2], dilation=a.get("dilations", 1), groups=a.get("group", 1))
        elif n.op_type == "Relu":
            attrs(n, set())
            y = F.relu(ins[0])
        elif n.op_type == "MaxPool":
            a = attrs(n, {"kernel_shape", "pads", "strides"})
            y = F.max_pool2d(ins[0], a["kernel_shape"], a.get("strides", 1), a.get("pads", [0, 0, 0, 0])[:2])
        elif n.op_type == "Flatten":
            a = attrs(n, {"axis"})
            y = torch.flatten(ins[0], a.get("axis", 1))
        elif n.op_type == "Gemm":
            a = attrs(n, {"transB"})
            if a.get("transB", 0) != 1:
                raise ValueError("Gemm without transB")
            y = F.linear(ins[0], ins[1], ins[2] if len(ins) > 2 else None)
        else:
            raise ValueError("unexpected op %s" % n.op_type)
        values[n.output[0]] = y
    return values[model.graph.output[0].name]


def check(name, path, input_npy, expected_npy):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = shape_inference.infer_shapes(model)
    out_dims = [d.dim_param or d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim]
    opset = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]

    x = torch.from_numpy(np.load(input_npy))
    expected = np.load(expected_npy)
    with torch.no_grad():
        graph_out = run_graph(model, x).numpy()
        net = LeNet() if name == "lenet" else Mlp()
        state = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in model.graph.initializer}
        net.load_state_dict(state, strict=True)
        torch_out = net(x).numpy()

    scale = max(1.0, float(np.abs(expected).max()))
    d_graph = float(np.abs(graph_out - expected).max()) / scale
    d_torch = float(np.abs(torch_out - expected).max()) / scale
    ok = (out_dims == ["batch", 10] and opset == [13] and model.graph.input[0].name == "input"
          and model.graph.output[0].name == "logits" and d_graph <= 1e-4 and d_torch <= 1e-4)
    print(json.dumps({"model": name, "ok": ok, "checker": "passed", "output_dims": out_dims, "opset": opset,
                      "ops": [n.op_type for n in model.graph.node], "graph_vs_hangu": d_graph,
                      "torch_vs_hangu": d_torch}))
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", action="append", required=True, help="MODEL,M.onnx,X.npy,LOGITS.npy")
    args = ap.parse_args()
    ok = True
    for case in args.case:
        name, path, input_npy, expected_npy = case.split(",")
        if name not in ("lenet", "mlp"):
            raise SystemExit("unknown model %s" % name)
        ok = check(name, path, input_npy, expected_npy) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
