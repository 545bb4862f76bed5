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

    make calibrate ARGS='--survey my_answers.csv --cohort-size 30 --programme-weeks 26 --scenario-file my.xlsx'

The route to the end (README, "Your own survey"): the programme's cohort size (or a
cohort file naming its people) and length come with the survey (`programme_overrides`:
the number who answered is not the number on the programme); the calibration shows a
progress bar (`progress`), writes an experiment configuration that records what it
was calibrated to and holds your figures (`write_experiment`: runs with
`experiment=mine` compare against them, not the case's) and a summary in plain words
of what was learned, what could not be and what a miss means (`plain_summary`).
"""

from __future__ import annotations

import csv
import math
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



# ------------------------------------------------------------------ the route to the end

PROGRAMME = "intervention.leadership_programme"


def programme_overrides(cohort_size: int | None, programme_weeks: int | None, overrides: list[str],
                        answers: pd.DataFrame, key: str = "--survey") -> list[str]:
    """The programme your survey describes: its cohort size (or a cohort file naming its people) and its
    length, both required with a survey (the number who answered is not the number on the programme)."""
    named = any(o.startswith(f"{PROGRAMME}.cohort_file=") for o in overrides)
    respondents = answers.loc[answers["group"] == "participant", "respondent"].nunique()
    if cohort_size is None and not named:
        raise ConfigError(f"{key}: give the programme's cohort size with --cohort-size (how many people were on "
                          f"the programme; the {respondents} participants who answered are not the cohort) or name "
                          f"them with {PROGRAMME}.cohort_file=...")
    if programme_weeks is None:
        raise ConfigError(f"{key}: give the programme's length in weeks with --programme-weeks (e.g. 26 for six "
                          "months)")
    if cohort_size is not None and named:
        raise ConfigError(f"--cohort-size={cohort_size}: the cohort file sets the cohort and its size; give one of "
                          "them")
    if cohort_size is not None and respondents > cohort_size:
        raise ConfigError(f"--cohort-size={cohort_size}: fewer than the {respondents} participants who answered "
                          "your survey")
    out = [f"{PROGRAMME}.duration_weeks={programme_weeks}"]
    if cohort_size is not None:
        out.append(f"{PROGRAMME}.cohort_size={cohort_size}")
    return out


class _Progress:
    """pyabc's log turned into a progress bar over the ABC generations (tqdm), on a terminal."""

    def __init__(self, generations: int):
        self.generations = generations

    def __enter__(self):
        import logging
        import sys

        import pyabc  # noqa: F401 - importing pyabc installs its console handler, which is set aside here
        from tqdm import tqdm

        self.logger = logging.getLogger("ABC")
        self.saved = (list(self.logger.handlers), self.logger.propagate)
        self.bar = tqdm(total=self.generations, desc="calibrating to your survey", unit="generation",
                        disable=not sys.stderr.isatty(), leave=True)
        bar = self.bar

        class Handler(logging.Handler):
            def emit(self, record):
                message = record.getMessage()
                if record.levelno >= logging.WARNING:
                    bar.write(f"pyabc: {message}")
                elif message.startswith("t: ") and "eps:" in message:
                    eps = float(message.split("eps:")[1].strip(" ."))
                    bar.set_postfix_str(f"accepting runs within {eps:.2f} standard errors of your figures")
                elif message.startswith("Accepted:"):
                    bar.update(1)

        for h in self.saved[0]:
            self.logger.removeHandler(h)
        self.logger.addHandler(Handler())
        self.logger.propagate = False
        return self

    def __exit__(self, *exc):
        for h in list(self.logger.handlers):
            self.logger.removeHandler(h)
        for h in self.saved[0]:
            self.logger.addHandler(h)
        self.logger.propagate = self.saved[1]
        self.bar.close()
        return False


def progress(generations: int) -> _Progress:
    """A progress bar over the calibration's generations instead of pyabc's log (`with progress(n): fit(...)`)."""
    return _Progress(generations)


WORDS = {"tie_growth": "how fast working together builds relationships (behaviour.tie_growth)",
         "end_shift": "how generously participants rate themselves at the programme's end (survey.end_shift, "
                      "response shift)",
         "retrospective_shift": "how much the retrospective 'I have improved' question inflates (survey."
                                "retrospective_shift)"}
FIGURE_WORDS = {"network_agree_start": "agree they have a strong network, at the start",
                "network_agree_end": "agree they have a strong network, at the end",
                "see_system_strongly_agree_end": "strongly agree they see the system better, at the end",
                "influence_disagree_end": "disagree they can influence the system, at the end"}


def plain_summary(summary: pd.DataFrame, preds: pd.DataFrame, real_share: float, survey_path: str,
                  cohort: str, weeks: int) -> str:
    """What the calibration to your survey learned, what it could not, and what a miss means, in words."""
    lines = [f"# What the calibration to your survey found ({Path(survey_path).name}; {cohort}, {weeks} weeks)", "",
             "## What your figures taught the model"]
    learned = summary[summary["identified"]]
    for _, r in learned.iterrows():
        lines.append(f"- {WORDS.get(r['parameter'], r['parameter'])}: narrowed from its prior {r['prior']} to "
                     f"{r['median']:.3g} [{r['low']:.3g}, {r['high']:.3g}] ({r['contraction']:.0%} of its "
                     "uncertainty removed).")
    if learned.empty:
        lines.append("- Nothing was narrowed down by much: every value below is close to what other studies say.")
    lines += ["", "## What they could not teach it"]
    for _, r in summary[~summary["identified"]].iterrows():
        origin = ("; that prior comes from studies of other programmes" if r["path"].startswith("survey.")
                  else "; that prior is a wide range, not a finding")
        lines.append(f"- {WORDS.get(r['parameter'], r['parameter'])}: {r['median']:.3g} [{r['low']:.3g}, "
                     f"{r['high']:.3g}] is hardly narrower than its prior {r['prior']} ({r['contraction']:.0%} of its "
                     f"uncertainty removed){origin}.")
    if math.isfinite(real_share):
        lines.append(f"- So how much of your network rise is real change ({real_share:.0%} at the calibrated "
                     "values) rests on that prior: a survey alone cannot tell real change from people rating "
                     "themselves more generously after a programme.")
    lines += ["", "## Your figures against the calibrated model (95% of simulated surveys)"]
    misses = []
    for _, r in preds.iterrows():
        words = FIGURE_WORDS.get(r["statistic"], r["statistic"])
        if not math.isfinite(r["observed"]):
            lines.append(f"- {words}: not in your survey; the model predicts {r['predicted']:.0%} "
                         f"[{r['low']:.0%}, {r['high']:.0%}].")
            continue
        verdict = "covered" if r["hit"] else "MISSED"
        lines.append(f"- {words}: you observed {r['observed']:.0%}; the model gives {r['predicted']:.0%} "
                     f"[{r['low']:.0%}, {r['high']:.0%}]: {verdict} ({r['role']}).")
        if not r["hit"]:
            misses.append(r)
    if misses:
        lines += ["", "## What a miss means"]
        for r in misses:
            words = FIGURE_WORDS.get(r["statistic"], r["statistic"])
            if r["role"] == "fitted":
                lines.append(f"- '{words}' was fitted and still missed: no setting of the calibrated parameters "
                             "reproduces it in this model. Check what was given with the survey (the cohort size, the "
                             "programme's length, who answered, the partnership), then suspect the model: your "
                             "programme may have worked through something the model does not have. Do not lean on "
                             "the model's forecasts of this figure.")
            elif r["role"] == "held out":
                lines.append(f"- '{words}' was held out as a test and the model failed it: the mechanism behind it "
                             "(docs/ODD.md 7.7 for influence) does not match your programme, or your participants' "
                             "answers carry more response shift than the priors allow. Treat the model's statements "
                             "about it as untested.")
            else:
                lines.append(f"- '{words}' sets the survey's bar on your partnership; a miss here means your "
                             "participants started unlike your partnership's leaders as a whole (a selected "
                             "cohort): the start figure of the cohort is free in the model.")
    else:
        lines += ["", "No figure was missed. That is consistent with the model, not proof of it: with about 50 "
                  "respondents a survey can tell only large differences apart."]
    return "\n".join(lines) + "\n"


def write_experiment(path: Path, *, summary: pd.DataFrame, cut: float, preds: pd.DataFrame, fitted: tuple[str, ...],
                     observed: dict, comparison: dict, survey_path: str, overrides: list[str], command: str,
                     seed: int, posterior: Path, name: str = "mine", draws: Path | None = None) -> None:
    """The configuration a calibration to your survey writes: an experiment (conf/experiment/<name>.yaml)
    that records what it was calibrated to (your survey, your programme, your partnership) and holds
    your figures, so runs with it compare against them, not the case's."""
    from datetime import date

    import yaml

    from experiments.outputs.files import atomic_write_bytes

    s = summary.set_index("parameter")
    settings = {}
    for o in overrides:
        key, _, value = o.partition("=")
        settings[key] = yaml.safe_load(value) if value else None
    programme = {k.split(".", 2)[2]: v for k, v in settings.items() if k.startswith(PROGRAMME + ".")}
    for key in ("cohort_file",):
        if programme.get(key):
            programme[key] = str(Path(programme[key]).resolve())
    body: dict = {"behaviour": {}, "survey": {}}
    for param, r in s.iterrows():
        section, field_ = r["path"].split(".", 1)
        body.setdefault(section, {})[field_] = float(f"{r['median']:.4g}")
    body["survey"]["network_agree_cut"] = float(f"{cut:.4g}")
    # the cut is your start figure's (the calibrated behaviour anchors each run on the case's instead)
    body["survey"]["baseline_agree_network"] = None
    for key in ("scenario_file", "network_file"):
        if settings.get(key):
            body[key] = str(Path(str(settings[key])).resolve())
    body["intervention"] = {"leadership_programme": programme}
    body["run"] = {"replicates": 100, "workers": 2, "label": name, "assumption_curve": True}
    body["cohort"] = {"posterior": str(Path(posterior).resolve())}
    if draws is not None:  # each replicate at its own draw of what your survey fitted
        body["uncertainty"] = {"posterior_file": str(Path(draws).resolve())}
    body["case"] = {"calibrated_to": f"your survey {Path(survey_path).resolve()}",
                    "observed": {k: {"share": float(v["share"]), "n": int(v["n"])} for k, v in observed.items()},
                    "fitted": list(fitted)}
    if comparison:
        body["case"]["comparison_group"] = {k: {"share": float(v["share"]), "n": int(v["n"])}
                                            for k, v in comparison.items()}
    header = [
        "# @package _global_",
        f"# Calibrated to YOUR survey, not the case study's: {Path(survey_path).resolve()}",
        f"# ({', '.join(f'{k} {v['share']:.0%} of {v['n']}' for k, v in observed.items())}),",
        f"# for the programme given with it ({', '.join(f'{k}={v}' for k, v in programme.items())})"
        + (f" in {body.get('scenario_file')}" if body.get("scenario_file") else " in the case's partnership") + ".",
        f"# Command: {command}",
        f"# Date: {date.today().isoformat()}; seed: {seed}. Values are posterior medians (ABC-SMC,",
        "# experiments/inference/calibrate.py, the same procedure as the case's calibration).",
        "# Contraction (1 - posterior/prior variance): "
        + ", ".join(f"{k} {r['contraction']:.2f}" for k, r in s.iterrows())
        + "; below 0.5 the value is the prior's.",
        f"# Use it: copy this file to conf/experiment/{name}.yaml and run `make run ARGS='experiment={name}'`",
        f"# (or `make cohort ARGS='experiment={name} cohort.size=...'`): runs then compare against your figures.",
        "# Posterior predictive check: " + "; ".join(
            f"{r['statistic']} {'hit' if r['hit'] else 'MISS'}" for _, r in preds.iterrows()
            if r["hit"] is not None),
        "defaults:",
        "  - override /behaviour: calibrated   # the pattern-calibrated constants, as the calibration took them",
        "  - override /intervention: leadership_programme",
    ]
    text = "\n".join(header) + "\n" + yaml.safe_dump(body, sort_keys=False)
    atomic_write_bytes(path, text.encode())
