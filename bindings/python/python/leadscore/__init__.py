"""leadscore: learn lead-score points from closed-won and closed-lost deals.

>>> import leadscore
>>> deals = leadscore.synthetic_deals(2000, seed=7)
>>> model = leadscore.Model.fit(deals, target="outcome", positive="Won", id="deal_id",
...                             ignore=["created_at", "closed_at"], l2=3.0)
>>> list(model.score(deals.head(3)).columns)
['deal_id', 'probability', 'points']
"""

from typing import TYPE_CHECKING, Any

from leadscore._leadscore import (
    Model,
    Outcomes,
    Policy,
    Promotion,
    __version__,
    audit,
    evaluate,
    outcomes,
    promote,
    synthetic_closed_loop,
    synthetic_deals,
    synthetic_deals_with_events,
    synthetic_pipeline,
)
from leadscore._results import Evaluation, HtmlReport, TrainingSummary
from leadscore.exceptions import (
    DataError,
    LeadscoreError,
    ModelFormatError,
    ParameterError,
    PolicyError,
    TrainingError,
)

__all__ = [
    "DataError",
    "Evaluation",
    "HtmlReport",
    "LeadscoreError",
    "Model",
    "ModelFormatError",
    "Outcomes",
    "ParameterError",
    "Policy",
    "PolicyError",
    "Promotion",
    "TrainingError",
    "TrainingSummary",
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

if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        # ``leadscore.sklearn`` on first use, so that ``import leadscore``
        # never imports scikit-learn (type checkers: ``import leadscore.sklearn``).
        if name == "sklearn":
            import importlib

            return importlib.import_module("leadscore.sklearn")
        raise AttributeError(f"module 'leadscore' has no attribute {name!r}")
