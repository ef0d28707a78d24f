"""The binding reads a frame's cells as the core reads a CSV file.

The quirky fixture (a byte-order mark, CRLF, a no-break space after every
country, spaces around channels, quoted commas and quotes, a line break in
quotes, blank lines) is read by pandas, which keeps the spaces; the binding
trims them as the core CSV reader does, so a model fitted on the pandas,
polars or pyarrow frame of it is the model `leadscore train` fits on the
file.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import leadscore
from conftest import FIXTURES, leadscore_cli

FIXTURE = FIXTURES / "quirky_deals.csv"
FIT = dict(target="outcome", id="deal_id", ignore=["created_at", "closed_at"], l2=3.0)


def _frames() -> dict[str, object]:
    # pandas reads the file as the core does (polars keeps blank lines as
    # rows of nulls, pyarrow refuses a line of spaces); the other kinds are
    # built from its cells, spaces kept.
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    frame = pd.read_csv(FIXTURE)
    return {
        "pandas": frame,
        "polars": pl.from_pandas(frame),
        "pyarrow": pa.Table.from_pandas(frame, preserve_index=False),
    }


def test_frames_fit_the_model_the_cli_fits_on_the_file(tmp_path: Path) -> None:
    cli = leadscore_cli()
    args = [str(cli), "train", str(FIXTURE), "--target", "outcome", "--id", "deal_id"]
    args += ["--ignore", "created_at", "--ignore", "closed_at", "--l2", "3"]
    subprocess.run([*args, "--model", str(tmp_path / "m.json"), "--quiet"], check=True)
    from_file = leadscore.Model.load(tmp_path / "m.json")
    for kind, frame in _frames().items():
        model = leadscore.Model.fit(frame, **FIT)
        assert model.fingerprint == from_file.fingerprint, kind
    card = from_file.scorecard()
    pairs = set(zip(card["column"], card["attribute"]))
    assert ("country", "Germany") in pairs
    assert ("channel", "Web") in pairs
    assert ("campaign", 'ROI Calculator, "v2"') in pairs


def test_scores_agree_across_frame_kinds() -> None:
    frames = _frames()
    model = leadscore.Model.fit(frames["pandas"], **FIT)
    base = model.score(frames["pandas"])["probability"].tolist()
    assert len(base) == 600
    for kind in ("polars", "pyarrow"):
        scores = model.score(frames[kind])
        got = scores["probability"].to_list() if kind == "polars" else scores.column("probability").to_pylist()
        assert got == base, kind
