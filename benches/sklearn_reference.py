"""Recomputes the scikit-learn reference figures hard-coded in tests/evidence.rs.

The predictions are fixed and built from integers only (no floating-point
functions), so Rust and numpy see exactly the same numbers:

    a_i = (37 i) mod 101, p_i = (a_i + 0.5) / 102,
    y_i = 1 if a_i + (61 i) mod 53 >= 80 else 0,   i = 0 .. 299

Usage: python benches/sklearn_reference.py   (needs numpy, scikit-learn)
"""

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

i = np.arange(300)
a = (37 * i) % 101
p = (a + 0.5) / 102
y = ((a + (61 * i) % 53) >= 80).astype(int)
print(f"n = {len(y)}, won = {y.sum()}")
print(f"roc_auc_score    = {roc_auc_score(y, p)!r}")
print(f"log_loss         = {log_loss(y, p)!r}")
print(f"brier_score_loss = {brier_score_loss(y, p)!r}")
prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
print(f"calibration prob_true = {list(map(float, prob_true))!r}")
print(f"calibration prob_pred = {list(map(float, prob_pred))!r}")
bins = np.linspace(0.0, 1.0, 11)
ids = np.searchsorted(bins[1:-1], p)
counts = np.bincount(ids, minlength=10)
nz = counts > 0
ece = float(np.sum(counts[nz] * np.abs(prob_pred - prob_true)) / len(y))
print(f"expected calibration error = {ece!r}")
