"""Stub of the native module ``leadscore._leadscore``.

Frames are typed by kind: a pandas ``DataFrame`` in gives a pandas
``DataFrame`` out, polars (``DataFrame`` or ``LazyFrame``) a polars
``DataFrame``, pyarrow (``Table``, ``RecordBatch``, ``RecordBatchReader``) a
pyarrow ``Table``; any other object with ``__arrow_c_stream__`` a pyarrow
``Table`` too. The frame libraries are imported for type checking only.
"""

from collections.abc import Mapping, Sequence
from os import PathLike
from typing import TYPE_CHECKING, Any, Literal, Protocol, final, overload

import numpy as np
import numpy.typing as npt

from leadscore._results import Evaluation, HtmlReport, TrainingSummary

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped,import-not-found,unused-ignore]
    import polars as pl  # type: ignore[import-not-found,unused-ignore]
    import pyarrow as pa  # type: ignore[import-untyped,import-not-found,unused-ignore]

__all__ = [
    "Model",
    "Outcomes",
    "Policy",
    "Promotion",
    "__version__",
    "audit",
    "evaluate",
    "outcomes",
    "promote",
    "synthetic_closed_loop",
    "synthetic_deals",
    "synthetic_deals_with_events",
    "synthetic_pipeline",
]

__version__: str

class _ArrowStream(Protocol):
    """Anything that exports an Arrow C stream (the Arrow PyCapsule interface).

    pandas and pyarrow ship no types: without their stubs their frames are
    ``Any`` here, and the overloads below that cannot tell them apart say so."""

    def __arrow_c_stream__(self, requested_schema: Any = None, /) -> Any: ...

_Polars = pl.DataFrame | pl.LazyFrame
_PyArrow = pa.Table | pa.RecordBatch | pa.RecordBatchReader
_Frame = pd.DataFrame | _Polars | _PyArrow | _ArrowStream

@overload
def synthetic_deals(rows: int, seed: int = 42, *, kind: Literal["pandas"] = "pandas") -> pd.DataFrame: ...
@overload
def synthetic_deals(rows: int, seed: int = 42, *, kind: Literal["polars"]) -> pl.DataFrame: ...
@overload
def synthetic_deals(rows: int, seed: int = 42, *, kind: Literal["pyarrow"]) -> pa.Table:
    """Seeded synthetic B2B deals with known true effects, as a frame of ``kind``."""

@overload
def synthetic_deals_with_events(
    rows: int, seed: int = 42, *, kind: Literal["pandas"] = "pandas"
) -> tuple[pd.DataFrame, pd.DataFrame]: ...
@overload
def synthetic_deals_with_events(rows: int, seed: int = 42, *, kind: Literal["polars"]) -> tuple[pl.DataFrame, pl.DataFrame]: ...
@overload
def synthetic_deals_with_events(rows: int, seed: int = 42, *, kind: Literal["pyarrow"]) -> tuple[pa.Table, pa.Table]:
    """Seeded synthetic deals and their event log (``deal_id``, ``event``, ``timestamp``)
    with known effects and half-lives per event type, as two frames of ``kind``."""

@overload
def synthetic_pipeline(
    rows: int, seed: int = 42, *, as_of: str = "2025-06-30", kind: Literal["pandas"] = "pandas"
) -> pd.DataFrame: ...
@overload
def synthetic_pipeline(rows: int, seed: int = 42, *, as_of: str = "2025-06-30", kind: Literal["polars"]) -> pl.DataFrame: ...
@overload
def synthetic_pipeline(rows: int, seed: int = 42, *, as_of: str = "2025-06-30", kind: Literal["pyarrow"]) -> pa.Table:
    """Seeded synthetic won, lost and still-open deals as they stood on ``as_of`` (column
    ``stage``: Won, Lost or Open; ``closed_at`` empty while open), with a known time to close."""

@overload
def audit(
    deals: _Polars,
    *,
    target: str,
    positive: str | Sequence[str] | None = None,
    negative: str | Sequence[str] | None = None,
    id: str | None = None,
    ignore: Sequence[str] = ...,
    missing: Sequence[str] = ...,
    outcome_date: str | None = None,
    seed: int = 0,
) -> pl.DataFrame: ...
@overload
def audit(
    deals: _PyArrow,
    *,
    target: str,
    positive: str | Sequence[str] | None = None,
    negative: str | Sequence[str] | None = None,
    id: str | None = None,
    ignore: Sequence[str] = ...,
    missing: Sequence[str] = ...,
    outcome_date: str | None = None,
    seed: int = 0,
) -> pa.Table: ...
@overload
def audit(  # type: ignore[overload-cannot-match,unused-ignore]
    deals: pd.DataFrame,
    *,
    target: str,
    positive: str | Sequence[str] | None = None,
    negative: str | Sequence[str] | None = None,
    id: str | None = None,
    ignore: Sequence[str] = ...,
    missing: Sequence[str] = ...,
    outcome_date: str | None = None,
    seed: int = 0,
) -> pd.DataFrame: ...
@overload
def audit(  # type: ignore[overload-cannot-match,unused-ignore]
    deals: _ArrowStream,
    *,
    target: str,
    positive: str | Sequence[str] | None = None,
    negative: str | Sequence[str] | None = None,
    id: str | None = None,
    ignore: Sequence[str] = ...,
    missing: Sequence[str] = ...,
    outcome_date: str | None = None,
    seed: int = 0,
) -> pa.Table:
    """Leakage audit: a frame of findings, most severe first (column, reason, figure, ...),
    of the same kind as ``deals``."""

def evaluate(
    deals: _Frame,
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
    bootstrap: int = 200,
) -> Evaluation:
    """Held-out evaluation (AUC, log loss, Brier, calibration, lift) as a dict. ``seed``
    picks the held-out deals and the ``bootstrap`` resamples of the intervals, as the
    command's ``--seed`` does: the same seed gives the same figures."""

@final
class Model:
    """A trained lead-scoring model: points per attribute, learned from closed deals."""

    @classmethod
    def fit(
        cls,
        deals: _Frame,
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
        merge_significance: float = 0.01,
        drop_leaks: bool = False,
        tolerance: float = 1e-8,
        max_iterations: int = 1000,
        points_to_double_odds: float = 10.0,
        base_points: float = 50.0,
        base_odds: float = 1.0,
        events: _Frame | None = None,
        as_of: str | None = None,
        event_column: str = ...,
        event_time: str = ...,
        event_value: str | None = None,
        event_half_life: float | None = None,
        open: Sequence[str] = ...,
        created: str | None = None,
        closed: str | None = None,
        horizons: Sequence[int] = ...,
        period_days: int | None = None,
        prior: _Frame | str | PathLike[str] | None = None,
        prior_strength: float | Literal["auto"] | None = None,
    ) -> Model:
        """Learns a model from closed deals (a pandas, polars or pyarrow frame).
        The keyword arguments are the command line's ``train`` flags; with ``events``
        (the event log: the lead id, ``event``, ``timestamp``) and ``as_of`` (the deals'
        as-of column) each event type's points and half-life are learned too
        (``event_half_life``: one fixed half-life in days for every type instead).
        With ``created`` (and ``closed``, ``open``) it also learns when deals close, from
        won, lost and still-open deals; ``as_of`` is then the date the deals stand at and
        ``horizons`` the days of the chances of winning within them (default 90).
        With ``prior`` (marketing's points sheet: a frame of ``column``, ``value`` or
        ``range``, ``points``, or its CSV path) the sheet's points are the prior the deals
        move; ``prior_strength`` ("auto": by cross-validation, or 0 to 1) is how much of
        the sheet the prior keeps, and five won and five lost deals suffice."""
    @overload
    def score(self, leads: _Polars, *, unseen: bool = False, events: _Frame | None = None, at: str | None = None, as_of: str | None = None) -> pl.DataFrame: ...
    @overload
    def score(self, leads: _PyArrow, *, unseen: bool = False, events: _Frame | None = None, at: str | None = None, as_of: str | None = None) -> pa.Table: ...
    @overload
    def score(self, leads: pd.DataFrame, *, unseen: bool = False, events: _Frame | None = None, at: str | None = None, as_of: str | None = None) -> pd.DataFrame: ...  # type: ignore[overload-cannot-match,unused-ignore]
    @overload
    def score(self, leads: _ArrowStream, *, unseen: bool = False, events: _Frame | None = None, at: str | None = None, as_of: str | None = None) -> pa.Table:  # type: ignore[overload-cannot-match,unused-ignore]
        """Scores leads: a frame of the same kind with the id column (when the leads carry it),
        ``probability`` and ``points``; with ``unseen=True`` also ``unseen``, per lead the
        feature columns whose value the model never saw in training (a list, empty for none).
        A model of the time to close adds ``win_within_<H>d`` per horizon, ``win_eventually``
        (then also ``probability``) and ``expected_close``, as of ``as_of`` (default now)."""
    def score_one(
        self,
        lead: dict[str, str | int | float | bool | None],
        *,
        events: Sequence[tuple[str, str]] | None = None,
        at: str | None = None,
    ) -> dict[str, Any]:
        """Scores one lead given as a dict (no frame): the id, ``probability``, ``points``
        ``unseen`` (feature columns holding values never seen in training) and ``rare``
        (those holding values training saw too rarely to learn from). ``events``:
        the lead's own (event type, timestamp) pairs, for a model that learned from an event
        log (only those before the lead's as-of time, else ``at``, else now, count)."""
    def explain_one(
        self,
        lead: dict[str, str | int | float | bool | None],
        top: int = 5,
        *,
        events: Sequence[tuple[str, str]] | None = None,
        at: str | None = None,
    ) -> dict[str, Any]:
        """Explains one lead given as a dict: the id, ``points``, ``probability``,
        ``base_points``, ``unseen`` (feature columns holding values never seen in training),
        ``rare`` (values seen too rarely to learn from) and ``contributions`` (dicts of column, attribute, points); ``events`` and ``at`` as
        for ``score_one``."""
    @overload
    def unseen(self, leads: _Polars) -> pl.DataFrame: ...
    @overload
    def unseen(self, leads: _PyArrow) -> pa.Table: ...
    @overload
    def unseen(self, leads: pd.DataFrame) -> pd.DataFrame: ...  # type: ignore[overload-cannot-match,unused-ignore]
    @overload
    def unseen(self, leads: _ArrowStream) -> pa.Table:  # type: ignore[overload-cannot-match,unused-ignore]
        """Values of ``leads`` scored as ``(other)``: one row per feature column that
        has any, with ``leads`` (values never seen in training), ``examples`` (of
        those) and ``rare_leads`` (values seen in training, but too rarely for
        points of their own)."""
    @overload
    def explain(self, leads: _Polars, top: int = 5, *, events: _Frame | None = None, at: str | None = None) -> pl.DataFrame: ...
    @overload
    def explain(self, leads: _PyArrow, top: int = 5, *, events: _Frame | None = None, at: str | None = None) -> pa.Table: ...
    @overload
    def explain(self, leads: pd.DataFrame, top: int = 5, *, events: _Frame | None = None, at: str | None = None) -> pd.DataFrame: ...  # type: ignore[overload-cannot-match,unused-ignore]
    @overload
    def explain(self, leads: _ArrowStream, top: int = 5, *, events: _Frame | None = None, at: str | None = None) -> pa.Table:  # type: ignore[overload-cannot-match,unused-ignore]
        """One row per lead and column: the contributions that add up to each lead's points.

        ``row`` is the lead's 1-based row, as every row number of leadscore; the
        id column is there when the leads carry it."""
    @overload
    def scorecard(self, *, kind: Literal["pandas"] = "pandas") -> pd.DataFrame: ...
    @overload
    def scorecard(self, *, kind: Literal["polars"]) -> pl.DataFrame: ...
    @overload
    def scorecard(self, *, kind: Literal["pyarrow"]) -> pa.Table:
        """Points per attribute as a frame."""
    @property
    def prior(self) -> dict[str, Any] | None:
        """How the model started from a points sheet: ``strength``, ``candidates``, per
        attribute ``sheet_points``, ``learned_points``, ``learned_interval``, ``moved``,
        and the sheet rules the deals cannot use (``problems``); None without a sheet."""
    @property
    def events(self) -> list[dict[str, Any]]:
        """The event types learned from an event log (empty for none): ``event``,
        ``points_at_0``, ``half_life_days``, their intervals and training counts."""
    @property
    def base_points(self) -> float:
        """Points every lead starts from on the scorecard."""
    def encode(self, leads: _Frame) -> npt.NDArray[np.float64]:
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
    def summary(self) -> TrainingSummary:
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
    @overload
    def report(
        self,
        deals: _Frame,
        *,
        format: Literal["html"] = "html",
        title: str | None = None,
        conversion_by: Sequence[str] = ...,
    ) -> HtmlReport: ...
    @overload
    def report(
        self,
        deals: _Frame,
        *,
        format: Literal["fragment", "md", "json"],
        title: str | None = None,
        conversion_by: Sequence[str] = ...,
    ) -> str:
        """A report on held-out deals: the HTML page (an ``HtmlReport``, a ``str`` shown in a
        notebook as the fragment), the HTML fragment alone (styles scoped to its root
        element), Markdown or JSON text."""
    def _repr_html_(self) -> str:
        """A compact HTML summary for notebooks: target, deals won and lost, features, AUC,
        fingerprint."""
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
    @overload
    def qualify(self, leads: _Polars, *, model: Model, top: int = 3, as_of: str | None = None) -> pl.DataFrame: ...
    @overload
    def qualify(self, leads: _PyArrow, *, model: Model, top: int = 3, as_of: str | None = None) -> pa.Table: ...
    @overload
    def qualify(self, leads: pd.DataFrame, *, model: Model, top: int = 3, as_of: str | None = None) -> pd.DataFrame: ...  # type: ignore[overload-cannot-match,unused-ignore]
    @overload
    def qualify(self, leads: _ArrowStream, *, model: Model, top: int = 3, as_of: str | None = None) -> pa.Table:  # type: ignore[overload-cannot-match,unused-ignore]
        """A decision for every lead (tier, route, owner, SLA, reasons ...), as a frame of the same kind;
        share and capacity tiers need as many leads as they cut, or frozen cuts (``freeze``).
        With a model of the time to close, also ``win_within_<H>d``, ``win_eventually`` and
        ``expected_close`` as of ``as_of`` (default now), and a policy may rank by them (``rank_by``)."""
    def freeze(self, leads: _Frame, *, model: Model, as_of: str | None = None) -> Policy:
        """This policy with its share and capacity tiers frozen into point thresholds from a reference batch."""
    def with_cuts(self, cuts: dict[str, Any] | str | PathLike[str]) -> Policy:
        """This policy deciding against frozen cuts: a dict as ``cuts`` gives, or a cuts file."""
    @property
    def cuts(self) -> dict[str, Any] | None:
        """The frozen cuts as a dict (``reference``: ``leads``, ``frozen_at``, ``fingerprint``), or None."""
    def decide_one(
        self, lead: dict[str, str | int | float | bool | None], *, model: Model, top: int = 3
    ) -> dict[str, Any]:
        """The decision for one lead given as a dict, the one ``qualify`` gives on a one-row frame."""
    @classmethod
    def _restore(cls, text: str, cuts: str | None) -> Policy: ...
    def __reduce__(self) -> tuple[Any, tuple[str, str | None]]: ...

@final
class Outcomes:
    """What happened to the decisions: frames per tier (and per route, owner or month),
    the rejections and the rows that could not be used. Frames are of the kind of
    ``decisions`` (pandas when it is a path)."""

    @property
    def tiers(self) -> Any:
        """One row per tier, the best first, then ``all``: leads, touched, within_sla,
        median_hours_to_touch, p95_hours_to_touch, win_rate (with win_rate_low/high),
        win_rate_within_sla, win_rate_after_sla, win_rate_untouched, speed_effect (with
        its interval and the unadjusted difference), rejected, mean_points."""
    def groups(self, by: Literal["tier", "route", "owner", "month"]) -> Any:
        """The same figures per route, owner or month (as asked for with ``by=``)."""
    @property
    def rejections(self) -> Any:
        """Rejections by tier and reason: leads, mean_points, tier_median_points, model_agreed, won, lost."""
    @property
    def problems(self) -> Any:
        """The first rows that could not be used: file, row, column, value, problem."""
    @property
    def problem_counts(self) -> list[tuple[str, str, int]]:
        """Every row that could not be used, counted: (file, problem, rows)."""
    @property
    def leads(self) -> int:
        """Decided leads."""
    def to_dict(self) -> dict[str, Any]:
        """Everything, as ``leadscore outcomes --format json`` writes it."""
    def to_json(self) -> str:
        """The JSON of ``leadscore outcomes --format json``."""
    def to_html(self) -> str:
        """A self-contained HTML page (tier funnel, hours to first touch against each SLA, tables)."""
    def to_markdown(self) -> str:
        """Markdown."""
    def _repr_html_(self) -> str: ...

def outcomes(
    decisions: _Frame | str | PathLike[str],
    touches: _Frame | str | PathLike[str],
    deals: _Frame | str | PathLike[str],
    *,
    id: str,
    by: Sequence[Literal["tier", "route", "owner", "month"]] = ...,
    created: str | None = None,
    outcome: str = "outcome",
    positive: str | Sequence[str] | None = None,
    negative: str | Sequence[str] | None = None,
    open: str | Sequence[str] | None = None,
    no_deal: Literal["open", "lost"] = "open",
    bands: int = 5,
) -> Outcomes:
    """What happened to each decision: ``decisions`` (``Policy.qualify``'s frame, its CSV,
    or a decision log ``.jsonl``), ``touches`` (id, ``touched_at``, optionally ``owner``
    and ``reason``) and ``deals`` (id, ``outcome`` won/lost/open, optionally
    ``closed_at``), joined on ``id``."""

@final
class Promotion:
    """The gate's verdict on a retrained model, with both models side by side."""

    @property
    def passed(self) -> bool:
        """Whether the candidate passed every check."""
    @property
    def reasons(self) -> list[str]:
        """Why it was refused (empty when it passed)."""
    @property
    def checks(self) -> list[tuple[str, bool]]:
        """Every check of the gate: (what, passed)."""
    @property
    def comparison(self) -> list[tuple[str, float, float]]:
        """(metric, active, candidate) for auc, log_loss, brier, calibration_error, lift."""
    def to_dict(self) -> dict[str, Any]:
        """Everything, as ``leadscore promote --format json`` writes it."""
    def __bool__(self) -> bool: ...

def promote(
    active: Model,
    candidate: Model,
    recent: _Frame | str | PathLike[str],
    *,
    target: str | None = None,
    positive: str | Sequence[str] | None = None,
    negative: str | Sequence[str] | None = None,
    gate: Mapping[str, float | int | None] | str | PathLike[str] | None = None,
    policy: Policy | None = None,
    seed: int = 0,
    log: str | PathLike[str] | None = None,
    active_file: str | None = None,
    candidate_file: str | None = None,
) -> Promotion:
    """Scores both models on recent closed deals and applies the gate (default: AUC at least
    95 % of the active model's, log loss within its interval); with ``log``, appends the
    verdict and both fingerprints to that promotion log."""

@overload
def synthetic_closed_loop(
    rows: int, seed: int = 42, *, speed_effect: float = 0.1, kind: Literal["pandas"] = "pandas"
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]: ...
@overload
def synthetic_closed_loop(
    rows: int, seed: int = 42, *, speed_effect: float = 0.1, kind: Literal["polars"]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]: ...
@overload
def synthetic_closed_loop(
    rows: int, seed: int = 42, *, speed_effect: float = 0.1, kind: Literal["pyarrow"]
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Seeded synthetic decisions, touches and deals with a known effect of touching within the SLA."""
