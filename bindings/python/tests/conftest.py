from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import leadscore

KINDS = ["pandas", "polars", "pyarrow"]

# The repository root, and the fixtures the Rust suites share (tests/common).
ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures"


def leadscore_cli() -> Path:
    """The ``leadscore`` command built by ``cargo test`` (in ``CARGO_TARGET_DIR`` when
    set, else ``target/``): fails in CI without it, else skips the test."""
    target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    for build in ("release", "debug"):
        path = target / build / "leadscore"
        if path.exists():
            return path
    if os.environ.get("CI"):
        pytest.fail("the leadscore binary is not built (cargo test builds it)")
    pytest.skip("the leadscore binary is not built")


def policy_path(name: str) -> Path:
    """The file of the policy named `name`, as `common::policy_path` in the
    Rust suites: `example` is the documented examples/policy.toml, every other
    name tests/fixtures/policies/<name>.toml."""
    if name == "example":
        return ROOT / "examples" / "policy.toml"
    return FIXTURES / "policies" / f"{name}.toml"


def policy_names() -> list[str]:
    """Every named policy: the example and each file of tests/fixtures/policies."""
    return ["example", *sorted(p.stem for p in (FIXTURES / "policies").glob("*.toml"))]


@pytest.fixture(scope="session")
def policy_file() -> Callable[[str], Path]:
    """`policy_file(name)`: the path of a shared policy document (see `policy_path`)."""
    return policy_path


@pytest.fixture(scope="session")
def deals() -> Any:
    return leadscore.synthetic_deals(3000, seed=1)


@pytest.fixture(scope="session")
def model(deals: Any) -> leadscore.Model:
    return leadscore.Model.fit(
        deals, target="outcome", positive="Won", id="deal_id", ignore=["created_at", "closed_at"], l2=3.0
    )


@pytest.fixture(scope="session")
def leads() -> Any:
    return leadscore.synthetic_deals(200, seed=99)


def as_kind(frame: Any, kind: str) -> Any:
    """Converts a pandas frame to another kind."""
    if kind == "pandas":
        return frame
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if kind == "pyarrow":
        return table
    import polars as pl

    return pl.from_arrow(table)


def column(frame: Any, name: str) -> list[Any]:
    """A column of any frame kind as a list."""
    kind = type(frame).__module__.split(".")[0]
    if kind == "pandas":
        return frame[name].tolist()
    if kind == "polars":
        return frame[name].to_list()
    return frame.column(name).to_pylist()
