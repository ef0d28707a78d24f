#!/usr/bin/env python3
"""Checks that the README's evidence tables are the ones the benches print.

Usage: readme_tables.py DIR [--write]

DIR holds the tables the benches wrote (``LEADSCORE_TABLES=DIR``; see
``benches/readme_tables.py``). Every README block

    <!-- table: NAME -->
    | … the table … |
    <!-- /table -->

must hold exactly ``DIR/NAME.md``; a block whose table no bench wrote fails
too. ``--write`` replaces the blocks with the benches' tables instead.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

BLOCK = re.compile(r"(<!-- table: ([a-z0-9_-]+) -->\n)(.*?)(<!-- /table -->)", re.S)


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    write = "--write" in sys.argv[1:]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    tables = Path(args[0])
    readme = Path(__file__).resolve().parent.parent / "README.md"
    text = readme.read_text(encoding="utf-8")
    problems: list[str] = []
    names: list[str] = []

    def replace(m: re.Match[str]) -> str:
        name, shown = m.group(2), m.group(3)
        names.append(name)
        produced = tables / f"{name}.md"
        if not produced.is_file():
            problems.append(f"README table {name}: no bench wrote {produced.name}")
            return m.group(0)
        want = produced.read_text(encoding="utf-8")
        if want != shown:
            if not write:
                diff = "".join(difflib.unified_diff(shown.splitlines(True), want.splitlines(True), "README.md", "bench"))
                problems.append(f"README table {name} differs from what the bench printed:\n{diff}")
            return m.group(1) + want + m.group(4)
        return m.group(0)

    updated = BLOCK.sub(replace, text)
    if not names:
        problems.append("README.md has no <!-- table: NAME --> block")
    if write and updated != text:
        readme.write_text(updated, encoding="utf-8")
        print(f"README.md: {len(names)} tables written")
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print(f"README tables: {len(names)} match the benches ({', '.join(names)})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
