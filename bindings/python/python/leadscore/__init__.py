"""leadscore: learn lead-score points from closed-won and closed-lost deals.

>>> import leadscore
>>> deals = leadscore.synthetic_deals(2000, seed=7)
>>> model = leadscore.Model.fit(deals, target="outcome", positive="Won", id="deal_id",
...                             ignore=["created_at", "closed_at"], l2=3.0)
>>> list(model.score(deals.head(3)).columns)
['deal_id', 'probability', 'points']
"""

from leadscore._leadscore import Model, Policy, __version__, audit, evaluate, synthetic_deals
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
    "LeadscoreError",
    "Model",
    "ModelFormatError",
    "ParameterError",
    "Policy",
    "PolicyError",
    "TrainingError",
    "__version__",
    "audit",
    "evaluate",
    "synthetic_deals",
]
