"""lungfield from Python: find the lungs in chest X-rays and screen them for tuberculosis.

The engine is lungfield's Rust library (no deep learning, no GPU). Images are 2-D NumPy
arrays of ``uint8`` or ``uint16`` (grey, rows x columns); every call that works on pixels
releases the GIL, and the batch helpers use all cores. Errors raise :class:`LungfieldError`
with the messages of the ``lungfield`` command line.

>>> import lungfield
>>> image, meta = lungfield.read("chest.png")            # doctest: +SKIP
>>> seg = lungfield.segment(image)                       # doctest: +SKIP
>>> feats = lungfield.features(image, seg.labels)        # doctest: +SKIP
>>> lungfield.Model.load("tb.lfm").score(image)          # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Union

import numpy as np

from ._lungfield import (
    LungfieldError,
    Model,
    Score,
    Segmentation,
    __version__,
    feature_names,
    read,
    segment,
    segment_files,
)
from . import _lungfield as _core

__all__ = [
    "LungfieldError",
    "Model",
    "Score",
    "Segmentation",
    "__version__",
    "evaluate",
    "feature_names",
    "feature_table",
    "features",
    "find_images",
    "read",
    "segment",
    "segment_files",
    "segment_folder",
    "train",
]

PathLike = Union[str, "os.PathLike[str]"]

_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".dcm", ".dicom"}


def find_images(folder: PathLike) -> List[Path]:
    """The image files under ``folder`` (walked recursively, sorted), as the CLI finds them:
    PNG, JPEG, TIFF and DICOM, masks (``*_mask.png``) left out."""
    root = Path(folder)
    found = [
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in _IMAGE_SUFFIXES
        and not p.stem.endswith("_mask")
    ]
    return sorted(found)


def features(image: np.ndarray, lungs: Union[Segmentation, np.ndarray]) -> Dict[str, float]:
    """The 544 texture and shape features of ``image`` inside its lungs, by name, in order
    (the model's vector: the absolute families ``fo_*``, ``glcm_*`` and ``blob_*`` left out).

    ``lungs`` is a :class:`Segmentation` (then the ``seg_from_image_*`` features say how much
    of each lung the image showed, as ``lungfield features`` computes them) or a label array
    (0 background, 1 right lung, 2 left lung; the image's shape; every lung taken as seen,
    e.g. expert masks)."""
    return dict(zip(feature_names(), _core.feature_values(image, lungs)))


def segment_folder(
    folder: PathLike, out: Optional[PathLike] = None, prior: Optional[str] = "builtin"
) -> List[tuple]:
    """Segments every image under ``folder`` on all cores; with ``out``, writes
    ``<stem>_mask.png`` as ``lungfield segment`` does. Returns ``(path, flags, error)`` per
    file (``error`` empty when it worked)."""
    return segment_files(
        [str(p) for p in find_images(folder)],
        None if out is None else str(out),
        prior,
    )


def train(
    data: Union[PathLike, Sequence[PathLike]],
    trees: int = 200,
    seed: int = 1,
    harmonise: bool = False,
) -> Model:
    """Trains a TB model on one or more datasets (SZ-CXR layout: ``images/<id>_0.png`` normal,
    ``_1`` TB; each folder a site), as ``lungfield train`` does. ``.save(path)`` writes it.
    ``harmonise=True`` standardises each site's features (``train --harmonise``); such a
    model scores a batch of one site (``score_files``), or single images after
    ``fit_site(paths)`` on the site's images."""
    folders = [data] if isinstance(data, (str, os.PathLike)) else list(data)
    return _core.train([str(d) for d in folders], trees, seed, harmonise)


def feature_table(data: Union[PathLike, Sequence[PathLike]]) -> dict:
    """The features of every image of one or more datasets, on all cores, as a dict a
    ``pandas.DataFrame`` takes: ``pd.DataFrame(t["values"], index=t["ids"],
    columns=t["names"])``. Keys: ``ids``, ``names``, ``values`` (rows x features, float64),
    ``labels``, ``sites``, ``flags``, ``failures`` (``(id, message)``)."""
    folders = [data] if isinstance(data, (str, os.PathLike)) else list(data)
    ids, names, values, labels, sites, flags, failures = _core.feature_table(
        [str(d) for d in folders]
    )
    return {
        "ids": ids,
        "names": names,
        "values": values,
        "labels": labels,
        "sites": sites,
        "flags": flags,
        "failures": failures,
    }


def evaluate(data: PathLike, prior: Optional[str] = "builtin") -> dict:
    """Scores the lungs found in a dataset against its expert masks, as ``lungfield
    evaluate`` does: the summary (``dice_mean``, ``dice_p5``, ``hd95_median_px`` …)."""
    return json.loads(_core.evaluate_json(str(data), prior))
