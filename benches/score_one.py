"""One lead at a time from Python: ``Model.score_one(dict)``,
``explain_one`` and ``Policy.decide_one`` (the example policy, its capacity
tier frozen from 3,000 leads) against ``Model.score`` and ``Policy.qualify``
on a one-row pandas frame, on synthetic deals.

    python benches/score_one.py [--calls 20000]

Prints microseconds per call and the ratios (informational; the goal is at
most 50 us per lead from Python).
"""

from __future__ import annotations

import argparse
import timeit
from pathlib import Path

import leadscore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    deals = leadscore.synthetic_deals(3000, seed=1)
    model = leadscore.Model.fit(
        deals, target="outcome", positive="Won", id="deal_id", ignore=["created_at", "closed_at"], l2=3.0
    )
    lead = {c: (v.item() if hasattr(v, "item") else v) for c, v in deals.iloc[0].items()}
    frame = deals.iloc[[0]]
    assert model.score_one(lead)["points"] == model.score(frame)["points"].iloc[0]
    one = timeit.timeit(lambda: model.score_one(lead), number=args.calls) / args.calls
    explain = timeit.timeit(lambda: model.explain_one(lead, top=3), number=args.calls) / args.calls
    calls = max(args.calls // 100, 20)
    framed = timeit.timeit(lambda: model.score(frame), number=calls) / calls
    policy = leadscore.Policy.load(Path(__file__).resolve().parent.parent / "examples" / "policy.toml")
    policy = policy.freeze(deals, model=model)
    assert policy.decide_one(lead, model=model)["tier"] == policy.qualify(frame, model=model)["tier"].iloc[0]
    decide = timeit.timeit(lambda: policy.decide_one(lead, model=model), number=args.calls) / args.calls
    qualified = timeit.timeit(lambda: policy.qualify(frame, model=model), number=calls) / calls
    print(f"score_one(dict)            {one * 1e6:8.1f} us")
    print(f"explain_one(dict)          {explain * 1e6:8.1f} us")
    print(f"decide_one(dict)           {decide * 1e6:8.1f} us")
    print(f"score(one-row pandas)      {framed * 1e6:8.1f} us  ({framed / one:.0f}x score_one)")
    print(f"qualify(one-row pandas)    {qualified * 1e6:8.1f} us  ({qualified / decide:.0f}x decide_one)")


if __name__ == "__main__":
    main()
