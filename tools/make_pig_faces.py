#!/usr/bin/python3
"""The issue-7 demo data set: a folder of "pig faces" made from real MNIST digits.

    /usr/bin/python3 tools/make_pig_faces.py OUT_DIR [--per-class 300] [--size 56] [--holdout 20]
                                                     [--hostile] [--seed 0]

OUT_DIR/<class>/ gets --per-class images of one digit, one class per digit, named 一号猪 ... 十号猪
(digit 0 is 一号猪). Images are upscaled to --size x --size (bilinear), drawn as a coloured digit
on a tinted background, and saved alternately as JPEG and PNG; every fifth is saved grayscale.
With --holdout N, OUT_DIR-holdout/<class>/ gets N more images per class from the MNIST test split
(never seen in training), for `hangu predict` and `hangu eval`. With --hostile the folder also
gets what a real folder of photos holds: a corrupt JPEG, a zero-byte file, a text file named
.jpg, a class folder with a single image, an empty class folder, a notes file and a file name
with spaces.

Needs PIL and numpy (Debian's /usr/bin/python3). Reads data/mnist-10k (train and test splits).
"""
import argparse
import gzip
import os
import struct

import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
NAMES = ["一号猪", "二号猪", "三号猪", "四号猪", "五号猪", "六号猪", "七号猪", "八号猪", "九号猪", "十号猪"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data[16:], dtype=np.uint8).reshape(n, rows, cols)
    return np.frombuffer(data[8:], dtype=np.uint8)


def load(split):
    d = os.path.join(ROOT, "data", "mnist-10k")
    return read_idx(os.path.join(d, f"{split}-images-idx3-ubyte.gz")), read_idx(os.path.join(d, f"{split}-labels-idx1-ubyte.gz"))


def render(digit, size, rng, gray):
    """A digit upscaled to size x size: coloured ink on a tinted background (or plain gray)."""
    img = Image.fromarray(digit, "L").resize((size, size), Image.BILINEAR)
    a = np.asarray(img).astype(np.float64)[:, :, None] / 255.0
    if gray:
        return Image.fromarray(np.round(a[:, :, 0] * 255).astype(np.uint8), "L")
    ink = rng.uniform(160, 255, 3)
    paper = rng.uniform(0, 90, 3)
    rgb = a * ink + (1 - a) * paper
    return Image.fromarray(np.clip(np.round(rgb), 0, 255).astype(np.uint8), "RGB")


def write_split(out, images, labels, per_class, size, rng, prefix):
    counts = [0] * 10
    for i in range(len(labels)):
        k = int(labels[i])
        if counts[k] >= per_class:
            continue
        n = counts[k]
        counts[k] += 1
        folder = os.path.join(out, NAMES[k])
        os.makedirs(folder, exist_ok=True)
        img = render(images[i], size, rng, gray=(n % 5 == 4))
        if n % 2 == 0:
            img.save(os.path.join(folder, f"{prefix}{n:04d}.jpg"), quality=92)
        else:
            img.save(os.path.join(folder, f"{prefix}{n:04d}.png"))
    if min(counts) < per_class:
        raise SystemExit(f"not enough digits for {per_class} per class: {counts}")


def add_hostile(out, size, rng, images):
    some = os.path.join(out, NAMES[0])
    good = open(os.path.join(some, "0000.jpg"), "rb").read()
    with open(os.path.join(some, "corrupt.jpg"), "wb") as f:  # a JPEG cut short
        f.write(good[: len(good) // 3])
    open(os.path.join(some, "empty.png"), "wb").close()  # zero bytes
    with open(os.path.join(some, "notes.jpg"), "w") as f:  # text named .jpg
        f.write("this is not a picture\n")
    with open(os.path.join(some, "README.txt"), "w") as f:  # not an image: ignored
        f.write("photos of pig number one\n")
    render(images[0], size, rng, gray=False).save(os.path.join(out, NAMES[1], "photo with spaces 1.png"))
    single = os.path.join(out, "单张猪")
    os.makedirs(single, exist_ok=True)
    render(images[1], size, rng, gray=False).save(os.path.join(single, "only one.jpg"))
    os.makedirs(os.path.join(out, "空文件夹"), exist_ok=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--per-class", type=int, default=300)
    p.add_argument("--size", type=int, default=56)
    p.add_argument("--holdout", type=int, default=0)
    p.add_argument("--hostile", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    images, labels = load("train")
    write_split(a.out, images, labels, a.per_class, a.size, rng, "")
    if a.holdout:
        t_images, t_labels = load("test")
        write_split(a.out.rstrip("/") + "-holdout", t_images, t_labels, a.holdout, a.size, rng, "t")
    if a.hostile:
        add_hostile(a.out, a.size, rng, images)
    print(f"wrote {a.out}: 10 classes x {a.per_class} images of {a.size}x{a.size}"
          + (f", holdout {a.holdout} per class" if a.holdout else "") + (", hostile files" if a.hostile else ""))


if __name__ == "__main__":
    main()
