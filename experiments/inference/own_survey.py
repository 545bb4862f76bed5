"""Your own survey: read a partnership's pre/post answers and compute the case's statistics from them.

The CSV format (one row per respondent, item and wave; a header row; UTF-8):

    respondent,group,item,wave,answer
    p01,participant,network,start,3
    p01,participant,network,end,4
    p01,participant,see_system,end,5
    p01,participant,influence,end,2
    c07,comparison,network,start,4

- `respondent`: any identifier (one person answers each item at most once a wave);
- `group`: `participant` or `comparison` (non-participants, if you surveyed any);
- `item`: `network` ("I have a strong network in the system"), `see_system`
  ("I have improved my ability to see the system", asked at the end only) or
  `influence` ("I can influence the system");
- `wave`: `start` (before the programme) or `end` (its last weeks);
- `answer`: 1 strongly disagree, 2 disagree, 3 neither, 4 agree, 5 strongly agree.

Participants' answers give the statistics the calibration uses (`STATISTICS`),
each with its own number of respondents: network agree at the start and at the
end, see-the-system strongly agree at the end, influence disagree at the end.
Comparison answers, if any, are summarised alongside for the reader. A bad row
(unknown item, group or wave; an answer outside 1-5; a see-the-system answer
at the start; a duplicate) stops everything with its line number, before any
file is written.

    make calibrate ARGS='--survey my_answers.csv --scenario-file my_partnership.yaml'
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from sim.schema import ConfigError

COLUMNS = ("respondent", "group", "item", "wave", "answer")
GROUPS = ("participant", "comparison")
ITEMS = ("network", "see_system", "influence")
WAVES = ("start", "end")
FIGURES = {  # the calibration's statistic: (item, wave)
    "network_agree_start": ("network", "start"),
    "network_agree_end": ("network", "end"),
    "see_system_strongly_agree_end": ("see_system", "end"),
    "influence_disagree_end": ("influence", "end"),
}


def read_answers(path: str | Path, key: str = "--survey") -> pd.DataFrame:
    """The answers as a frame, or a one-line ConfigError naming the file and the first bad line."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{key}={str(path)!r}: file not found")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{key}={str(path)!r}: not a UTF-8 text file (save it as CSV, UTF-8)") from None
    lines = text.splitlines()
    # Excel saves "CSV" with semicolons where the decimal mark is a comma (much of Europe): read
    # that too, and name the separator if the header still lacks the columns
    first = lines[0] if lines else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(lines, delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise ConfigError(f"{key}={str(path)!r}: empty (expected a header: {','.join(COLUMNS)})")
    header = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ConfigError(f"{key}={str(path)!r}: line 1: missing column(s) {', '.join(missing)} "
                          f"(expected {','.join(COLUMNS)}, separated by commas"
                          + (f"; this file's header is separated by {delimiter!r}" if delimiter != "," else "")
                          + (f"; its header is {first[:60]!r}" if len(header) == 1 else "") + ")")
    col = {c: header.index(c) for c in COLUMNS}
    rows, seen = [], set()
    for line, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) < len(header):
            raise ConfigError(f"{key}={str(path)!r}: line {line}: {len(fields)} fields, expected {len(header)}")
        r = {c: fields[i].strip() for c, i in col.items()}
        where = f"{key}={str(path)!r}: line {line}"
        if not r["respondent"]:
            raise ConfigError(f"{where}: empty respondent")
        if r["group"].lower() not in GROUPS:
            raise ConfigError(f"{where}: group={r['group']!r}: choose from {', '.join(GROUPS)}")
        if r["item"].lower() not in ITEMS:
            raise ConfigError(f"{where}: item={r['item']!r}: choose from {', '.join(ITEMS)}")
        if r["wave"].lower() not in WAVES:
            raise ConfigError(f"{where}: wave={r['wave']!r}: choose from {', '.join(WAVES)}")
        if r["answer"] not in ("1", "2", "3", "4", "5"):
            raise ConfigError(f"{where}: answer={r['answer']!r}: must be a whole number from 1 (strongly disagree) "
                              "to 5 (strongly agree)")
        answer = int(r["answer"])
        item, wave = r["item"].lower(), r["wave"].lower()
        if item == "see_system" and wave == "start":
            raise ConfigError(f"{where}: item=see_system is asked at the end only ('have you improved'), not at "
                              "the start")
        k = (r["respondent"], item, wave)
        if k in seen:
            raise ConfigError(f"{where}: respondent {r['respondent']!r} answers {item} at the {wave} twice")
        seen.add(k)
        rows.append({"respondent": r["respondent"], "group": r["group"].lower(), "item": item, "wave": wave,
                     "answer": answer, "line": line})
    if not rows:
        raise ConfigError(f"{key}={str(path)!r}: no answers")
    return pd.DataFrame(rows)


def hit(item: str, answer: pd.Series) -> pd.Series:
    """Whether each answer counts towards its item's statistic (as in sim.survey)."""
    if item == "network":
        return answer >= 4
    if item == "see_system":
        return answer == 5
    return answer <= 2


def figures(answers: pd.DataFrame, group: str = "participant") -> dict[str, dict]:
    """{statistic: {share, n}} for the case's statistics among `group`'s answers (absent: no answers)."""
    out = {}
    for stat, (item, wave) in FIGURES.items():
        d = answers[(answers["group"] == group) & (answers["item"] == item) & (answers["wave"] == wave)]
        if len(d):
            out[stat] = {"share": float(hit(item, d["answer"]).mean()), "n": int(len(d))}
    return out


def observed_for_calibration(answers: pd.DataFrame, key: str = "--survey") -> dict[str, dict]:
    """Participants' figures, checked: the start and end network figures are needed (the start one
    sets the network cut on the user's own partnership)."""
    obs = figures(answers, "participant")
    for needed in ("network_agree_start", "network_agree_end"):
        if needed not in obs:
            item, wave = FIGURES[needed]
            raise ConfigError(f"{key}: no participant answers to the {item} item at the {wave} wave "
                              f"({needed} is needed)")
    return obs

