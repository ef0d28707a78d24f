"""A scikit-learn classifier: ``leadscore.sklearn.LeadScorer``.

:class:`LeadScorer` wraps :meth:`leadscore.Model.fit` so that lead scoring
goes into ``cross_val_score``, ``GridSearchCV``, ``Pipeline`` and ``clone``::

    from sklearn.model_selection import GridSearchCV

    import leadscore
    from leadscore.sklearn import LeadScorer

    deals = leadscore.synthetic_deals(3000, seed=7)
    X = deals.drop(columns=["deal_id", "created_at", "closed_at", "outcome"])
    y = deals["outcome"]                                  # "Won" / "Lost"
    search = GridSearchCV(LeadScorer(), {"l2": [1.0, 3.0, 10.0]}, scoring="roc_auc", cv=3)
    search.fit(X, y)
    search.best_estimator_.model_.scorecard()             # the leadscore.Model

``X`` is a pandas, polars or pyarrow frame (its text, category and boolean
columns are read as leadscore reads them) or a 2-D array or list of rows,
whose columns are then named ``x0``, ``x1``, ... ``y`` holds two classes of
any kind (0/1, booleans, ``"Won"``/``"Lost"``); as everywhere in
scikit-learn the positive class, the one ``predict_proba[:, 1]`` and
``decision_function`` score, is ``classes_[1]``, the greater of the two when
sorted.

Importing this module imports scikit-learn (>= 1.6) and numpy; ``import
leadscore`` does not.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

try:
    from sklearn.base import BaseEstimator, ClassifierMixin  # type: ignore[import-untyped,unused-ignore]
    from sklearn.utils import Tags  # type: ignore[import-untyped,unused-ignore]
    from sklearn.utils.multiclass import (  # type: ignore[import-untyped,unused-ignore]
        check_classification_targets,
        type_of_target,
    )
    from sklearn.utils.validation import (  # type: ignore[import-untyped,unused-ignore]
        assert_all_finite,
        check_consistent_length,
        check_is_fitted,
        column_or_1d,
        validate_data,
    )
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(
        "leadscore.sklearn needs scikit-learn >= 1.6 (pip install 'leadscore[sklearn]'); "
        f"importing it failed: {err}"
    ) from err

from leadscore._leadscore import Model

__all__ = ["LeadScorer"]

_TARGET = "__leadscore_target__"


class LeadScorer(ClassifierMixin, BaseEstimator):  # type: ignore[misc,unused-ignore]
    """Lead scoring (L2 logistic regression with points) as a scikit-learn classifier.

    Every parameter is the keyword argument of the same name of
    :meth:`leadscore.Model.fit`, with the same default; ``fit`` passes them
    on unchanged. Column names (``id``, ``ignore``, ``numeric``, ...) are
    columns of ``X`` (``x0``, ``x1``, ... for an array).

    The defaults are those of ``Model.fit``, including ``min_won=20`` and
    ``min_lost=20``: fewer closed deals of a class than that is refused, in
    every cross-validation fold too. Lower them for small data knowingly.
    With ``prior`` (marketing's points sheet: a frame or a CSV path) the
    sheet's points are the prior the deals move (``prior_strength``), and
    five won and five lost deals are enough.

    Attributes
    ----------
    model_ : leadscore.Model
        The fitted model (scorecard, explanations, report, save ...).
    classes_ : ndarray of shape (2,)
        The two classes of ``y``, sorted; ``classes_[1]`` is the positive
        class (a win).
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the columns of ``X`` seen in ``fit``; only when ``X`` was a
        frame with string column names.
    """

    def __init__(
        self,
        *,
        id: str | None = None,
        ignore: Sequence[str] = (),
        missing: Sequence[str] = (),
        l2: float | None = None,
        l2_grid: Sequence[float] | None = None,
        l2_rule: Literal["min", "one-standard-error"] = "min",
        seed: int = 0,
        folds: int = 5,
        time_column: str | None = None,
        random_folds: bool = False,
        numeric: Sequence[str] = (),
        categorical: Sequence[str] = (),
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
        prior: Any = None,
        prior_strength: float | Literal["auto"] | None = None,
    ) -> None:
        self.id = id
        self.ignore = ignore
        self.missing = missing
        self.l2 = l2
        self.l2_grid = l2_grid
        self.l2_rule = l2_rule
        self.seed = seed
        self.folds = folds
        self.time_column = time_column
        self.random_folds = random_folds
        self.numeric = numeric
        self.categorical = categorical
        self.special = special
        self.min_won = min_won
        self.min_lost = min_lost
        self.min_level_count = min_level_count
        self.max_bins = max_bins
        self.merge_significance = merge_significance
        self.drop_leaks = drop_leaks
        self.tolerance = tolerance
        self.max_iterations = max_iterations
        self.points_to_double_odds = points_to_double_odds
        self.base_points = base_points
        self.base_odds = base_odds
        self.prior = prior
        self.prior_strength = prior_strength

    # -- fitting -----------------------------------------------------------

    def fit(self, X: Any, y: Any, **params: Any) -> LeadScorer:
        """Learns a :class:`leadscore.Model` from the deals ``X`` and their outcomes ``y``.

        There is no ``sample_weight``: ``leadscore.Model.fit`` has no per-deal
        weights. Passing one raises ``TypeError``; leaving it out of the
        signature tells scikit-learn so (``has_fit_parameter`` is false, so
        ``BaggingClassifier`` resamples rows instead of weighting them, and
        ``AdaBoostClassifier`` refuses the estimator up front).
        """
        if "sample_weight" in params:
            raise TypeError(
                "LeadScorer.fit does not support sample_weight: leadscore.Model.fit has no "
                "per-deal weights; fit without sample_weight"
            )
        if params:
            raise TypeError(f"LeadScorer.fit got unexpected keyword argument(s): {', '.join(sorted(params))}")
        frame = _is_frame(X)
        if frame:
            X = _as_frame(X)
            validate_data(self, X, reset=True, skip_check_array=True)
        else:
            X = validate_data(self, X, reset=True, **_ARRAY_CHECKS)
        y = _check_y(y)
        check_consistent_length(X, y)

        classes, encoded = np.unique(y, return_inverse=True)
        if len(classes) != 2:
            seen = ", ".join(repr(c) for c in classes.tolist())
            raise ValueError(
                f"y has {len(classes)} class ({seen}): LeadScorer needs two classes, won and lost deals"
            )
        negative, positive = (str(c) for c in classes)
        if negative == positive:
            raise ValueError(f"the two classes of y, {classes[0]!r} and {classes[1]!r}, have the same text")

        names = self._input_names()
        deals = _named(X, names) if frame else _frame_of_array(X, names)
        target = _TARGET
        while target in names:
            target += "_"
        outcome = np.array([negative, positive], dtype=object)[encoded.ravel()]
        deals = _with_column(deals, target, outcome.tolist())

        self.model_ = Model.fit(deals, target=target, positive=positive, negative=negative, **self._fit_options())
        self.classes_ = classes
        return self

    def _fit_options(self) -> dict[str, Any]:
        options: dict[str, Any] = self.get_params(deep=False)
        for name in ("ignore", "missing", "numeric", "categorical"):
            options[name] = _names(options[name])
        if options["l2_grid"] is not None:
            options["l2_grid"] = [float(v) for v in options["l2_grid"]]
        if options["special"] is not None:
            options["special"] = dict(options["special"])
        return options

    # -- predicting ----------------------------------------------------------

    def predict_proba(self, X: Any) -> npt.NDArray[np.float64]:
        """Probabilities of ``classes_[0]`` (a loss) and ``classes_[1]`` (a win), one row per lead."""
        won = self._score(X, "probability")
        return np.column_stack([1.0 - won, won])

    def predict(self, X: Any) -> npt.NDArray[Any]:
        """``classes_[1]`` where the probability of a win is above 0.5, else ``classes_[0]``."""
        won = self._score(X, "probability")
        classes: npt.NDArray[Any] = self.classes_
        return classes[(won > 0.5).astype(np.intp)]

    def decision_function(self, X: Any) -> npt.NDArray[np.float64]:
        """The leads' points (higher is likelier to win).

        Points are not centred on 0: a lead has even odds at ``base_points``
        when ``base_odds`` is 1 (50 points by default), so
        ``decision_function(X) > 0`` is not ``predict``'s threshold; it ranks
        leads as ``predict_proba`` does.
        """
        return self._score(X, "points")

    def _score(self, X: Any, column: str) -> npt.NDArray[np.float64]:
        check_is_fitted(self)
        if _is_frame(X):
            X = _as_frame(X)
            validate_data(self, X, reset=False, skip_check_array=True)
            leads = _named(X, self._input_names())
        else:
            X = validate_data(self, X, reset=False, **_ARRAY_CHECKS)
            leads = _frame_of_array(X, self._input_names())
        scores = self.model_.score(leads)
        return np.asarray(_column(scores, column), dtype=np.float64)

    def _input_names(self) -> list[str]:
        """The column names leadscore sees: those seen in fit, else ``x0``, ``x1``, ..."""
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            return [str(n) for n in names]
        return [f"x{i}" for i in range(self.n_features_in_)]

    # -- scikit-learn metadata ---------------------------------------------

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # NaN and None are missing values, scored as such
        tags.input_tags.string = True  # text columns are categorical features
        tags.input_tags.categorical = True  # so are category and boolean columns
        tags.classifier_tags.multi_class = False  # won and lost only
        return tags


# Array input: any dtype (text too), NaN allowed (missing), infinity refused.
_ARRAY_CHECKS: dict[str, Any] = {"dtype": None, "ensure_all_finite": "allow-nan"}


def _check_y(y: Any) -> npt.NDArray[Any]:
    y = column_or_1d(y, warn=True)
    if y.dtype.kind == "O":
        for value in y:
            if _missing(value):
                raise ValueError("Input y contains NaN or missing values (None, pd.NA); every deal needs an outcome")
    else:
        assert_all_finite(y, input_name="y")
    check_classification_targets(y)
    kind = type_of_target(y, input_name="y")
    if kind != "binary":
        raise ValueError(
            f"Only binary classification is supported. The type of the target is {kind}; "
            "LeadScorer learns from won and lost deals"
        )
    result: npt.NDArray[Any] = y
    return result


def _names(value: str | Sequence[str]) -> list[str]:
    """A column name or a sequence of them as the list Model.fit takes."""
    return [value] if isinstance(value, str) else list(value)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN
    except TypeError:  # pd.NA
        return True
    except ValueError:  # an array in a cell: not missing
        return False


# -- frames --------------------------------------------------------------


def _kind(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def _is_frame(X: Any) -> bool:
    """A pandas, polars or pyarrow frame, or another object with ``__arrow_c_stream__``
    (converted to a pyarrow table); not an array, list or pandas Series."""
    name = type(X).__name__
    kind = _kind(X)
    if kind in ("pandas", "polars"):
        return name == "DataFrame"
    if kind == "pyarrow":
        return name in ("Table", "RecordBatch")
    return kind != "numpy" and hasattr(X, "__arrow_c_stream__")


def _as_frame(X: Any) -> Any:
    """pandas and polars frames and pyarrow tables as they are; anything else
    with ``__arrow_c_stream__`` as a pyarrow table."""
    kind = _kind(X)
    if kind in ("pandas", "polars") or type(X).__name__ == "Table":
        return X
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

    if isinstance(X, pa.RecordBatch):
        return pa.Table.from_batches([X])
    return pa.table(X)


def _columns(frame: Any) -> list[str]:
    names = frame.column_names if _kind(frame) == "pyarrow" else frame.columns
    return list(names)


def _named(frame: Any, names: list[str]) -> Any:
    """``frame`` with its columns named ``names`` by position: the names seen
    in fit, or ``x0``, ``x1``, ... (validate_data has refused other string
    names than fit's, and warned where fit or this frame had none)."""
    current = _columns(frame)
    if current == names:
        return frame
    kind = _kind(frame)
    if kind == "pandas":
        return frame.set_axis(names, axis=1)
    if kind == "polars":
        return frame.rename(dict(zip(current, names, strict=True)))
    return frame.rename_columns(names)


def _column(frame: Any, name: str) -> Any:
    if _kind(frame) == "pyarrow":
        return frame.column(name).to_numpy()
    return frame[name].to_numpy()


def _with_column(frame: Any, name: str, values: list[str]) -> Any:
    kind = _kind(frame)
    if kind == "pandas":
        return frame.assign(**{name: np.asarray(values, dtype=object)})
    if kind == "polars":
        import polars as pl

        return frame.with_columns(pl.Series(name, values, dtype=pl.String))
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

    return frame.append_column(name, pa.array(values, type=pa.string()))


def _frame_of_array(X: npt.NDArray[Any], names: list[str]) -> Any:
    """A frame of a validated 2-D array: pyarrow when installed, else polars."""
    columns = {name: _values(X[:, i]) for i, name in enumerate(names)}
    if _array_frames() == "pyarrow":
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

        return pa.table(columns)
    import polars as pl

    return pl.DataFrame(columns, strict=False)


def _array_frames() -> Literal["pyarrow", "polars"]:
    """The frame library that arrays and lists are read through."""
    import importlib.util

    if "pyarrow" in sys.modules or importlib.util.find_spec("pyarrow") is not None:
        return "pyarrow"
    if "polars" in sys.modules or importlib.util.find_spec("polars") is not None:
        return "polars"
    raise ImportError("LeadScorer needs pyarrow or polars to read an array or list (pip install pyarrow)")


def _values(column: npt.NDArray[Any]) -> Any:
    """A column of an array as leadscore should read it: numbers (NaN missing),
    booleans, or text (None missing) for strings and mixed objects."""
    if column.dtype.kind in "fiub":
        return np.ascontiguousarray(column)
    values = column.tolist()
    if all(_missing(v) or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values):
        return np.array([np.nan if _missing(v) else float(v) for v in values], dtype=np.float64)
    return [None if _missing(v) else v.decode() if isinstance(v, bytes) else str(v) for v in values]
