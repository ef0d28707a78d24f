"""Evidence tables the README shows, rendered by the bench that measures them.

A bench calls :func:`table` with a name, the header and the rows: the table
is printed, and when ``LEADSCORE_TABLES`` names a directory it is also
written there as ``<name>.md``. ``.ci/readme_tables.py`` then checks that the
README's block ``<!-- table: <name> -->`` … ``<!-- /table -->`` holds exactly
that table (``--write`` puts it there), so the README's figures are the ones
the benches print.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence


def render(header: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """The Markdown table of ``header`` and ``rows``; ``align`` holds one
    letter per column: ``l`` left, ``r`` right."""
    if len(align) != len(header) or any(len(r) != len(header) for r in rows):
        raise ValueError("every row needs one cell per column, and align one letter per column")
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def table(name: str, header: Sequence[str], rows: Sequence[Sequence[str]], align: str | None = None) -> str:
    """Prints the table and writes it as ``$LEADSCORE_TABLES/<name>.md``."""
    text = render(header, rows, align or "l" * len(header))
    print(f"\nREADME table {name}:\n{text}", end="", flush=True)
    out = os.environ.get("LEADSCORE_TABLES")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / f"{name}.md").write_text(text, encoding="utf-8")
    return text
