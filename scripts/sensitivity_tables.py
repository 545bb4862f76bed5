"""Write docs/experiments.md's Sobol tables from the shipped study (docs/sensitivity/).

    python scripts/sensitivity_tables.py            # rewrite the tables in docs/experiments.md
    python scripts/sensitivity_tables.py --check    # exit 1 if they are out of date

The indices table sits between `<!-- sobol:indices -->` and `<!-- /sobol -->`, the
convergence table between `<!-- sobol:convergence -->` and `<!-- /sobol -->`; both are made by
`experiments.analysis.design.sobol_tables` from sensitivity.csv and sensitivity_convergence.csv,
and `tests/test_docs.py` fails when the document differs from what this script writes.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "experiments.md"
STUDY = REPO / "docs" / "sensitivity"
BLOCK = re.compile(r"(<!-- sobol:(?P<kind>indices|convergence) -->\n)(?P<body>.*?)(<!-- /sobol -->)", re.S)


def render(text: str) -> str:
    import pandas as pd

    sys.path.insert(0, str(REPO))
    from experiments.analysis.design import sobol_tables

    indices, convergence = sobol_tables(pd.read_csv(STUDY / "sensitivity.csv"),
                                        pd.read_csv(STUDY / "sensitivity_convergence.csv"))
    tables = {"indices": indices, "convergence": convergence}
    kinds = [m.group("kind") for m in BLOCK.finditer(text)]
    if sorted(kinds) != ["convergence", "indices"]:
        raise SystemExit(f"error: {DOC} needs one indices and one convergence block (found {kinds})")
    return BLOCK.sub(lambda m: m.group(1) + tables[m.group("kind")] + m.group(4), text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the tables are out of date")
    args = ap.parse_args()
    text = DOC.read_text()
    new = render(text)
    if args.check:
        if new != text:
            print(f"{DOC}: the Sobol tables are out of date; run python scripts/sensitivity_tables.py")
            sys.exit(1)
        return
    DOC.write_text(new)


if __name__ == "__main__":
    main()
