"""Which constants the headline outputs rest on: a constant whose total Sobol index for a
headline output is 0.1 or more needs a source or a posterior (tests/test_sources.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.running.config import ASSUMED, spec_of_path

HEADLINE = ("system_first_participants_effect", "system_first_others_effect", "orientation_effect", "cascade_effect",
            "cross_org_ties_effect", "cross_org_ties_others_effect", "issue_success_effect", "network_agree_end",
            "see_system_end", "influence_disagree_end")
"""The headline outputs: participants' and non-participants' system-first share, orientation and
strong cross-organisation ties, issue success and the case's survey items (a constant whose
total index for one of them is 0.1 or more needs a source or a posterior: tests/test_sources.py)."""


def resting_on_assumptions(indices: pd.DataFrame, calibrated: set[str], threshold: float = 0.1,
                           outputs=HEADLINE) -> pd.DataFrame:
    """The (output, parameter) pairs where a headline output's total Sobol index is at least
    `threshold` for a constant that is neither sourced (its declared source calls it assumed)
    nor calibrated (a posterior fitted to named patterns: `calibrated` dotted paths); and, as
    rows with no index, every headline output or (output, parameter) pair the table lacks, so a
    stale or partial table cannot pass."""
    rows = []
    parameters = sorted(set(indices["parameter"]))
    for output in outputs:
        have = set(indices.loc[indices["output"] == output, "parameter"])
        for parameter in parameters:
            if parameter not in have:
                rows.append({"output": output, "parameter": parameter, "ST": np.nan, "source": "missing from the table"})
    for _, r in indices[indices["output"].isin(outputs) & (indices["ST"] >= threshold)].iterrows():
        spec = spec_of_path(r["parameter"])
        source = (spec.source if spec is not None else "").lower()
        if r["parameter"] in calibrated or (spec is not None and not any(w in source for w in ASSUMED)):
            continue
        rows.append({"output": r["output"], "parameter": r["parameter"], "ST": float(r["ST"]),
                     "source": spec.source if spec is not None else "(not a declared setting)"})
    return pd.DataFrame(rows, columns=["output", "parameter", "ST", "source"])
