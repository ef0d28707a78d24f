"""Fails when a lower layer of the crate imports a higher one.

Layers, lowest first: error, metrics, util -> data -> model (and the
synthetic generator) -> policy -> evidence -> batch. `lib.rs` (re-exports),
the command line (`src/bin`) and the Python binding sit on top and may use
everything. Doc comments (examples) are not imports and are skipped.
"""

from __future__ import annotations

import pathlib
import re
import sys

LEVEL = {
    "error": 0,
    "metrics": 0,
    "util": 0,
    "data": 1,
    "model": 2,
    "synthetic": 2,
    "policy": 3,
    "evidence": 4,
    "batch": 5,
}

SRC = pathlib.Path(__file__).resolve().parent.parent / "src"
USE = re.compile(r"\bcrate::(\w+)")
GROUP = re.compile(r"\bcrate::\{([^}]*)\}", re.S)


def layer_of(path: pathlib.Path) -> str | None:
    rel = path.relative_to(SRC)
    if rel.parts[0] in ("bin", "lib.rs"):
        return None
    return rel.parts[0].removesuffix(".rs")


def main() -> int:
    problems = []
    for path in sorted(SRC.rglob("*.rs")):
        layer = layer_of(path)
        if layer is None:
            continue
        if layer not in LEVEL:
            problems.append(f"{path}: module {layer!r} has no layer in .ci/layers.py")
            continue
        code = "\n".join(
            line for line in path.read_text().splitlines() if not line.lstrip().startswith("//")
        )
        used = set(USE.findall(code))
        for group in GROUP.findall(code):
            used.update(re.findall(r"(?:^|,)\s*(\w+)", group))
        for module in sorted(used):
            if module in LEVEL and LEVEL[module] > LEVEL[layer]:
                problems.append(
                    f"{path.relative_to(SRC.parent)}: layer {layer!r} imports the higher layer {module!r}"
                )
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return 1
    print(f"layers: {len(list(SRC.rglob('*.rs')))} files, no lower layer imports a higher one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
