#!/usr/bin/python3
"""Image fixtures for tests/unit/test_image.cpp: small files written by PIL (JPEG, PNG, BMP, PPM/PGM),
some written byte by byte here (16-bit PNG, 16-bit and odd-maxval PPM/PGM), each with the pixels a
trusted decoder reads from it (.npy, uint8 HWC), and torchvision 0.14's transform outputs.

Run with Debian's python3 (PIL, numpy, torch, torchvision):
    /usr/bin/python3 tools/gen_image_fixtures.py
Writes tests/fixtures/image/. References:
  - decoders: PIL (Image.open(...).convert("RGB"); EXIF via ImageOps.exif_transpose). For 16-bit
    samples PIL keeps 16 bits (mode I;16 / I); the 8-bit reference is then NumPy on PIL's values:
    v >> 8 for PNG (libpng's png_set_strip_16, which PIL's RGB;16B rawmode matches) and
    PIL's round(v * 255 / maxval) for PPM/PGM with maxval other than 255 (PIL gives 8 bits for RGB).
  - transforms: torchvision.transforms.functional on uint8 CHW tensors.
"""
import os
import struct
import zlib

import numpy as np
import torch
import torch.nn.functional as TF
import torchvision.transforms.functional as F
from PIL import Image, ImageOps
from torchvision.transforms import InterpolationMode

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "image")


def save_npy(name, arr):
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    np.save(os.path.join(OUT, name), arr)


def photo(h, w, seed):
    """A small photo-like RGB image: gradients, a disc, a bar and noise (uint8 HWC)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 255 * x / max(w - 1, 1)
    g = 255 * y / max(h - 1, 1)
    b = 128 + 100 * np.sin(x / 3.0) * np.cos(y / 4.0)
    disc = (x - w * 0.6) ** 2 + (y - h * 0.4) ** 2 < (min(h, w) * 0.25) ** 2
    r[disc], g[disc], b[disc] = 240, 40, 60
    bar = (x > w * 0.15) & (x < w * 0.3)
    r[bar], g[bar], b[bar] = 20, 20, 200
    img = np.stack([r, g, b], axis=2) + rng.normal(0, 6, (h, w, 3))
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def png_bytes(raw_rows, width, height, depth, color_type):
    """A PNG written here (filter 0 on every row), for layouts PIL cannot write."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    body = b"".join(b"\x00" + row for row in raw_rows)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(body)) + chunk(b"IEND", b"")


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def decoders():
    rgb = photo(24, 32, 1)
    im = Image.fromarray(rgb, "RGB")
    gray = Image.fromarray(photo(24, 32, 2)[:, :, 1], "L")

    # JPEG: colour, gray, progressive, and EXIF orientations (stored sideways, shown upright).
    im.save(os.path.join(OUT, "rgb.jpg"), quality=90)
    gray.save(os.path.join(OUT, "gray.jpg"), quality=90)
    im.save(os.path.join(OUT, "progressive.jpg"), quality=85, progressive=True)
    for o in (3, 6, 8):
        exif = Image.Exif()
        exif[0x0112] = o
        im.save(os.path.join(OUT, f"exif{o}.jpg"), quality=90, exif=exif.tobytes())
    for name in ("rgb.jpg", "gray.jpg", "progressive.jpg", "exif3.jpg", "exif6.jpg", "exif8.jpg"):
        ref = ImageOps.exif_transpose(Image.open(os.path.join(OUT, name))).convert("RGB")
        save_npy(name.replace(".jpg", "_jpg.npy"), np.asarray(ref))

    # PNG: RGB, gray, palette (with a transparent entry), RGBA, gray + alpha, 1-bit.
    im.save(os.path.join(OUT, "rgb.png"))
    gray.save(os.path.join(OUT, "gray.png"))
    pal = im.quantize(colors=16)
    pal.info["transparency"] = 3
    pal.save(os.path.join(OUT, "palette.png"), transparency=3)
    rgba = np.concatenate([rgb, (np.arange(24 * 32).reshape(24, 32, 1) % 256).astype(np.uint8)], axis=2)
    Image.fromarray(rgba, "RGBA").save(os.path.join(OUT, "rgba.png"))
    Image.fromarray(np.stack([rgb[:, :, 0], rgb[:, :, 2]], axis=2), "LA").save(os.path.join(OUT, "gray_alpha.png"))
    Image.fromarray(rgb[:, :, 0] > 128).save(os.path.join(OUT, "bits1.png"))
    for name in ("rgb.png", "gray.png", "palette.png", "rgba.png", "gray_alpha.png", "bits1.png"):
        save_npy(name.replace(".png", "_png.npy"), np.asarray(Image.open(os.path.join(OUT, name)).convert("RGB")))
    save_npy("rgba_png_rgba.npy", np.asarray(Image.open(os.path.join(OUT, "rgba.png")).convert("RGBA")))

    # 16-bit PNG (gray and RGB), written here; PIL reads the 16-bit values back.
    rng = np.random.default_rng(3)
    g16 = rng.integers(0, 65536, (12, 10), dtype=np.uint16)
    write("gray16.png", png_bytes([r.astype(">u2").tobytes() for r in g16], 10, 12, 16, 0))
    pil16 = np.asarray(Image.open(os.path.join(OUT, "gray16.png"))).astype(np.uint32)
    assert (pil16 == g16).all()
    save_npy("gray16_png.npy", np.repeat((pil16 >> 8)[:, :, None], 3, axis=2))
    c16 = rng.integers(0, 65536, (12, 10, 3), dtype=np.uint16)
    write("rgb16.png", png_bytes([r.astype(">u2").tobytes() for r in c16], 10, 12, 16, 2))
    save_npy("rgb16_png.npy", np.asarray(Image.open(os.path.join(OUT, "rgb16.png")).convert("RGB")))

    # BMP: 24-bit RGB, 8-bit gray (palette), 32-bit from RGBA (PIL writes BGRA, reads it as RGB).
    im.save(os.path.join(OUT, "rgb24.bmp"))
    gray.save(os.path.join(OUT, "gray8.bmp"))
    Image.fromarray(rgba, "RGBA").save(os.path.join(OUT, "rgba32.bmp"))
    for name in ("rgb24.bmp", "gray8.bmp", "rgba32.bmp"):
        save_npy(name.replace(".bmp", "_bmp.npy"), np.asarray(Image.open(os.path.join(OUT, name)).convert("RGB")))

    # PPM / PGM: maxval 255 by PIL; maxval 100 and 4095 (16-bit samples) written here.
    im.save(os.path.join(OUT, "rgb.ppm"))
    gray.save(os.path.join(OUT, "gray.pgm"))
    p6 = rng.integers(0, 101, (9, 7, 3), dtype=np.uint8)
    write("maxval100.ppm", b"P6\n# a comment\n7 9\n100\n" + p6.tobytes())
    p6_16 = rng.integers(0, 4096, (9, 7, 3), dtype=np.uint16)
    write("maxval4095.ppm", b"P6 7 9 4095\n" + p6_16.astype(">u2").tobytes())
    for name in ("rgb.ppm", "gray.pgm", "maxval100.ppm", "maxval4095.ppm"):
        save_npy(name.replace(".", "_") + ".npy", np.asarray(Image.open(os.path.join(OUT, name)).convert("RGB")))


def transforms():
    src = photo(37, 53, 4)
    save_npy("tf_src.npy", src)
    t = torch.from_numpy(src).permute(2, 0, 1).contiguous()
    out = lambda x: x.permute(1, 2, 0).numpy()
    for h, w in ((17, 29), (61, 80), (20, 90), (9, 13), (37, 20)):
        save_npy(f"tf_resize_{h}x{w}.npy", out(F.resize(t, [h, w], antialias=True)))
    save_npy("tf_resize_shorter_24.npy", out(F.resize(t, 24, antialias=True)))
    save_npy("tf_center_crop_20x30.npy", out(F.center_crop(t, [20, 30])))
    save_npy("tf_center_crop_45x60.npy", out(F.center_crop(t, [45, 60])))
    save_npy("tf_hflip.npy", out(F.hflip(t)))
    for a in (15, -30):
        save_npy(f"tf_rotate_{a}.npy", out(F.rotate(t, a, interpolation=InterpolationMode.BILINEAR)))
    for f in (1.3, 0.6):
        save_npy(f"tf_brightness_{f}.npy", out(F.adjust_brightness(t, f)))
    for f in (1.4, 0.5):
        save_npy(f"tf_contrast_{f}.npy", out(F.adjust_contrast(t, f)))
    for f in (1.5, 0.3):
        save_npy(f"tf_saturation_{f}.npy", out(F.adjust_saturation(t, f)))
    # ToTensor + Normalize with ImageNet's mean and std, float32 CHW.
    x = F.normalize(t.float() / 255.0, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    np.save(os.path.join(OUT, "tf_normalized.npy"), x.numpy().astype(np.float32))


def digits():
    """JPEG digits for the image-folder CLI test (tests/unit/test_image_folder_cli.cpp), which writes
    the PNG half itself: MNIST training digits 0-3 of data/mnist-10k, 8 per digit, upscaled to 40x40,
    every third saved grayscale."""
    import gzip
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "mnist-10k")
    with gzip.open(os.path.join(root, "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read()[16:], dtype=np.uint8).reshape(-1, 28, 28)
    with gzip.open(os.path.join(root, "train-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read()[8:], dtype=np.uint8)
    out = os.path.join(OUT, "digits_jpg")
    os.makedirs(out, exist_ok=True)
    for d in range(4):
        idx = np.where(labels == d)[0][:8]
        for n, i in enumerate(idx):
            img = Image.fromarray(images[i], "L").resize((40, 40), Image.BILINEAR)
            if n % 3 != 2:
                img = img.convert("RGB")
            img.save(os.path.join(out, f"d{d}_{n}.jpg"), quality=90)


def small_cnn():
    """The PyTorch twin of models/small_cnn.h: weights, an input, the logits in training mode
    (batch statistics) and eval mode (after that step updated the running statistics), and the
    gradients of the mean cross-entropy of the training-mode logits."""
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
    import safetensors_py
    from torch_models import SmallCnn
    # Weights and input are stored as float32 (small) and computed in float64 on both sides.
    torch.manual_seed(0)
    net = SmallCnn(7)
    x = torch.randn(4, 3, 24, 24)
    target = torch.tensor([0, 3, 6, 2])
    out = {f"param.{k}": v.clone() for k, v in net.state_dict().items()}
    out["input"] = x
    out["target"] = target
    net = net.double()
    net.train()
    logits = net(x.double())
    TF.cross_entropy(logits, target).backward()
    net.eval()
    with torch.no_grad():
        out["eval_logits"] = net(x.double())
    out["train_logits"] = logits.detach()
    for k, p in net.named_parameters():
        if not k.startswith(("conv2", "conv3", "conv4")):  # the big ones are left out
            out[f"grad.{k}"] = p.grad
    for k, v in net.state_dict().items():
        if "running" in k:
            out[f"after.{k}"] = v.clone()
    safetensors_py.save(os.path.join(OUT, "small_cnn.safetensors"), out)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    decoders()
    transforms()
    digits()
    small_cnn()
    files = [os.path.join(d, f) for d, _, fs in os.walk(OUT) for f in fs]
    print(f"wrote {len(files)} files, {sum(os.path.getsize(f) for f in files)} bytes, to {os.path.normpath(OUT)}")
