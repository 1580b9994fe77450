#!/usr/bin/env python3
"""Side-by-side kernel timings: OpenCV (../shared/peer/opencv_bench.py) against one or more
lungfield binaries (`lungfield bench`), on the same image, one thread each.

The runs are interleaved (OpenCV, then each binary, REPS times) and each key keeps its best
median over the rounds, on both sides: on a shared machine load comes in bursts, and the
best of several rounds is the figure least touched by it. Prints a Markdown table:
milliseconds and the ratio lungfield / OpenCV of those best figures per binary.

    python3 benches/compare_opencv.py --image ../shared/data/jsrt-dev/images/JPCNN010.png \\
        --reps 5 target/release/lungfield target-v4/release/lungfield
    python3 benches/compare_opencv.py --image IMG --scale 2.9296875 target/release/lungfield
    python3 benches/compare_opencv.py --image IMG target/release/lungfield@baseline \
        target/release/lungfield@avx2 target/release/lungfield

`BINARY@LEVEL` runs the binary with LUNGFIELD_KERNELS=LEVEL (baseline, avx2, avx512): the run-time
dispatch capped at that level.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "..", "..", "shared", "peer", "opencv_bench.py")


def run(cmd, out, rounds):
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    with open(out) as f:
        doc = json.load(f)
    rounds.append(doc["ms"])
    return doc


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--image", required=True)
    ap.add_argument("--scale", default="1")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated keys (default: all)")
    ap.add_argument("--peer", default=PEER, help="path to opencv_bench.py")
    ap.add_argument("binaries", nargs="+", help="lungfield binaries to compare")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    only = ["--only", a.only] if a.only else []
    cv, lf = [], [[] for _ in a.binaries]
    isa = []
    for _ in range(a.reps):
        run([sys.executable, a.peer, "--image", a.image, "--scale", a.scale, "--json", f"{tmp}/cv.json"] + only,
            f"{tmp}/cv.json", cv)
        isa = []
        for b, best in zip(a.binaries, lf):
            b, _, level = b.partition("@")
            if level:
                os.environ["LUNGFIELD_KERNELS"] = level
            else:
                os.environ.pop("LUNGFIELD_KERNELS", None)
            doc = run([b, "bench", "--image", a.image, "--scale", a.scale, "-q", "--json", f"{tmp}/lf.json"] + only,
                      f"{tmp}/lf.json", best)
            isa.append(doc.get("instruction_set", "?"))
    best = lambda rounds, k: min((r[k] for r in rounds if k in r), default=None)
    print("| key | OpenCV | " + " | ".join(f"lungfield {s} | ratio" for s in isa) + " |")
    print("|---|---|" + "---|---|" * len(isa))
    keys = list(cv[0]) + [k for k in lf[0][0] if k not in cv[0]]
    for k in keys:
        c = best(cv, k)
        row = [f"`{k}`", f"{c:.3f}" if c is not None else "—"]
        for rounds in lf:
            v = best(rounds, k)
            r = v / c if (v is not None and c) else None
            row += [f"{v:.3f}" if v is not None else "—",
                    "—" if r is None else (f"**{r:.2f}**" if r <= 1.0 else f"{r:.2f}")]
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
