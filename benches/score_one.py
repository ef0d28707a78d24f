"""One lead at a time from Python: ``Model.score_one(dict)`` against
``Model.score`` on a one-row pandas frame, on synthetic deals.

    python benches/score_one.py [--calls 20000]

Prints microseconds per call and the ratio (informational; the issue's goal
is at most 50 us for score_one from Python).
"""

from __future__ import annotations

import argparse
import timeit

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
    print(f"score_one(dict)            {one * 1e6:8.1f} us")
    print(f"explain_one(dict)          {explain * 1e6:8.1f} us")
    print(f"score(one-row pandas)      {framed * 1e6:8.1f} us  ({framed / one:.0f}x score_one)")


if __name__ == "__main__":
    main()
