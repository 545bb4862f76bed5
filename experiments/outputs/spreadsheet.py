"""summary.xlsx: a run's tables for people who work in spreadsheets.

One sheet per table (the effects of summary.csv, the survey of survey_summary.csv), numbers
rounded for reading (three significant figures; shares shown as percentages), and a sheet
saying what each column means. The CSVs beside it keep full precision for pipelines; this
file is for reading, never for further calculation.

Columns are read by name: a column this module does not know (a new one in summary.csv) is
written like the others and described as such on the columns sheet.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.outputs.files import atomic_write_bytes

SIGNIFICANT = 3

MEANINGS = {
    "effects": {
        "outcome": "what is measured, in words",
        "group": "whose outcome: participants, non-participants (leaders who did not take part) or everyone",
        "metric": "the measure's name in results.parquet",
        "week": "weeks after the start of the programme (its end, then 52 and 104)",
        "counterfactual": "the average without the programme (the same people, the same random events)",
        "effect": "with the programme minus without it, averaged over the simulated futures",
        "low": "lower end of the effect's 95% interval (interval_includes says which kind)",
        "high": "upper end of the effect's 95% interval",
        "cohens_d": "the effect in standard deviations of the outcome across the group's leaders without the "
                    "programme (Cohen's d; 0.2 is small, 0.5 medium, 0.8 large); none for outcomes that are not a "
                    "leader's own (issue success, the network's shares)",
        "cohens_d_low": "lower end of Cohen's d's 95% interval",
        "cohens_d_high": "upper end of Cohen's d's 95% interval",
        "replicates": "how many paired simulated futures the figures average over",
        "interval_includes": "what the intervals are: parameter and Monte Carlo uncertainty (the 2.5-97.5% range of "
                             "the futures' effects, each future at its own draw from the calibration's posterior), or "
                             "the Monte Carlo error of the average only (the 95% interval of the mean at fixed "
                             "parameters)",
    },
    "survey": {
        "statistic": "the survey figure's name",
        "item": "the question: network ('I have a strong network in the system'), see_system ('I have improved "
                "my ability to see the system'), influence ('I can influence the system')",
        "answer": "which answers the figure counts, and at which wave (start or end of the programme)",
        "observed": "what the real case's participants answered (share)",
        "observed_low": "lower end of the observed share's 95% interval (Wilson; about 50 respondents)",
        "observed_high": "upper end of the observed share's 95% interval",
        "reported": "what simulated participants answer, as they report it (share; average over futures)",
        "reported_low": "2.5% point of the reported share across simulated futures",
        "reported_high": "97.5% point of the reported share across simulated futures",
        "real_change": "what the same simulated participants would answer from real change alone (no response "
                       "shift)",
        "real_change_low": "2.5% point of the real-change share across simulated futures",
        "real_change_high": "97.5% point of the real-change share across simulated futures",
        "counterfactual": "what they would answer without the programme",
        "response_shift_share": "the share of the simulated rise that is response shift (people rating "
                                "themselves more generously after a programme), not real change",
        "role": "what the figure is to the calibration: fitted, sets the cut, or held out (a test never fitted)",
        "covered": "whether the observed figure lies within the simulated 95% range",
    },
}
SHARES = {"survey": {"observed", "observed_low", "observed_high", "reported", "reported_low", "reported_high",
                     "real_change", "real_change_low", "real_change_high", "counterfactual",
                     "response_shift_share"}}
SHEET_TITLES = {"effects": "effects (summary.csv)", "survey": "survey (survey_summary.csv)"}


def rounded(x, digits: int = SIGNIFICANT):
    """x to `digits` significant figures (integers and non-numbers unchanged, NaN as empty)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (float, np.floating)):
        return x.item() if isinstance(x, np.generic) else x
    if not math.isfinite(x):
        return None
    if x == 0:
        return 0.0
    return round(float(x), digits - 1 - int(math.floor(math.log10(abs(x)))))


def workbook_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """The workbook for {sheet name: table}, with a 'columns' sheet describing every column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    described = []
    for name, table in tables.items():
        ws = wb.create_sheet(name)
        ws.append(list(table.columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        shares = SHARES.get(name, set())
        for row in table.itertuples(index=False):
            ws.append([rounded(v, 2 if c in shares else SIGNIFICANT) for c, v in zip(table.columns, row)])
        for j, column in enumerate(table.columns, start=1):
            letter = get_column_letter(j)
            if column in shares:
                for cell in ws[letter][1:]:
                    cell.number_format = "0%"
            width = max([len(str(column))] + [len(str(c.value)) for c in ws[letter][1:] if c.value is not None])
            ws.column_dimensions[letter].width = min(60, width + 2)
        ws.freeze_panes = "A2"
        for column in table.columns:
            described.append((SHEET_TITLES.get(name, name), column,
                              MEANINGS.get(name, {}).get(column, "(a column added after this description was "
                                                                 "written; see the project's README)")))
    ws = wb.create_sheet("columns", 0)
    ws.append(["What each column means. Numbers here are rounded for reading (3 significant figures, shares as "
               "percentages); the CSV files beside this one keep full precision."])
    ws.append([])
    ws.append(["sheet", "column", "meaning"])
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in described:
        ws.append(list(row))
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 100
    for cells in ws.iter_rows(min_row=4):
        cells[2].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_summary(directory: Path, effects: pd.DataFrame, survey: pd.DataFrame) -> Path:
    """summary.xlsx in `directory` (atomically)."""
    path = Path(directory) / "summary.xlsx"
    atomic_write_bytes(path, workbook_bytes({"effects": effects, "survey": survey}))
    return path
