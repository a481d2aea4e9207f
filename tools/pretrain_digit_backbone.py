#!/usr/bin/python3
"""A ResNet-18 backbone for the issue-7 transfer-learning comparison, trained by PyTorch.

    /usr/bin/python3 tools/pretrain_digit_backbone.py OUT.safetensors [--images 5000] [--epochs 8]

There are no pretrained weights offline, so the backbone is learnt here: torchvision's ResNet-18
on MNIST training digits that the pig-face set (tools/make_pig_faces.py, the first 300 of each
digit) does not use, rendered the same way (56x56, coloured ink on tinted paper, every fifth
gray) and normalised with the ImageNet mean / std as `hangu train` does; AdamW, lr 2e-3 annealed
to 0 by a per-step cosine. The file holds the
backbone only (no fc.*, torchvision names, safetensors written by hand), for
`hangu train --data PIGS --model resnet18 --init OUT.safetensors [--freeze-backbone]`.
"""
import argparse
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_pig_faces as pf  # noqa: E402

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
DTYPES = {torch.float32: ("F32", "<f4"), torch.int64: ("I64", "<i8")}


def save_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        code, np_type = DTYPES[t.dtype]
        b = t.detach().contiguous().numpy().astype(np_type).tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--images", type=int, default=5000)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--size", type=int, default=56)
    a = p.parse_args()
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    images, labels = pf.load("train")
    seen = [0] * 10
    xs, ys = [], []
    for i in range(len(labels)):
        k = int(labels[i])
        seen[k] += 1
        if seen[k] <= 300:  # the pig-face set's images
            continue
        img = pf.render(images[i], a.size, rng, gray=(len(xs) % 5 == 4)).convert("RGB")
        xs.append((np.asarray(img, dtype=np.float32) / 255.0 - MEAN) / STD)
        ys.append(k)
        if len(xs) >= a.images:
            break
    x = torch.from_numpy(np.stack(xs).transpose(0, 3, 1, 2).copy())
    y = torch.tensor(ys)
    print(f"{len(ys)} digits not in the pig-face set", flush=True)
    model = torchvision.models.resnet18(num_classes=10)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=5e-4)
    steps = a.epochs * ((len(ys) + 63) // 64)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)  # to 0 at the end, per step
    t0 = time.time()
    for epoch in range(a.epochs):
        model.train()
        perm = torch.randperm(len(ys))
        total, correct, loss_sum = 0, 0, 0.0
        for b in range(0, len(ys), 64):
            idx = perm[b:b + 64]
            out = model(x[idx])
            loss = F.cross_entropy(out, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(idx)
            correct += (out.argmax(1) == y[idx]).sum().item()
            total += len(idx)
        print(f"epoch {epoch + 1}: loss {loss_sum / total:.4f}, train accuracy {100 * correct / total:.2f}%, "
              f"{time.time() - t0:.0f} s", flush=True)
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("fc.")}
    save_safetensors(a.out, state)
    print(f"wrote {a.out}: {len(state)} backbone tensors (no fc)")


if __name__ == "__main__":
    main()
