"""Result types of leadscore: the HTML report text, and the dicts that
``leadscore.evaluate`` and ``Model.summary`` return, typed."""

from __future__ import annotations

from typing import Any, TypedDict


class HtmlReport(str):
    """The report as one self-contained HTML page (a ``str``: write it to a
    file as it is); shown in a notebook as the report's fragment, whose styles
    are scoped to its root element, so the notebook's own look is untouched.

    >>> report = HtmlReport("<!DOCTYPE html><html>...</html>", "<div>...</div>")
    >>> report.startswith("<!DOCTYPE html>"), report._repr_html_()
    (True, '<div>...</div>')
    """

    fragment: str
    """The report as an HTML fragment to show inside another page."""

    def __new__(cls, page: str, fragment: str) -> HtmlReport:
        """The page ``page``, shown in a notebook as ``fragment``."""
        self = super().__new__(cls, page)
        self.fragment = fragment
        return self

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        """What pickling passes back to ``__new__``."""
        return (str(self), self.fragment)

    def _repr_html_(self) -> str:
        """The fragment, for notebooks (IPython's rich display)."""
        return self.fragment


class Estimate(TypedDict):
    """A figure with its 95 % interval."""

    value: float
    low: float
    high: float


class CalibrationBin(TypedDict):
    """Held-out deals in one band of predicted probability."""

    lower: float
    upper: float
    deals: int
    won: int
    mean_predicted: float
    observed_rate: float


class Decile(TypedDict):
    """One tenth of the held-out deals, ranked by score (the first: highest)."""

    decile: int
    deals: float
    won: float
    rate: float
    lift: float
    cumulative_share: float
    cumulative_gain: float
    cumulative_lift: float


class CutMetrics(TypedDict):
    """Precision and recall of qualifying the deals at ``cut_points`` and above."""

    cut_points: float
    qualified: int
    qualified_share: float
    qualified_won: int
    precision: float
    recall: float


class Evaluation(TypedDict):
    """What ``leadscore.evaluate`` returns: held-out figures of the model the
    parameters train. ``policy`` and ``handset`` are there when measured."""

    protocol: str
    train_rows: int
    test_rows: int
    test_won: int
    base_rate: float
    auc: Estimate
    log_loss: Estimate
    base_log_loss: float
    brier: Estimate
    interval_method: str
    calibration: list[CalibrationBin]
    expected_calibration_error: float
    deciles: list[Decile]
    cut: CutMetrics | None
    policy: dict[str, Any] | None
    handset: dict[str, Any] | None


class CvPoint(TypedDict):
    """Out-of-fold figures of one ``l2`` candidate (``None``: intercept only)."""

    l2: float | None
    log_loss: float
    standard_error: float
    auc: float


class CrossValidation(TypedDict):
    """Cross-validation figures of a training run."""

    folds: int
    seed: int
    rule: str
    auc: float
    log_loss: float
    base_log_loss: float
    grid: list[CvPoint]
    time_column: str | None
    time_column_found: bool
    not_tried: list[float]


class TrainingSummary(TypedDict):
    """What ``Model.summary`` returns: what the model was trained on and how."""

    rows: int
    won: int
    lost: int
    columns_used: list[str]
    columns_excluded: list[str]
    l2: float | None
    l2_choice: str
    cross_validation: CrossValidation | None
    training_auc: float
    seed: int
    warnings: list[str]
