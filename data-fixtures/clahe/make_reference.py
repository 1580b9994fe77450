#!/usr/bin/env python3
"""Regenerates the CLAHE reference images in this folder with OpenCV (the independent
reference that tests/clahe_reference.rs compares lungfield's CLAHE with).

    python3 data-fixtures/clahe/make_reference.py   # needs opencv-python-headless, numpy

Inputs are synthetic (made here from a fixed seed): a smooth gradient with blobs and noise,
at sizes that do and do not divide by the 8x8 tile grid, 8-bit and 16-bit."""
import os
import cv2
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(2014)


def synthetic(h, w, peak):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    base = 0.3 + 0.4 * x / w + 0.2 * np.sin(y / 9.0) * np.cos(x / 13.0)
    for _ in range(5):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(4, 12)
        base += 0.25 * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * r * r))
    base += rng.normal(0, 0.03, size=(h, w))
    return np.clip(base / base.max() * peak, 0, peak)


cases = [("u8_64x64", 64, 64, 255, np.uint8, 2.0),
         ("u8_67x53", 53, 67, 255, np.uint8, 2.0),
         ("u8_40x37_clip4", 37, 40, 255, np.uint8, 4.0),
         ("u16_48x45", 45, 48, 65535, np.uint16, 2.0)]
for name, h, w, peak, dt, clip in cases:
    img = synthetic(h, w, peak).round().astype(dt)
    out = cv2.createCLAHE(clipLimit=clip, tileGridSize=(8, 8)).apply(img)
    cv2.imwrite(os.path.join(here, f"{name}_input.png"), img)
    cv2.imwrite(os.path.join(here, f"{name}_opencv.png"), out)
    print(name, img.dtype, img.shape, "clip", clip)
