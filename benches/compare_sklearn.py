"""leadscore's Python binding against a scikit-learn pipeline, side by side in one run.

Same data (X Education, pre-contact columns, from ../shared/data), same
process for timing, a child process per side for peak memory. Prints ratios:

* fit time: leadscore with l2 chosen by 5-fold CV, and with l2 fixed, against
  scikit-learn's impute + one-hot + LogisticRegression pipeline;
* scoring throughput (rows/s) on a 1M-row pandas DataFrame resampled from the
  pre-contact rows: `model.score(frame)` against `pipeline.predict_proba`,
  with the frame's text as pandas 3 holds it (Arrow strings) and as pandas 2
  holds it (`object` columns of Python strings, each value one object as
  `read_csv` makes them), both in this run;
* peak memory of that scoring job (each side in a fresh child process; the
  speed is the best of three runs of the job there);
* AUC and log loss on a held-out 20 % (stratified, seed 42).

Bar (issues): scoring >= 10x scikit-learn's rows/s on both frames, the
scoring job's peak memory on the object frame no more than scikit-learn's,
the same scores from both frames, and the same or better AUC.

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


def load(data: Path, text: str = "arrow") -> tuple[pd.DataFrame, np.ndarray, list[str], list[str]]:
    """The pre-contact frame as pandas reads it (both sides get this same
    frame); ``text="object"``: its text columns read as pandas 2 reads them,
    Python string objects (one per distinct value, as its CSV reader makes
    them)."""
    path = data / "x_education" / "leads.csv"
    df = pd.read_csv(path, na_values=["Select"])
    if text == "object":
        strings = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
        df = pd.read_csv(path, na_values=["Select"], dtype={c: object for c in strings})
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


def child(side: str, data: Path, rows: int, model_path: str, text: str, scores: str | None) -> None:
    """Scores the big frame with one side and prints rows/s and peak RSS
    (JSON); leadscore's points go to ``scores`` (a .npy file) when given."""
    import pickle

    df, y, numeric, categorical = load(data, text)
    frame = big_frame(df, rows)
    if text == "object":
        assert frame["Lead Source"].dtype == object, frame["Lead Source"].dtype
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(model_path, "rb") as f:
        model = pickle.load(f)
    # The best of three runs of the same job (the first also pays for
    # first-touch memory and thread start-up), for both sides alike.
    seconds = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        if side == "leadscore":
            out = model.score(frame)
            n = len(out)
            seconds = min(seconds, time.perf_counter() - t0)
            if scores:
                np.save(scores, out["points"].to_numpy())
            del out
        else:
            p = model.predict_proba(frame)[:, 1]
            n = len(p)
            seconds = min(seconds, time.perf_counter() - t0)
            del p
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows_per_s": n / seconds, "seconds": seconds, "peak_mib": peak / 1024,
                      "job_mib": (peak - before) / 1024}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--child", choices=["leadscore", "sklearn"])
    ap.add_argument("--model-path")
    ap.add_argument("--text", choices=["arrow", "object"], default="arrow")
    ap.add_argument("--scores")
    a = ap.parse_args()
    data = Path(a.data)
    if a.child:
        child(a.child, data, a.rows, a.model_path, a.text, a.scores)
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
            for text in ("arrow", "object"):
                extra = ["--scores", str(Path(tmp) / f"{text}.npy")] if side == "leadscore" else []
                out = subprocess.run(
                    [sys.executable, __file__, "--child", side, "--data", str(data), "--rows", str(a.rows),
                     "--model-path", str(path), "--text", text, *extra],
                    check=True, capture_output=True, text=True,
                )
                results[side, text] = json.loads(out.stdout.strip().splitlines()[-1])
        same = bool(np.array_equal(np.load(Path(tmp) / "arrow.npy"), np.load(Path(tmp) / "object.npy")))

    print(f"X Education pre-contact: train {len(train)}, held out {len(test)}, scoring {a.rows:,} resampled rows")
    print(f"  {'':40} {'leadscore':>12} {'scikit-learn':>14} {'ratio':>8}")
    print(f"  {'fit, l2 by 5-fold CV (s)':40} {t_ls_cv:>12.2f} {t_sk:>14.2f} {t_ls_cv / t_sk:>7.1f}x")
    print(f"  {'fit, l2 fixed (s)':40} {t_ls_fixed:>12.2f} {t_sk:>14.2f} {t_ls_fixed / t_sk:>7.1f}x")
    ok = auc_ls >= auc_sk and same
    for text, label in (("arrow", "pandas 3 strings"), ("object", "pandas 2 objects")):
        ls, sk = results["leadscore", text], results["sklearn", text]
        print(f"  {'scoring rows/s, ' + label:40} {ls['rows_per_s']:>12,.0f} {sk['rows_per_s']:>14,.0f} "
              f"{ls['rows_per_s'] / sk['rows_per_s']:>7.1f}x")
        print(f"  {'scoring job peak RSS (MiB), ' + label:40} {ls['job_mib']:>12,.0f} {sk['job_mib']:>14,.0f} "
              f"{ls['job_mib'] / max(sk['job_mib'], 1):>7.2f}x")
        print(f"  {'process peak RSS (MiB), ' + label:40} {ls['peak_mib']:>12,.0f} {sk['peak_mib']:>14,.0f} "
              f"{ls['peak_mib'] / sk['peak_mib']:>7.2f}x")
        ok = ok and ls["rows_per_s"] >= 10 * sk["rows_per_s"]
        if text == "object":
            ok = ok and ls["job_mib"] <= sk["job_mib"]
    print(f"  {'held-out AUC':40} {auc_ls:>12.4f} {auc_sk:>14.4f} {auc_ls - auc_sk:>+8.4f}")
    print(f"  {'held-out log loss':40} {log_loss(y[te], p_ls):>12.4f} {log_loss(y[te], p_sk):>14.4f}")
    print(f"  the same points from both frames: {'yes' if same else 'NO'}")
    print("  bar: scoring >= 10x scikit-learn's rows/s on both frames, job memory on objects <= scikit-learn's,")
    print(f"       the same points, AUC >= scikit-learn's: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
