"""Leakage audit on real data: X Education's leads with every column.

Runs `leadscore audit leads.csv --target Converted --id "Prospect ID"
--missing Select --format json` and checks the contract: a JSON list of
findings, most severe first, each with `column`, `reason` and a figure, and
`Tags` (filled in by sales after talking to the lead) named first.

Usage: python benches/audit_real_data.py [--leadscore target/release/leadscore] [--data ../shared/data]
Exits 1 when Tags is not the first finding. Needs only the standard library.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--leadscore", default=str(REPO / "target" / "release" / "leadscore"))
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    a = ap.parse_args()
    leads = Path(a.data) / "x_education" / "leads.csv"
    if not leads.exists():
        print(f"no real data at {leads}", file=sys.stderr)
        return 1
    cmd = [a.leadscore, "audit", str(leads), "--target", "Converted", "--id", "Prospect ID",
           "--missing", "Select", "--format", "json"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        print(f"FAIL: command failed ({done.returncode}): {' '.join(cmd)}")
        return 1
    findings = json.loads(done.stdout)
    print("X Education, all columns: leadscore audit findings, most severe first")
    for i, f in enumerate(findings, 1):
        print(f"  {i:>2}. {f['column']:<32} {f['reason']:<24} {f['figure']:.3f}  {f['detail']}")
    ok = (
        isinstance(findings, list)
        and len(findings) > 0
        and all({"column", "reason", "figure"} <= set(f) for f in findings)
        and findings[0]["column"] == "Tags"
        and all(findings[i]["severity"] >= findings[i + 1]["severity"] for i in range(len(findings) - 1))
    )
    print(f"  bar: Tags named first: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
