"""docs/calibration/identifiability.md gives each quantity the verdict the recovery study's
summary.csv gives it (one verdict per quantity, from one construction), and reports the
recovery fits' convergence as fits.csv has it."""

import re
from pathlib import Path

import pandas as pd

from experiments.inference.calibrate import PARAMETERS

DOCS = Path(__file__).resolve().parents[1] / "docs" / "calibration"


def _doc_verdicts(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        m = re.match(r"\| `(\w+)` \|(.*)\|", line)
        if m and "identified" in line:
            cells = [c.strip() for c in line.strip("|").split("|")]
            verdict = next(c for c in cells if "identified" in c)
            out[m.group(1)] = re.sub(r"[*]|\(.*\)", "", verdict).strip()
    return out


def test_the_document_and_the_summary_give_the_same_verdicts():
    summary = pd.read_csv(DOCS / "recovery" / "summary.csv").set_index("quantity")
    text = (DOCS / "identifiability.md").read_text()
    section = text[text.index("## The recovery study"):text.index("## Bayes factor")]
    doc = _doc_verdicts(section)
    named = [q for q in summary.index if q in doc]
    assert len(named) == len(PARAMETERS), sorted(doc)
    for quantity in named:
        assert doc[quantity] == summary.loc[quantity, "verdict"], (quantity, doc[quantity])
    share = next(line for line in section.splitlines() if line.startswith("| real-change share"))
    assert summary.loc["real_change_share_of_network_rise", "verdict"] in share


def test_the_document_reports_the_fits_that_converged():
    fits = pd.read_csv(DOCS / "recovery" / "fits.csv")
    text = (DOCS / "identifiability.md").read_text()
    assert f"**{int(fits['converged'].sum())} of {len(fits)} fits converged**" in text


def test_the_verdict_reader_finds_a_disagreement():
    line = "| `tie_growth` | 0.55 | 91% | 0.59 | 0.011 | **weakly identified** | yes | 87%, 0.77 |"
    assert _doc_verdicts(line) == {"tie_growth": "weakly identified"}
