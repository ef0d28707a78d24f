"""Fails when a source file passes 600 lines, tests not counted.

Counted: every `.rs` file under `src/` and `bindings/python/src/`, up to
its `#[cfg(test)]` module.
"""

from __future__ import annotations

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LIMIT = 600


def main() -> int:
    too_long = []
    for base in (ROOT / "src", ROOT / "bindings" / "python" / "src"):
        for path in sorted(base.rglob("*.rs")):
            lines = path.read_text().splitlines()
            code = next((i for i, l in enumerate(lines) if l.strip() == "#[cfg(test)]"), len(lines))
            if code > LIMIT:
                too_long.append((code, path.relative_to(ROOT)))
    for n, path in too_long:
        print(f"{path}: {n} lines (limit {LIMIT})", file=sys.stderr)
    return 1 if too_long else 0


if __name__ == "__main__":
    sys.exit(main())
