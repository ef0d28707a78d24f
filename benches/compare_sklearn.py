"""leadscore's Python binding against a scikit-learn pipeline, side by side in one run.

Same data (X Education, pre-contact columns, from ../shared/data), same
process for timing, a child process per side for peak memory. Prints ratios:

* fit time: leadscore with l2 chosen by 5-fold CV, and with l2 fixed, against
  scikit-learn's impute + one-hot + LogisticRegression pipeline;
* scoring throughput (rows/s) on a 1M-row pandas DataFrame resampled from the
  pre-contact rows: `model.score(frame)` against `pipeline.predict_proba`;
* peak memory of that scoring job (each side in a fresh child process);
* AUC and log loss on a held-out 20 % (stratified, seed 42).

Bar (issue): scoring >= 10x scikit-learn's rows/s, same or better AUC.

Usage: python benches/compare_sklearn.py [--data ../shared/data] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
POST_CONTACT = [
    "Tags", "Lead Quality", "Lead Profile", "Asymmetrique Activity Index", "Asymmetrique Profile Index",
    "Asymmetrique Activity Score", "Asymmetrique Profile Score", "Last Activity", "Last Notable Activity",
]


def load(data: Path) -> tuple[pd.DataFrame, np.ndarray, list[str], list[str]]:
    """The pre-contact frame as pandas reads it (both sides get this same frame)."""
    df = pd.read_csv(data / "x_education" / "leads.csv", na_values=["Select"])
    df = df.drop(columns=["Lead Number", *POST_CONTACT])
    y = df["Converted"].to_numpy()
    features = [c for c in df.columns if c not in ("Prospect ID", "Converted")]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(df[c])]
    categorical = [c for c in features if c not in numeric]
    return df, y, numeric, categorical


def sklearn_pipeline(numeric: list[str], categorical: list[str]):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="(missing)"),
                              OneHotEncoder(handle_unknown="ignore")), categorical),
    ])
    return make_pipeline(pre, LogisticRegression(max_iter=2000))


def big_frame(df: pd.DataFrame, rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(42)
    return df.iloc[rng.integers(0, len(df), rows)].reset_index(drop=True)


def child(side: str, data: Path, rows: int, model_path: str) -> None:
    """Scores the big frame with one side and prints rows/s and peak RSS (JSON)."""
    import pickle

    df, y, numeric, categorical = load(data)
    frame = big_frame(df, rows)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(model_path, "rb") as f:
        model = pickle.load(f)
    t0 = time.perf_counter()
    if side == "leadscore":
        out = model.score(frame)
        n = len(out)
    else:
        p = model.predict_proba(frame)[:, 1]
        n = len(p)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows_per_s": n / seconds, "seconds": seconds, "peak_mib": peak / 1024,
                      "job_mib": (peak - before) / 1024}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--child", choices=["leadscore", "sklearn"])
    ap.add_argument("--model-path")
    a = ap.parse_args()
    data = Path(a.data)
    if a.child:
        child(a.child, data, a.rows, a.model_path)
        return 0

    import pickle
    import tempfile

    import leadscore
    from sklearn.metrics import log_loss, roc_auc_score
    from sklearn.model_selection import train_test_split

    df, y, numeric, categorical = load(data)
    tr, te = train_test_split(np.arange(len(df)), test_size=0.2, stratify=y, random_state=42)
    train, test = df.iloc[tr], df.iloc[te]
    ls_args = dict(target="Converted", id="Prospect ID")

    t0 = time.perf_counter()
    model = leadscore.Model.fit(train, **ls_args)
    t_ls_cv = time.perf_counter() - t0
    t0 = time.perf_counter()
    leadscore.Model.fit(train, l2=model.summary["l2"] or 1.0, **ls_args)
    t_ls_fixed = time.perf_counter() - t0
    t0 = time.perf_counter()
    pipe = sklearn_pipeline(numeric, categorical).fit(train[numeric + categorical], y[tr])
    t_sk = time.perf_counter() - t0

    p_ls = model.score(test)["probability"].to_numpy()
    p_sk = pipe.predict_proba(test[numeric + categorical])[:, 1]
    auc_ls, auc_sk = roc_auc_score(y[te], p_ls), roc_auc_score(y[te], p_sk)

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for side, obj in (("leadscore", model), ("sklearn", pipe)):
            path = Path(tmp) / f"{side}.pkl"
            path.write_bytes(pickle.dumps(obj))
            out = subprocess.run(
                [sys.executable, __file__, "--child", side, "--data", str(data), "--rows", str(a.rows),
                 "--model-path", str(path)],
                check=True, capture_output=True, text=True,
            )
            results[side] = json.loads(out.stdout.strip().splitlines()[-1])
    ls, sk = results["leadscore"], results["sklearn"]

    print(f"X Education pre-contact: train {len(train)}, held out {len(test)}, scoring {a.rows:,} resampled rows")
    print(f"  {'':34} {'leadscore':>12} {'scikit-learn':>14} {'ratio':>8}")
    print(f"  {'fit, l2 by 5-fold CV (s)':34} {t_ls_cv:>12.2f} {t_sk:>14.2f} {t_ls_cv / t_sk:>7.1f}x")
    print(f"  {'fit, l2 fixed (s)':34} {t_ls_fixed:>12.2f} {t_sk:>14.2f} {t_ls_fixed / t_sk:>7.1f}x")
    print(f"  {'scoring rows/s':34} {ls['rows_per_s']:>12,.0f} {sk['rows_per_s']:>14,.0f} "
          f"{ls['rows_per_s'] / sk['rows_per_s']:>7.1f}x")
    print(f"  {'scoring job peak RSS (MiB)':34} {ls['job_mib']:>12,.0f} {sk['job_mib']:>14,.0f} "
          f"{ls['job_mib'] / max(sk['job_mib'], 1):>7.2f}x")
    print(f"  {'process peak RSS (MiB)':34} {ls['peak_mib']:>12,.0f} {sk['peak_mib']:>14,.0f} "
          f"{ls['peak_mib'] / sk['peak_mib']:>7.2f}x")
    print(f"  {'held-out AUC':34} {auc_ls:>12.4f} {auc_sk:>14.4f} {auc_ls - auc_sk:>+8.4f}")
    print(f"  {'held-out log loss':34} {log_loss(y[te], p_ls):>12.4f} {log_loss(y[te], p_sk):>14.4f}")
    ok = ls["rows_per_s"] >= 10 * sk["rows_per_s"] and auc_ls >= auc_sk
    print(f"  bar: scoring >= 10x scikit-learn's rows/s and AUC >= scikit-learn's: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
