"""Result frames out of the Python binding: seconds per call, by frame kind.

Scores 1M synthetic leads (`model.score`) and explains 100k of them
(`model.explain`, one row per lead and feature column: text-heavy output)
from a pandas, a polars and a pyarrow frame, best of `--repeat` runs, and
prints seconds per call. With `--compare-with DIR` the same runs are made in
a child process that imports leadscore from DIR first (another build, say a
wheel of an earlier commit installed with `pip install --no-deps --target
DIR`), and the ratio other/this is printed (above 1: this build is faster).

Usage: python benches/frames_out.py [--rows 1000000] [--explain-rows 100000]
       [--repeat 3] [--compare-with DIR]
Needs numpy, pandas, polars and pyarrow beside leadscore.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any


def measure(rows: int, explain_rows: int, repeat: int) -> dict[str, float]:
    import pyarrow as pa
    import polars as pl

    import leadscore

    deals = leadscore.synthetic_deals(20_000, seed=3)
    model = leadscore.Model.fit(
        deals, target="outcome", positive="Won", id="deal_id", ignore=["created_at", "closed_at"], l2=3.0
    )
    leads = leadscore.synthetic_deals(rows, seed=11)
    table = pa.Table.from_pandas(leads, preserve_index=False)
    frames: dict[str, Any] = {"pandas": leads, "polars": pl.from_arrow(table), "pyarrow": table}
    out: dict[str, float] = {}
    for kind, frame in frames.items():
        for what, call in (
            ("score", lambda f=frame: model.score(f)),
            ("explain", lambda f=frame: model.explain(f[:explain_rows] if kind != "pyarrow" else f.slice(0, explain_rows), top=3)),
        ):
            best = float("inf")
            for _ in range(repeat):
                start = time.perf_counter()
                result = call()
                best = min(best, time.perf_counter() - start)
            assert type(result).__module__.split(".")[0] == kind, type(result)
            out[f"{what} {kind}"] = best
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--explain-rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--compare-with", metavar="DIR", help="a directory to import another leadscore from")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # the child's output
    a = ap.parse_args()
    this = measure(a.rows, a.explain_rows, a.repeat)
    if a.json:
        print(json.dumps(this))
        return 0
    other: dict[str, float] = {}
    if a.compare_with:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([a.compare_with, os.environ.get("PYTHONPATH", "")]))
        args = [sys.executable, __file__, "--json", "--rows", str(a.rows), "--explain-rows", str(a.explain_rows)]
        child = subprocess.run([*args, "--repeat", str(a.repeat)], env=env, capture_output=True, text=True, check=True)
        other = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"{a.rows} leads scored, {a.explain_rows} explained (top=3), best of {a.repeat}")
    header = f"{'call':<16}{'this (s)':>10}"
    if other:
        header += f"{'other (s)':>11}{'other/this':>12}"
    print(header)
    for name, seconds in this.items():
        line = f"{name:<16}{seconds:>10.3f}"
        if name in other:
            line += f"{other[name]:>11.3f}{other[name] / seconds:>12.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
