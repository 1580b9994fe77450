"""Throughput of lungfield from Python against the CLI: both segment the same folder of 100
phantoms (1024 px) on all cores and write the masks.

    python python/examples/throughput.py [--bin target/release/lungfield] [--count 100]
"""

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import lungfield


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/lungfield")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run(
            [a.bin, "phantom", "--count", str(a.count), "--size", str(a.size), "-o", tmp / "ph", "-q"],
            check=True,
            capture_output=True,
        )
        images = tmp / "ph" / "images"
        cli, py = [], []
        for _ in range(a.rounds):
            shutil.rmtree(tmp / "cli", ignore_errors=True)
            t = time.perf_counter()
            subprocess.run([a.bin, "segment", images, "-o", tmp / "cli", "-q"], check=True, capture_output=True)
            cli.append(time.perf_counter() - t)
            shutil.rmtree(tmp / "py", ignore_errors=True)
            t = time.perf_counter()
            results = lungfield.segment_folder(images, out=tmp / "py")
            py.append(time.perf_counter() - t)
            assert all(e == "" for _, _, e in results)
        same = all(
            (tmp / "py" / f.name).read_bytes() == f.read_bytes() for f in (tmp / "cli").iterdir()
        )
        best_cli, best_py = min(cli), min(py)
        print(
            f"{a.count} phantoms of {a.size} px, best of {a.rounds}: CLI {a.count / best_cli:.1f} images/s, "
            f"Python {a.count / best_py:.1f} images/s (Python/CLI {best_cli / best_py:.3f}); masks identical: {same}"
        )


if __name__ == "__main__":
    main()
