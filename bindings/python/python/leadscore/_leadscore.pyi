"""Stub of the native module ``leadscore._leadscore``."""

from collections.abc import Mapping, Sequence
from os import PathLike
from typing import Any, Literal, final

import numpy as np
import numpy.typing as npt

__all__ = ["Model", "Policy", "__version__", "audit", "evaluate", "synthetic_deals"]

__version__: str

def synthetic_deals(
    rows: int, seed: int = 42, *, kind: Literal["pandas", "polars", "pyarrow"] = "pandas"
) -> Any:
    """Seeded synthetic B2B deals with known true effects, as a frame of ``kind``."""

def audit(
    deals: Any,
    *,
    target: str,
    positive: str | Sequence[str] | None = None,
    negative: str | Sequence[str] | None = None,
    id: str | None = None,
    ignore: Sequence[str] = ...,
    missing: Sequence[str] = ...,
    outcome_date: str | None = None,
    seed: int = 0,
) -> Any:
    """Leakage audit: a frame of findings, most severe first (column, reason, figure, ...)."""

def evaluate(
    deals: Any,
    *,
    target: str,
    positive: str | Sequence[str] | None = None,
    negative: str | Sequence[str] | None = None,
    id: str | None = None,
    ignore: Sequence[str] = ...,
    missing: Sequence[str] = ...,
    l2: float | None = None,
    seed: int = 0,
    test_share: float = 0.2,
    time_column: str | None = None,
    folds: int | None = None,
    cut_points: float | None = None,
) -> dict[str, Any]:
    """Held-out evaluation (AUC, log loss, Brier, calibration, lift) as a dict."""

@final
class Model:
    """A trained lead-scoring model: points per attribute, learned from closed deals."""

    @classmethod
    def fit(
        cls,
        deals: Any,
        *,
        target: str,
        positive: str | Sequence[str] | None = None,
        negative: str | Sequence[str] | None = None,
        id: str | None = None,
        ignore: Sequence[str] = ...,
        missing: Sequence[str] = ...,
        l2: float | None = None,
        l2_grid: Sequence[float] | None = None,
        l2_rule: Literal["min", "one-standard-error"] = ...,
        seed: int = 0,
        folds: int = 5,
        time_column: str | None = None,
        random_folds: bool = False,
        numeric: Sequence[str] = ...,
        categorical: Sequence[str] = ...,
        special: Mapping[str, float | Sequence[float]] | None = None,
        min_won: int = 20,
        min_lost: int = 20,
        min_level_count: int = 10,
        max_bins: int = 20,
        drop_leaks: bool = False,
        tolerance: float = 1e-8,
        max_iterations: int = 1000,
        points_to_double_odds: float = 10.0,
        base_points: float = 50.0,
        base_odds: float = 1.0,
    ) -> Model:
        """Learns a model from closed deals (a pandas, polars or pyarrow frame).
        The keyword arguments are the command line's ``train`` flags."""
    def score(self, leads: Any) -> Any:
        """Scores leads: a frame of the same kind with the id column, ``probability`` and ``points``."""
    def score_one(self, lead: dict[str, str | int | float | bool | None]) -> dict[str, Any]:
        """Scores one lead given as a dict (no frame): the id, ``probability``, ``points``
        and ``unseen`` (feature columns holding values never seen in training)."""
    def explain_one(self, lead: dict[str, str | int | float | bool | None], top: int = 5) -> dict[str, Any]:
        """Explains one lead given as a dict: the id, ``points``, ``probability``,
        ``base_points`` and ``contributions`` (dicts of column, attribute, points)."""
    def unseen(self, leads: Any) -> Any:
        """Values of ``leads`` never seen in training (scored as ``(other)``): one row
        per feature column that has any, with ``leads`` and ``examples``."""
    def explain(self, leads: Any, top: int = 5) -> Any:
        """One row per lead and column: the contributions that add up to each lead's points.

        ``row`` is the lead's 1-based row, as every row number of leadscore; the
        id column is there when the leads carry it."""
    def scorecard(self, *, kind: Literal["pandas", "polars", "pyarrow"] = "pandas") -> Any:
        """Points per attribute as a frame."""
    @property
    def base_points(self) -> float:
        """Points every lead starts from on the scorecard."""
    def encode(self, leads: Any) -> npt.NDArray[np.float64]:
        """One-hot encodes leads, one column per attribute."""
    def probabilities(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Probabilities of a win for rows of an encoded array."""
    @property
    def attribute_names(self) -> list[str]:
        """``column: attribute`` of every encoded column."""
    @property
    def feature_columns(self) -> list[str]:
        """Feature column names."""
    @property
    def id_column(self) -> str | None:
        """The id column, or None."""
    @property
    def fingerprint(self) -> str:
        """A short hash of everything that decides a score."""
    @property
    def summary(self) -> dict[str, Any]:
        """The training summary."""
    @classmethod
    def load(cls, path: str | PathLike[str]) -> Model:
        """Reads a model file."""
    @classmethod
    def from_json(cls, text: str) -> Model:
        """Parses a model document."""
    def to_json(self, *, pretty: bool = False) -> str:
        """The model document as JSON text."""
    def save(self, path: str | PathLike[str]) -> None:
        """Writes the model file atomically."""
    def report(
        self,
        deals: Any,
        *,
        format: Literal["html", "md", "json"] = "html",
        title: str | None = None,
        conversion_by: Sequence[str] = ...,
    ) -> str:
        """A report on held-out deals: HTML page, Markdown or JSON text."""
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...

@final
class Policy:
    """A qualification policy: tiers, fit rules, routing with owners and SLAs, sales capacity."""

    @classmethod
    def load(cls, path: str | PathLike[str]) -> Policy:
        """Reads a policy file (TOML)."""
    @classmethod
    def from_toml(cls, text: str) -> Policy:
        """Parses a policy document."""
    @classmethod
    def starter(cls, model: Model, *, capacity: int | None = None) -> Policy:
        """A commented starter policy for the model (``to_toml()`` gives its text)."""
    def to_toml(self) -> str:
        """The policy document as TOML text."""
    def qualify(self, leads: Any, *, model: Model, top: int = 3) -> Any:
        """A decision for every lead (tier, route, owner, SLA, reasons ...), as a frame of the same kind."""
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...
