"""Write docs/ODD.md's parameter tables from the one schema (`sim.parameter_table()`).

    python scripts/parameter_tables.py            # rewrite the tables in docs/ODD.md
    python scripts/parameter_tables.py --check    # exit 1 if they are out of date

Each table sits between `<!-- parameters:GROUP -->` and `<!-- /parameters -->`;
`tests/test_docs.py` fails when a table differs from what this script writes.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
BLOCK = re.compile(r"(<!-- parameters:(?P<group>[\w.]+) -->\n)(?P<body>.*?)(<!-- /parameters -->)", re.S)


def table(group: str) -> str:
    from sim import parameter_table
    from sim.schema import format_default

    rows = [r for r in parameter_table() if r["group"] == group]
    if not rows:
        raise SystemExit(f"error: docs/ODD.md names a parameter group {group!r} that the schema does not have")
    lines = ["| parameter | default | admissible | meaning | source |", "|---|---|---|---|---|"]
    for r in rows:
        cells = [f"`{r['name']}`", format_default(r["default"]), r["admissible"], r["meaning"], r["source"]]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def render(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + table(m.group("group")) + m.group(4), text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    text = DOC.read_text()
    new = render(text)
    if args.check:
        if new != text:
            print("docs/ODD.md parameter tables are out of date: run python scripts/parameter_tables.py")
            sys.exit(1)
        return
    DOC.write_text(new)


if __name__ == "__main__":
    main()
