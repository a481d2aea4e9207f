#!/usr/bin/python3
"""Writes tests/fixtures/optim/*.safetensors: optimizer trajectories, scheduler lr sequences and
clip_grad_norm_ results computed by PyTorch 1.13 (run with Debian's /usr/bin/python3).

Each file holds tensors and one metadata key "config" (JSON) describing what to rebuild in C++.
Optimizers: param.<j>.init, grad.<k>.<j> (the gradient given before step k) and param.<j>.step<k>
(the parameter after step k). Schedulers: lr (the lr before each step) and, for OneCycleLR,
momentum. Clipping: grad.<j>, clipped.<j>, total_norm."""
import json
import math
import os
import struct
import sys

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "optim")
STEPS = 5
SHAPES = [(3, 5), (21,)]  # 21: not a multiple of any SIMD width

DT = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}


def save(name, tensors, config):
    header, blobs, off = {}, [], 0
    for k, t in tensors.items():
        t = t.detach().contiguous()
        b = t.numpy().tobytes()
        header[k] = {"dtype": DT[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"config": json.dumps(config, sort_keys=True)}
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(os.path.join(OUT, name + ".safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def optimizer_case(name, cls, kwargs, dtype=torch.float32, groups=None, steps=STEPS, shapes=SHAPES, record_every=1):
    g = torch.Generator().manual_seed(1234)
    params = [torch.randn(s, generator=g, dtype=dtype).requires_grad_() for s in shapes]
    tensors = {}
    for j, p in enumerate(params):
        tensors[f"param.{j}.init"] = p.detach().clone()
    if groups:  # one group per parameter, each with its own overrides
        opt = cls([dict(params=[p], **groups[j]) for j, p in enumerate(params)], **kwargs)
    else:
        opt = cls(params, **kwargs)
    for k in range(1, steps + 1):
        for j, p in enumerate(params):
            gr = torch.randn(p.shape, generator=g, dtype=dtype)
            p.grad = gr.clone()
            tensors[f"grad.{k}.{j}"] = gr
        opt.step()
        if k % record_every == 0 or k == steps:
            for j, p in enumerate(params):
                tensors[f"param.{j}.step{k}"] = p.detach().clone()
    save("opt_" + name, tensors, {"optimizer": cls.__name__, "options": kwargs, "groups": groups or [],
                                  "steps": steps, "nparams": len(params)})


def scheduler_case(name, make, config, momentum=False, opt_cls=torch.optim.SGD, opt_kwargs=None, metrics=None):
    p = torch.zeros(2, requires_grad=True)
    opt = opt_cls([p], **(opt_kwargs or {"lr": 0.1, "momentum": 0.9}))
    sched = make(opt)
    lrs, moms = [], []
    for i in range(30):
        lrs.append(opt.param_groups[0]["lr"])
        if momentum:
            g = opt.param_groups[0]
            moms.append(g["betas"][0] if "betas" in g else g["momentum"])
        opt.step()
        if metrics is not None:
            sched.step(metrics[i])
        else:
            sched.step()
    tensors = {"lr": torch.tensor(lrs, dtype=torch.float64)}
    if momentum:
        tensors["momentum"] = torch.tensor(moms, dtype=torch.float64)
    if metrics is not None:
        tensors["metrics"] = torch.tensor(metrics, dtype=torch.float64)
    config = dict(config, optimizer=opt_cls.__name__, opt_options=opt_kwargs or {"lr": 0.1, "momentum": 0.9})
    save("sched_" + name, tensors, config)


def warmup_cosine(warmup, total):
    def f(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        progress = float(step - warmup) / float(max(1, total - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))
    return f


def clip_case(name, max_norm, norm_type):
    g = torch.Generator().manual_seed(99)
    params = [torch.zeros(s, requires_grad=True) for s in SHAPES]
    tensors = {}
    for j, p in enumerate(params):
        p.grad = torch.randn(p.shape, generator=g) * 3
        tensors[f"grad.{j}"] = p.grad.clone()
    total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    for j, p in enumerate(params):
        tensors[f"clipped.{j}"] = p.grad.clone()
    tensors["total_norm"] = total.detach().reshape(1).to(torch.float32)
    save("clip_" + name, tensors, {"max_norm": max_norm, "norm_type": "inf" if math.isinf(norm_type) else norm_type})


def main():
    os.makedirs(OUT, exist_ok=True)
    O = torch.optim
    optimizer_case("sgd", O.SGD, {"lr": 0.1})
    optimizer_case("sgd_momentum_wd", O.SGD, {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 5e-4})
    optimizer_case("sgd_nesterov", O.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-2})
    optimizer_case("sgd_maximize_f64", O.SGD, {"lr": 0.05, "momentum": 0.5, "maximize": True}, dtype=torch.float64)
    optimizer_case("sgd_groups", O.SGD, {"lr": 0.1, "momentum": 0.9}, groups=[{}, {"lr": 0.01, "momentum": 0.5}])
    optimizer_case("adam", O.Adam, {"lr": 1e-2})
    optimizer_case("adam_wd_amsgrad", O.Adam, {"lr": 1e-2, "betas": [0.8, 0.99], "weight_decay": 1e-2, "amsgrad": True})
    optimizer_case("adam_f64", O.Adam, {"lr": 1e-3, "eps": 1e-6}, dtype=torch.float64)
    optimizer_case("adamw", O.AdamW, {"lr": 1e-2})
    optimizer_case("adamw_amsgrad", O.AdamW, {"lr": 1e-2, "weight_decay": 0.1, "amsgrad": True})
    # 100 steps, as the training parity check (SGD lr 0.01 momentum 0.9 wd 5e-4; AdamW lr 1e-3).
    optimizer_case("sgd_long", O.SGD, {"lr": 0.01, "momentum": 0.9, "weight_decay": 5e-4}, steps=100,
                   shapes=[(8, 9), (37,)], record_every=25)
    optimizer_case("adamw_long", O.AdamW, {"lr": 1e-3}, steps=100, shapes=[(8, 9), (37,)], record_every=25)
    optimizer_case("rmsprop", O.RMSprop, {"lr": 1e-2})
    optimizer_case("rmsprop_centered_momentum", O.RMSprop,
                   {"lr": 1e-2, "alpha": 0.9, "momentum": 0.8, "centered": True, "weight_decay": 1e-3})
    optimizer_case("adagrad", O.Adagrad, {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1,
                                          "weight_decay": 1e-3})

    S = torch.optim.lr_scheduler
    scheduler_case("step", lambda o: S.StepLR(o, 7, gamma=0.5), {"type": "StepLR", "step_size": 7, "gamma": 0.5})
    scheduler_case("multistep", lambda o: S.MultiStepLR(o, [3, 10, 10, 25], gamma=0.3),
                   {"type": "MultiStepLR", "milestones": [3, 10, 10, 25], "gamma": 0.3})
    scheduler_case("exponential", lambda o: S.ExponentialLR(o, 0.9), {"type": "ExponentialLR", "gamma": 0.9})
    scheduler_case("cosine", lambda o: S.CosineAnnealingLR(o, 10, eta_min=0.001),
                   {"type": "CosineAnnealingLR", "T_max": 10, "eta_min": 0.001})
    scheduler_case("warmup_cosine", lambda o: S.LambdaLR(o, warmup_cosine(5, 30)),
                   {"type": "WarmupCosine", "warmup": 5, "total": 30})
    scheduler_case("onecycle", lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=30),
                   {"type": "OneCycleLR", "max_lr": 1.0, "total_steps": 30}, momentum=True)
    scheduler_case("onecycle_adam", lambda o: S.OneCycleLR(o, max_lr=0.01, total_steps=30),
                   {"type": "OneCycleLR", "max_lr": 0.01, "total_steps": 30}, momentum=True,
                   opt_cls=torch.optim.Adam, opt_kwargs={"lr": 1e-3})
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.7, 0.7,
               0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
    scheduler_case("plateau", lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=2, cooldown=1, min_lr=0.01),
                   {"type": "ReduceLROnPlateau", "factor": 0.5, "patience": 2, "cooldown": 1, "min_lr": 0.01},
                   metrics=metrics)
    scheduler_case("plateau_max_abs", lambda o: S.ReduceLROnPlateau(o, mode="max", threshold=0.05, threshold_mode="abs", patience=1),
                   {"type": "ReduceLROnPlateau", "mode": "max", "threshold": 0.05, "threshold_mode": "abs", "patience": 1},
                   metrics=[-m for m in metrics])

    clip_case("l2", 1.0, 2.0)
    clip_case("l1", 2.5, 1.0)
    clip_case("inf", 0.5, float("inf"))
    clip_case("noop", 1000.0, 2.0)
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
