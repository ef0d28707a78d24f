"""Install check: the installed leadscore wheel works with one frame library.

Usage: python bindings/python/install_check.py {pyarrow|polars|pandas}

Run by .ci/install-test in a fresh venv that holds only the wheel, its declared
dependency numpy, and the one frame library named. Asserts the other two are
not importable, trains a Model on synthetic deals built as a frame of that
library, scores leads, and checks the result (same library, columns, rows) and
score_one(dict). Exits non-zero with a message on the first failure.

Not a pytest module (no test_ prefix): it needs a venv of its own.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import traceback
from typing import Any

LIBRARIES = ("pandas", "polars", "pyarrow")
EXPECTED_COLUMNS = ["deal_id", "probability", "points"]
LEADS = 50


def fail(message: str) -> None:
    print(f"install_check: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def kind_of(frame: Any) -> str:
    """The library a frame belongs to: the top module of its type."""
    return type(frame).__module__.split(".")[0]


def columns_of(frame: Any, kind: str) -> list[str]:
    if kind == "pyarrow":
        return list(frame.column_names)
    return [str(c) for c in frame.columns]


def column_values(frame: Any, name: str, kind: str) -> list[Any]:
    if kind == "pandas":
        return list(frame[name].tolist())
    if kind == "polars":
        return list(frame[name].to_list())
    return list(frame.column(name).to_pylist())


def first_row(frame: Any, kind: str) -> dict[str, Any]:
    """The first row as a dict of plain Python values (NaN as None)."""
    if kind == "pandas":
        row = frame.head(1).to_dict(orient="records")[0]
    elif kind == "polars":
        row = frame.row(0, named=True)
    else:
        row = frame.slice(0, 1).to_pylist()[0]
    clean: dict[str, Any] = {}
    for key, value in row.items():
        if hasattr(value, "item"):  # a numpy scalar
            value = value.item()
        if isinstance(value, float) and math.isnan(value):
            value = None
        clean[str(key)] = value
    return clean


def check_only(kind: str) -> None:
    """Only `kind` of the three frame libraries is importable here."""
    if importlib.util.find_spec(kind) is None:
        fail(f"{kind} is not installed")
    others = [lib for lib in LIBRARIES if lib != kind and importlib.util.find_spec(lib) is not None]
    if others:
        fail(f"expected only {kind} of {', '.join(LIBRARIES)}, but {', '.join(others)} importable too")


def check(kind: str) -> None:
    """Fit, score and score_one with frames of `kind`; fail() on a wrong result."""
    import leadscore

    print(f"install_check: leadscore {leadscore.__version__} from {leadscore.__file__}, with {kind} only")
    if "site-packages" not in (leadscore.__file__ or ""):
        fail(f"leadscore was imported from {leadscore.__file__}, not from the installed wheel")

    frame_kind: Any = kind  # a str from the command line, not one of the stub's literals
    deals = leadscore.synthetic_deals(2000, seed=7, kind=frame_kind)
    if kind_of(deals) != kind:
        fail(f"synthetic_deals(kind={kind!r}) gave a {type(deals).__module__}.{type(deals).__name__}")

    model = leadscore.Model.fit(
        deals, target="outcome", positive="Won", id="deal_id", ignore=["created_at", "closed_at"], l2=3.0
    )
    if not model.feature_columns:
        fail("the model has no feature columns")

    leads = leadscore.synthetic_deals(LEADS, seed=99, kind=frame_kind)
    scored = model.score(leads)
    if kind_of(scored) != kind:
        fail(f"score() on a {kind} frame gave a {type(scored).__module__}.{type(scored).__name__}")
    if columns_of(scored, kind) != EXPECTED_COLUMNS:
        fail(f"score() columns are {columns_of(scored, kind)}, expected {EXPECTED_COLUMNS}")
    if len(scored) != LEADS:
        fail(f"score() gave {len(scored)} rows for {LEADS} leads")
    probabilities = column_values(scored, "probability", kind)
    if not all(0.0 <= p <= 1.0 for p in probabilities):
        fail(f"probabilities outside [0, 1]: {probabilities[:5]} ...")
    if column_values(scored, "deal_id", kind) != column_values(leads, "deal_id", kind):
        fail("score() did not keep the leads' deal_id column in order")

    # score_one: the first lead as a dict (no frame) scores as in the frame.
    lead = first_row(leads, kind)
    one = model.score_one(lead)
    for key in ("probability", "points"):
        if key not in one:
            fail(f"score_one() result has no {key!r}: {one}")
    if not math.isclose(one["probability"], probabilities[0], rel_tol=1e-9, abs_tol=1e-12):
        fail(f"score_one() probability {one['probability']} != score() {probabilities[0]} for the same lead")

    print(f"install_check: OK ({kind}): fit, score ({LEADS} rows, {EXPECTED_COLUMNS}) and score_one")


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in LIBRARIES:
        print(__doc__, file=sys.stderr)
        return 2
    kind = argv[1]
    check_only(kind)
    try:
        check(kind)
    except Exception as error:  # an error raised by leadscore: traceback, then one clear line
        traceback.print_exc()
        fail(f"with only {kind} installed: {type(error).__name__}: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
