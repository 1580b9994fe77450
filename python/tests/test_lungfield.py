"""lungfield from Python against the CLI on the project's phantom fixtures: the same masks
byte for byte, the same features, a model trained in Python scoring as the CLI does, and
clear exceptions on bad input.

The CLI binary is ``$LUNGFIELD_BIN`` (default: ``target/release/lungfield`` in the
repository); it must exist (``cargo build --release``): a missing binary fails the tests.
"""

import csv
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import lungfield

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data-fixtures"
PHANTOMS = FIXTURES / "phantoms"
BIN = Path(os.environ.get("LUNGFIELD_BIN", ROOT / "target" / "release" / "lungfield"))


def cli(*args):
    assert BIN.is_file(), f"the lungfield CLI is missing at {BIN}: run `cargo build --release`"
    return subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True)


def test_reading_gives_numpy_arrays_and_meta():
    img, meta = lungfield.read(FIXTURES / "phantom_gray.png")
    assert img.dtype == np.uint8 and img.ndim == 2
    assert meta["width"] == img.shape[1] and meta["height"] == img.shape[0]
    assert meta["bits"] == 8
    img16, meta16 = lungfield.read(FIXTURES / "phantom_16bit.png")
    assert img16.dtype == np.uint16 and meta16["bits"] == 16


def test_masks_are_byte_identical_to_the_cli(tmp_path):
    out_cli = tmp_path / "cli"
    r = cli("segment", PHANTOMS / "images", "-o", out_cli)
    assert r.returncode == 0, r.stderr
    images = lungfield.find_images(PHANTOMS / "images")
    assert len(images) == 8
    for p in images:
        img, _ = lungfield.read(p)
        seg = lungfield.segment(img)
        assert seg.labels.shape == img.shape and seg.labels.dtype == np.uint8
        assert set(np.unique(seg.labels)) <= {0, 1, 2}
        cli_mask, _ = lungfield.read(out_cli / f"{p.stem}_mask.png")
        assert np.array_equal(seg.mask, cli_mask), p.name
    # The batch helper writes the very same files.
    out_py = tmp_path / "py"
    results = lungfield.segment_folder(PHANTOMS / "images", out=out_py)
    assert [e for _, _, e in results] == [""] * len(images)
    for p in images:
        name = f"{p.stem}_mask.png"
        assert (out_py / name).read_bytes() == (out_cli / name).read_bytes(), name


def test_features_equal_the_cli_csv(tmp_path):
    out = tmp_path / "features.csv"
    r = cli("features", "--data", PHANTOMS, "-o", out)
    assert r.returncode == 0, r.stderr
    with open(out, newline="") as f:
        rows = {row["id"]: row for row in csv.DictReader(f)}
    names = lungfield.feature_names()
    t = lungfield.feature_table(PHANTOMS)
    assert t["names"] == names and t["failures"] == []
    assert t["values"].shape == (len(rows), len(names))
    for i, id_ in enumerate(t["ids"]):
        expected = np.array([float(rows[id_][n]) for n in names])
        assert np.array_equal(t["values"][i], expected), id_
    # One image through the single-image calls: the same values.
    img, _ = lungfield.read(PHANTOMS / "images" / f"{t['ids'][0]}.png")
    seg = lungfield.segment(img)
    one = lungfield.features(img, seg)
    assert list(one) == names
    assert np.array_equal(np.array(list(one.values())), t["values"][0])
    # With bare labels every lung counts as seen: only the seg_from_image_* values differ.
    bare = lungfield.features(img, seg.labels)
    differ = {n for n in names if bare[n] != one[n]}
    assert all(n.startswith("seg_from_image") or n.startswith("rel_") for n in differ), differ


def test_a_model_trained_in_python_scores_like_the_cli(tmp_path):
    data = tmp_path / "train"
    r = cli("phantom", "--count", "40", "--size", "256", "--seed", "5", "-o", data)
    assert r.returncode == 0, r.stderr
    model = lungfield.train(data, trees=40, seed=3)
    assert model.n_train == (20, 20) and model.has_heatmap
    path = tmp_path / "m.lfm"
    model.save(path)
    r = cli("classify", "--json", "--model", path, PHANTOMS / "images")
    assert r.returncode == 0, r.stderr
    by_cli = {x["id"]: x for x in json.loads(r.stdout)["results"]}
    images = lungfield.find_images(PHANTOMS / "images")
    loaded = lungfield.Model.load(path)
    batch = loaded.score_files([str(p) for p in images])
    for p, s in zip(images, batch):
        c = by_cli[p.stem]
        assert s.score == c["score"] and s.probability == c["probability"], p.name
        assert s.label == c["label"] and s.qc == c["qc"]
        one = model.score(lungfield.read(p)[0])
        assert (one.score, one.label) == (s.score, s.label)


def test_a_harmonised_model_scores_a_site_as_the_cli_does(tmp_path):
    sites = []
    for seed in (7, 8):
        d = tmp_path / f"site{seed}"
        r = cli("phantom", "--count", "24", "--size", "256", "--seed", seed, "-o", d)
        assert r.returncode == 0, r.stderr
        sites.append(d)
    model = lungfield.train(sites, trees=30, seed=2, harmonise=True)
    assert model.harmonised
    path = tmp_path / "h.lfm"
    model.save(path)
    new = tmp_path / "new"
    assert cli("phantom", "--count", "24", "--size", "256", "--seed", "9", "-o", new).returncode == 0
    images = lungfield.find_images(new / "images")
    loaded = lungfield.Model.load(path)
    with pytest.raises(lungfield.LungfieldError, match="fit_site"):
        loaded.score(lungfield.read(images[0])[0])
    # Standardised on the batch itself, as `classify` does by default.
    r = cli("classify", "--json", "--model", path, new / "images")
    assert r.returncode == 0, r.stderr
    by_cli = {x["id"]: x for x in json.loads(r.stdout)["results"]}
    for p, s in zip(images, loaded.score_files([str(p) for p in images])):
        assert s.probability == by_cli[p.stem]["probability"], p.name
    # Standardised on a reference folder of the site (`--harmonise-with`).
    r = cli("classify", "--json", "--model", path, "--harmonise-with", sites[0] / "images",
            PHANTOMS / "images")
    assert r.returncode == 0, r.stderr
    by_cli = {x["id"]: x for x in json.loads(r.stdout)["results"]}
    loaded.fit_site([str(p) for p in lungfield.find_images(sites[0] / "images")])
    for p in lungfield.find_images(PHANTOMS / "images"):
        s = loaded.score(lungfield.read(p)[0])
        assert s.probability == by_cli[p.stem]["probability"], p.name
    with pytest.raises(lungfield.LungfieldError, match="without harmonisation"):
        lungfield.train(sites[0], trees=5).fit_site([])


def test_bad_input_raises_a_clear_exception(tmp_path):
    with pytest.raises(lungfield.LungfieldError, match="No such file"):
        lungfield.read(tmp_path / "missing.png")
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes((FIXTURES / "phantom_gray.png").read_bytes()[:300])
    with pytest.raises(lungfield.LungfieldError, match="truncated.png"):
        lungfield.read(truncated)
    with pytest.raises(lungfield.LungfieldError, match="no plausible lungs"):
        lungfield.segment(np.zeros((300, 300), np.uint8))
    with pytest.raises(lungfield.LungfieldError, match="too small"):
        lungfield.segment(np.zeros((8, 8), np.uint8))
    with pytest.raises(TypeError, match="uint8 or uint16"):
        lungfield.segment(np.zeros((64, 64), np.float32))
    with pytest.raises(TypeError):
        lungfield.segment(np.zeros((64, 64, 3), np.uint8))
    img, _ = lungfield.read(FIXTURES / "phantom_gray.png")
    with pytest.raises(TypeError, match="labels"):
        lungfield.features(img, np.zeros(img.shape, np.int32))
    with pytest.raises(lungfield.LungfieldError):
        lungfield.features(img, np.zeros((10, 10), np.uint8))
    broken = tmp_path / "broken.lfm"
    broken.write_text("{not a model")
    with pytest.raises(lungfield.LungfieldError, match="not a lungfield model"):
        lungfield.Model.load(broken)
    # The interpreter is still here and the engine still works.
    assert lungfield.segment(img).labels.shape == img.shape


def test_a_non_contiguous_array_is_read_as_numpy_sees_it():
    img, _ = lungfield.read(FIXTURES / "phantom_gray.png")
    flipped = img[:, ::-1]
    seg = lungfield.segment(flipped)
    assert seg.labels.shape == img.shape
    # The right lung (label 1) lies on the image's left in both.
    cols = np.nonzero(seg.labels == 1)[1]
    assert cols.mean() < img.shape[1] / 2


def test_evaluate_scores_masks_as_the_cli_does(tmp_path):
    r = cli("evaluate", "--data", PHANTOMS, "--json", "-o", tmp_path / "ev")
    assert r.returncode == 0, r.stderr
    by_cli = json.loads(r.stdout)["summary"]
    summary = lungfield.evaluate(PHANTOMS)
    for key in ["n", "n_failed", "dice_mean", "dice_p5", "jaccard_mean", "hd95_median_px", "prior"]:
        assert summary[key] == by_cli[key], key
    assert summary["n"] == 8 and summary["dice_mean"] > 0.8


def test_the_gil_is_released_while_the_engine_works():
    # A Python thread that yields the GIL at every step keeps counting while the main thread
    # is inside a batch call. Had the call held the GIL, the thread could not take a single
    # step until it returned (checked: around `sorted()` of a million floats, a C call that
    # holds the GIL, it takes none); the raised switch interval keeps the main thread from
    # being preempted between reading the counter and entering the call.
    import sys
    import threading
    import time

    images = [str(p) for p in lungfield.find_images(PHANTOMS / "images")] * 4
    ticks = [0]
    running = [True]

    def count():
        while running[0]:
            ticks[0] += 1
            time.sleep(0)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    t = threading.Thread(target=count)
    t.start()
    try:
        time.sleep(0.01)
        before = ticks[0]
        lungfield.segment_files(images)
        during = ticks[0] - before
    finally:
        running[0] = False
        t.join()
        sys.setswitchinterval(interval)
    assert during > 0
