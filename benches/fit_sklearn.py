"""Training speed and memory: `leadscore train` against scikit-learn, side by side in one run.

The same CSV goes through `leadscore train` and through a Python process
doing `pandas.read_csv` -> the impute + one-hot + LogisticRegression
pipeline's `fit` (benches/compare_sklearn.py), each job a fresh process
pinned to one core (`taskset -c 0`), started by a small launcher that reads
its user CPU time and peak resident memory from the kernel (wait4), after a
5 s pause. Data: X Education pre-contact rows (../shared/data); the big
file is those rows resampled with replacement (seed 42).

Jobs:
  (a) X Education (9,240 deals), l2 chosen by 5-fold cross-validation over
      leadscore's default 13-value grid, against scikit-learn's
      GridSearchCV over the same grid (C = 1/l2, 5 stratified folds,
      log loss, refit on all rows);
  (b) 1M deals, a fixed l2 = 1 (C = 1);
  (c) 1M deals, l2 by cross-validation, against (b)'s single scikit-learn fit.

Goals (issue; ratios of user CPU, one core): (a) >= 5x, (b) >= 10x with a
lower peak memory, (c) faster than scikit-learn's single fit. Speed is
reported, not enforced (--enforce makes a missed goal exit 1); a failed job
always exits 1.

Usage: python benches/fit_sklearn.py [--data ../shared/data] [--rows 1000000]
       [--leadscore target/release/leadscore] [--enforce]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benches"))
from compare_sklearn import POST_CONTACT  # noqa: E402

# leadscore's default grid (model::params::default_l2_grid): 0.01 to 10 000.
L2_GRID = [10 ** (k / 2) for k in range(-4, 9)]

SKLEARN_JOB = """
import sys
sys.path.insert(0, sys.argv[1])
import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from compare_sklearn import sklearn_pipeline
path, mode = sys.argv[2], sys.argv[3]
df = pd.read_csv(path, na_values=["Select"])
y = df["Converted"].to_numpy()
features = [c for c in df.columns if c not in ("Prospect ID", "Converted")]
numeric = [c for c in features if pd.api.types.is_numeric_dtype(df[c])]
categorical = [c for c in features if c not in numeric]
df[categorical] = df[categorical].astype(object)
pipe = sklearn_pipeline(numeric, categorical)
if mode == "grid":
    grid = [float(c) for c in sys.argv[4].split(",")]
    search = GridSearchCV(pipe, {"logisticregression__C": grid}, scoring="neg_log_loss",
                          cv=StratifiedKFold(5, shuffle=True, random_state=0), n_jobs=1, refit=True)
    search.fit(df[features], y)
else:
    pipe.set_params(logisticregression__C=float(mode)).fit(df[features], y)
"""

# A fresh process per job, started by a launcher so that the job's peak
# memory is its own (a child forked from this process starts at ours).
LAUNCHER = """
import os, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - t0
if os.waitstatus_to_exitcode(status) != 0:
    sys.stderr.write(proc.stderr.read().decode())
    sys.exit(1)
print(wall, usage.ru_utime, usage.ru_maxrss / 1024.0)
"""

SETTLE_SECONDS = 5


def run_job(cmd: list[str]) -> tuple[float, float, float]:
    """(wall s, user CPU s, peak MiB) of `cmd` pinned to CPU 0."""
    time.sleep(SETTLE_SECONDS)
    out = subprocess.run([sys.executable, "-c", LAUNCHER, "taskset", "-c", "0", *cmd],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    wall, user, rss = out.stdout.split()
    return float(wall), float(user), float(rss)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--leadscore", default=str(REPO / "target" / "release" / "leadscore"))
    ap.add_argument("--enforce", action="store_true", help="exit 1 when a speed goal is missed")
    a = ap.parse_args()
    binary = str(Path(a.leadscore).resolve())
    work = Path(tempfile.mkdtemp(prefix="leadscore-fit-"))
    try:
        df = pd.read_csv(Path(a.data) / "x_education" / "leads.csv", dtype=str, keep_default_na=False)
        df = df.drop(columns=["Lead Number", *POST_CONTACT])
        small, big = work / "deals.csv", work / "big.csv"
        df.to_csv(small, index=False)
        rng = np.random.default_rng(42)
        df.iloc[rng.integers(0, len(df), a.rows)].to_csv(big, index=False)
        print(f"X Education pre-contact: {len(df):,} deals; resampled: {a.rows:,} deals, "
              f"{big.stat().st_size / 2**20:.0f} MiB CSV (seed 42)", flush=True)

        train = [binary, "train", "--target", "Converted", "--id", "Prospect ID", "--missing", "Select",
                 "--quiet", "--model", str(work / "model.json")]
        sk = [sys.executable, "-c", SKLEARN_JOB, str(REPO / "benches")]
        grid = ",".join(repr(1 / l2) for l2 in L2_GRID)
        jobs = {
            "a_ls": [*train, str(small)],
            "a_sk": [*sk, str(small), "grid", grid],
            "b_ls": [*train, str(big), "--l2", "1"],
            "b_sk": [*sk, str(big), "1.0"],
            "c_ls": [*train, str(big)],
        }
        r = {}
        for name, cmd in jobs.items():
            r[name] = run_job(cmd)
            print(f"  {name}: wall {r[name][0]:.2f} s, user {r[name][1]:.2f} s, peak {r[name][2]:.0f} MiB",
                  flush=True)

        rows = [
            ("(a) X Education, CV over 13 l2", "a_ls", "a_sk", "GridSearchCV, 13 C, 5 folds"),
            (f"(b) {a.rows:,} deals, l2 = 1", "b_ls", "b_sk", "one fit, C = 1"),
            (f"(c) {a.rows:,} deals, CV over 13 l2", "c_ls", "b_sk", "one fit, C = 1"),
        ]
        print(f"\n{'job (one core)':<36} {'leadscore user s':>16} {'scikit-learn user s':>20} "
              f"{'speed-up':>9} {'peak MiB (ls / sk)':>20}")
        ratios = {}
        for label, ls, skj, what in rows:
            speed = r[skj][1] / r[ls][1]
            ratios[ls[0]] = (speed, r[ls][2] / r[skj][2])
            print(f"{label:<36} {r[ls][1]:>16.2f} {r[skj][1]:>20.2f} {speed:>8.1f}x "
                  f"{r[ls][2]:>9.0f} / {r[skj][2]:<9.0f} ({what})")
        goals = [
            ("(a) CV >= 5x scikit-learn's grid search", ratios["a"][0] >= 5),
            ("(b) fixed l2 >= 10x scikit-learn's fit", ratios["b"][0] >= 10),
            ("(b) peak memory below scikit-learn's", ratios["b"][1] < 1),
            ("(c) CV on the big file faster than scikit-learn's single fit", ratios["c"][0] > 1),
        ]
        print()
        for goal, met in goals:
            print(f"  {goal}: {'met' if met else 'MISSED'}")
        return 0 if all(m for _, m in goals) or not a.enforce else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
