"""A report to share with a board: one self-contained HTML file from a finished paired run.

    python -m experiments.report outputs/2026-11-26/12-00-00        # writes report.html there
    make report DIR=outputs/2026-11-26/12-00-00
    result.report("my_design.html")                                  # from a notebook (experiments.explore)

It opens with a bottom line: four to six plain sentences, each figure with its 95% interval,
on what the programme did to relationships, to system-first behaviour, for those who did not
take part, how long it lasts, and what the figures cannot tell. Then the figures at print size
(every text at least 9 pt on A4), the organisations' ties before and after, tables rounded for
people, and an appendix with the technical material (what the numbers rest on in the model's
terms, the rule set, the parameters, provenance). Every sentence is generated from the run's
summary.csv and survey_summary.csv (`experiments.outputs.words`).

The file has no external resources (styles inline, figures embedded as data URIs), so it can
be e-mailed or attached; it prints to A4 (a print stylesheet: page size and margins, no
element wider than the page, figures and tables kept whole).
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import json
import math
import sys
from pathlib import Path

import pandas as pd

from experiments.outputs import words
from experiments.outputs.files import atomic_write_bytes

PAGE_MARGIN_MM = 15
"""A4's print margins; the content is 210 - 2 x 15 = 180 mm (7.09 in) wide, and every figure is
drawn at most `plots.PRINT_WIDTH_IN` (7 in) wide, so it prints at its own size."""

CSS = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 46em; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; font-size: 17px; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; line-height: 1.2; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
.subtitle { color: #555; margin-top: 0; }
.bottom-line { background: #f2f7f2; border-left: 5px solid #1b7837; padding: 0.6em 1.2em; margin: 1.2em 0; }
.bottom-line h2 { border: none; margin-top: 0.4em; }
.bottom-line li { margin: 0.45em 0; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.5em; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
th { background: #f4f4f4; }
figure { margin: 1.2em 0; max-width: 100%; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { color: #444; font-size: 0.9em; margin-top: 0.3em; }
.note { color: #555; font-size: 0.9em; }
.warn { background: #fff4e5; border-left: 4px solid #e08a00; padding: 0.5em 0.8em; }
.appendix { font-size: 0.92em; }
code, pre { font-size: 0.85em; overflow-wrap: anywhere; white-space: pre-wrap; word-break: break-word; }
td, th, li, p { overflow-wrap: anywhere; }
@page { size: A4; margin: 15mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure, table, .bottom-line { break-inside: avoid; page-break-inside: avoid; }
  .appendix { break-before: page; page-break-before: always; }
  details > * { display: block; }
  a { color: inherit; text-decoration: none; }
}
"""


def _pct(x) -> str:
    return "-" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.0%}"


def _num(x, digits: int = 3) -> str:
    return "-" if x is None or not math.isfinite(float(x)) else f"{x:+.{digits}f}"


def _image(path: Path) -> str:
    if not path.is_file():
        return ""
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def survey_section(table: pd.DataFrame) -> str:
    rows = []
    for _, r in table.iterrows():
        share = r.get("response_shift_share", math.nan)
        rows.append([html.escape(f"{r['item'].replace('_', ' ')}: {r['answer']}"), _pct(r["observed"]),
                     f"{_pct(r['reported'])} [{_pct(r['reported_low'])}, {_pct(r['reported_high'])}]",
                     _pct(r["real_change"]), _pct(r["counterfactual"]),
                     "-" if not math.isfinite(share) else f"{share:.0%}", html.escape(str(r.get("role", "") or ""))])
    net = table.set_index("statistic").loc["network_agree_end"] if "network_agree_end" in set(table["statistic"]) \
        else None
    words = ""
    if net is not None and math.isfinite(net["reported"]):
        rise = net["reported"] - net["counterfactual"]
        real = net["real_change"] - net["counterfactual"]
        words = (f"<p>By the programme's end, {net['reported']:.0%} of simulated participants say they have a strong "
                 f"network in the system, against {net['counterfactual']:.0%} without the programme. Of that "
                 f"{rise * 100:+.0f}-point difference, {real * 100:+.0f} points are real change in their "
                 f"relationships; the rest is response shift (people rating themselves more generously at the end "
                 "of a programme), whose size is taken from other studies, not learned from this case.</p>")
    return (words + _table(["item (participants)", "observed", "as reported [95%]", "real change only",
                            "no programme", "share of rise that is response shift", "calibration"], rows)
            + '<p class="note">Observed: the real case (about 50 respondents). Simulated figures are averages over '
              'simulated futures; the interval is the range of such a survey across futures. For the influence item '
              'a lower figure is better.</p>')


def effects_section(summary: pd.DataFrame, end: int) -> str:
    labels = {"orientation": "system orientation (0-1)", "strong_cross_ties": "strong cross-organisation ties "
              "per leader", "cross_org_trust": "trust across organisations"}
    rows = []
    for metric, label in labels.items():
        for group in ("participants", "others"):
            d = summary[summary["metric"] == f"{metric}_{group}"]
            cells = []
            for week in sorted(d["week"].unique()):
                r = d[d["week"] == week].iloc[0]
                cells.append(f"{_num(r['effect'])} [{_num(r['low'])}, {_num(r['high'])}]")
            if cells:
                rows.append([html.escape(f"{label}, {'participants' if group == 'participants' else 'non-participants'}"),
                             *cells])
    weeks = sorted(summary[summary["metric"].str.startswith("orientation_")]["week"].unique())
    header = ["outcome (programme minus no programme)", *[("programme's end" if w == end else f"week {w}")
                                                           for w in weeks]]
    includes = summary["interval_includes"].iloc[0] if "interval_includes" in summary and len(summary) else ""
    return (_table(header, rows) + '<p class="note">Non-participants\' rows are the cascade. '
            + html.escape(words.intervals(includes)) + "</p>")


def assumptions_section(config: dict, table: pd.DataFrame) -> str:
    survey = config.get("survey") or {}
    programme = (config.get("intervention") or {}).get("leadership_programme") or {}
    mechanisms = config.get("mechanisms") or {}
    def fmt(x):
        return f"{x:.2f}" if isinstance(x, (int, float)) else "the default"

    items = [f"Response shift: end-of-programme shift {fmt(survey.get('end_shift'))} and retrospective "
             f"inflation {fmt(survey.get('retrospective_shift'))} item SDs come from studies of other "
             "programmes; the case's figures cannot tell them apart from real change."]
    if programme:
        items.append(f"The orientation effect and the cascade scale with content_influence = "
                     f"{programme.get('content_influence', 'default')}, fitted so participants' attitude shift "
                     "matches what training studies find (d 0.10-0.38: Bezrukova et al. 2016), not measured in this "
                     "case; across that range the cascade varies about fourfold.")
    held = table[table.get("role", pd.Series(dtype=str)).astype(str).str.startswith("held out")]
    for _, r in held.iterrows():
        items.append(f"Held-out test: the {r['item'].replace('_', ' ')} item was not fitted; observed "
                     f"{_pct(r['observed'])}, simulated {_pct(r['reported'])} [{_pct(r['reported_low'])}, "
                     f"{_pct(r['reported_high'])}]: {'a hit' if r['covered'] else 'a miss'}.")
    if mechanisms:
        items.append("Rules: " + ", ".join(f"{k} = {v}" for k, v in mechanisms.items()
                                           if k in ("influence", "game", "content", "listening"))
                     + " (other plausible rules, and which conclusions survive them: docs/robustness.md).")
    if mechanisms.get("listening", "perception") == "perception":
        items.append("In this rule set listening only sharpens perception: the model cannot say what coaching does "
                     "for relationships or outcomes.")
    return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"


SELECTION_WORDS = {"random": "chosen at random", "seniority": "the most senior first",
                   "brokerage": "the best-connected brokers first", "quota": "in equal numbers per organisation",
                   "teams": "as whole teams"}


def _participants(programme: dict) -> str:
    """Who took part, in words: the size and the rule that chose them, or the people a cohort file names."""
    if programme.get("cohort_size") is None and programme.get("cohort_file"):
        return "participants named in a cohort file"
    chosen = SELECTION_WORDS.get(str(programme.get("selection")), "")
    return f"{programme.get('cohort_size')} participants" + (f" {chosen}" if chosen else "")


def _figure(path: Path, caption: str) -> str:
    """A figure at its own printed size (never wider than the page), with its caption; the image's
    smallest text (recorded by `plots.save`) is kept as data-min-text-pt for the print test."""
    if not path.is_file():
        return ""
    import PIL.Image

    data = path.read_bytes()
    with PIL.Image.open(io.BytesIO(data)) as im:
        dpi = float((im.info.get("dpi") or (100, 100))[0]) or 100.0
        width_in = im.width / dpi
        min_pt = im.info.get("min-text-pt", "")
    img = (f'<img alt="{html.escape(caption.split(".")[0])}" style="width: {width_in:.2f}in" '
           f'data-width-in="{width_in:.3f}" data-min-text-pt="{html.escape(str(min_pt))}" '
           f'src="data:image/png;base64,{base64.b64encode(data).decode()}">')
    return f"<figure>{img}<figcaption>{caption}</figcaption></figure>"


def _partnership(config: dict) -> tuple[str, str]:
    """The partnership's name for a reader, and '13 organisations, 247 senior leaders' (if known)."""
    scenario = config.get("scenario") or {}
    source = config.get("scenario_file") or scenario
    try:
        from sim.scenario import load_partnership

        p = load_partnership(source)
        name, size = p.name, f"{p.n_organisations} organisations, {p.n_leaders} senior leaders"
    except Exception:
        name = Path(str(source)).stem if config.get("scenario_file") else scenario.get("name", "the partnership")
        size = ""
    name = str(name)
    return (name.upper() if name.isalpha() and len(name) <= 6 else name.replace("_", " ")), size


def _people_amount(r, metric: str) -> str:
    """An effect and its interval for a people's table: points on a 0-100 scale for 0-1 measures."""
    return words.amount(r, metric).replace(" percentage points", " pts").replace(" points on a 0-100 scale", " pts")


PEOPLE_ROWS = [  # (metric, what, unit)
    ("system_first_participants", "Decisions on shared issues that put the system first: participants",
     "percentage points"),
    ("system_first_others", "... leaders who did not take part", "percentage points"),
    ("strong_cross_ties_participants", "Strong relationships with people in other organisations: per participant",
     "ties"),
    ("strong_cross_ties_others", "... per leader who did not take part", "ties"),
    ("orientation_participants", "System orientation: participants", "points on a 0-100 scale"),
    ("orientation_others", "... leaders who did not take part", "points on a 0-100 scale"),
    ("cross_org_trust_participants", "Trust in partners in other organisations: participants",
     "points on a 0-100 scale"),
    ("cross_org_trust_others", "... leaders who did not take part", "points on a 0-100 scale"),
]


def people_effects_table(summary: pd.DataFrame, end: int) -> str:
    weeks = sorted(int(w) for w in summary[summary["metric"] == "system_first_participants"]["week"].unique())
    if not weeks:
        weeks = sorted(int(w) for w in summary["week"].unique())
    rows = []
    for metric, what, unit in PEOPLE_ROWS:
        cells = []
        for week in weeks:
            r = words.row(summary, metric, week)
            cells.append("-" if r is None else html.escape(_people_amount(r, metric)))
        if any(c != "-" for c in cells):
            rows.append([html.escape(what), html.escape(unit), *cells])
    header = ["difference the programme makes", "in", *[("at its end (week %d)" % w if w == end else f"week {w}")
                                                        for w in weeks]]
    return (_table(header, rows) + '<p class="note">With the programme minus without it, averaged over the '
            "simulated futures, with the 95% interval of that average in brackets. Points on a 0-100 scale: the "
            "model's 0-1 measures times 100.</p>")


def people_survey_table(table: pd.DataFrame) -> str:
    from experiments.outputs.plots import QUESTIONS

    rows = []
    for _, r in table.iterrows():
        share = r.get("response_shift_share", math.nan)
        question = QUESTIONS.get(r["item"], r["item"]).replace("\n", " ")
        rows.append([html.escape(f"{question}: {r['answer']}"), _pct(r["observed"]),
                     f"{_pct(r['reported'])} ({_pct(r['reported_low'])} to {_pct(r['reported_high'])})",
                     _pct(r["real_change"]), _pct(r["counterfactual"]),
                     "-" if not (isinstance(share, float) and math.isfinite(share)) else f"{share:.0%}"])
    return _table(["question and answers counted", "real case", "simulated, as reported (95% range)",
                   "real change only", "no programme", "share of the rise that is response shift"], rows)


def _with_includes(table: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The survey table carrying what the run's intervals are (summary.csv's `interval_includes`)."""
    out = table.copy()
    out.attrs["interval_includes"] = str(summary["interval_includes"].iloc[0]) if len(summary) else ""
    return out


def cannot_tell_section(table: pd.DataFrame, programme: dict) -> str:
    items = ["<b>How much of the survey's rise is real.</b> People rate themselves more generously at the end of "
             "a programme (response shift). Its size here is taken from studies of other programmes; this case's "
             "figures cannot tell it apart from real change. The report shows both: 'as reported' and 'real "
             "change only'."]
    if programme:
        items.append("<b>How far the programme's content changes attitudes.</b> It is set to what training studies "
                     "find (a small effect on attitudes), not measured in this case; the change in system orientation, "
                     "and how much of it spreads to others, scale with it.")
    held = table[table.get("role", pd.Series("", index=table.index)).astype(str).str.startswith("held out")]
    for _, r in held.iterrows():
        items.append(f"<b>Whether the model predicts well.</b> One survey figure was kept back as a test and never "
                     f"used to tune the model ({html.escape(str(r['item']).replace('_', ' '))}: "
                     f"{html.escape(str(r['answer']))}): observed {_pct(r['observed'])}, simulated "
                     f"{_pct(r['reported'])} ({_pct(r['reported_low'])} to {_pct(r['reported_high'])}): "
                     + ("within the simulated range." if r["covered"] else "outside the simulated range, a miss."))
    includes = table.attrs.get("interval_includes", "")
    items.append("<b>What one real partnership will see.</b> " + html.escape(words.intervals(includes)))
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def appendix(d: Path, config: dict, prov: dict, table: pd.DataFrame, summary: pd.DataFrame, end: int) -> str:
    run = config.get("run", {})
    programme = (config.get("intervention") or {}).get("leadership_programme") or {}
    git = prov.get("git", {}) or {}
    parts = ["<h3>What the numbers rest on, in the model's terms</h3>",
             '<div class="warn">' + assumptions_section(config, table) + "</div>",
             "<h3>The survey in full</h3>", survey_section(table),
             "<h3>Effects in full</h3>", effects_section(summary, end)]
    mechanisms = config.get("mechanisms") or {}
    if mechanisms:
        parts += ["<h3>Rule set</h3>", _table(["slot", "rule"], [[html.escape(str(k)), html.escape(str(v))]
                                                                 for k, v in mechanisms.items()])]
    if programme:
        parts += ["<h3>Programme settings</h3>",
                  _table(["setting", "value"], [[html.escape(str(k)), html.escape(str(v))]
                                                for k, v in programme.items()])]
    behaviour = config.get("behaviour") or {}
    if behaviour:
        parts += ["<h3>Behaviour parameters</h3>",
                  _table(["parameter", "value"], [[html.escape(str(k)), html.escape(str(v))]
                                                  for k, v in behaviour.items()])]
    dirty = " (with uncommitted changes)" if git.get("dirty") else ""
    parts += ["<h3>Provenance</h3>",
              _table(["", ""], [["output directory", html.escape(
                  f"none: made in a notebook by {prov['source']}" if prov.get("source") else str(d))],
                                ["overrides", html.escape(" ".join(prov.get("overrides", [])) or "(none)")],
                                ["git commit", html.escape(f"{git.get('commit', 'unknown')}{dirty}")],
                                ["started", html.escape(str(prov.get("started", "")))],
                                ["finished", html.escape(str(prov.get("finished", "")))],
                                ["seeds", html.escape(f"base seed {run.get('base_seed')}, {run.get('replicates')} "
                                                      "replicates")],
                                ["packages", html.escape(", ".join(f"{k} {v}" for k, v in
                                                                   (prov.get("packages") or {}).items()))]]),
              "<details><summary>full configuration</summary><pre>"
              + html.escape(json.dumps(config, indent=1)) + "</pre></details>"]
    return '<section class="appendix"><h2>Appendix: technical details</h2>' + "".join(parts) + "</section>"


def build(directory: Path) -> str:
    """The report's HTML for a finished run's output directory."""
    d = Path(directory)
    missing = [n for n in ("survey_summary.csv", "summary.csv", "provenance.json") if not (d / n).is_file()]
    if missing:
        raise SystemExit(f"error: {d}: not a finished paired run (missing {', '.join(missing)}); run the case "
                         "study (make run) or a notebook's result.report()")
    table = pd.read_csv(d / "survey_summary.csv")
    summary = pd.read_csv(d / "summary.csv")
    prov = json.loads((d / "provenance.json").read_text())
    config = prov.get("config", {})
    run = config.get("run", {})
    programme = (config.get("intervention") or {}).get("leadership_programme") or {}
    end = (int(programme.get("start_week", 1)) + int(programme.get("duration_weeks", 26)) - 1 if programme
           else int(summary["week"].min()))
    name, size = _partnership(config)
    when = str(prov.get("started", ""))[:10]
    people = (f"{_participants(programme)}, {programme.get('duration_weeks')} weeks" if programme else "")
    subtitle = " · ".join(x for x in (f"{name}" + (f" ({size})" if size else ""), people,
                                      f"{run.get('replicates')} simulated futures, each with and without the "
                                      "programme", f"run on {when}" if when else "") if x)
    bottom = words.bottom_line(summary, table, end, programme.get("content_influence") if programme else None)
    bottom_html = ('<div class="bottom-line"><h2>The bottom line</h2><ul>'
                   + "".join(f"<li>{html.escape(sentence)}</li>" for sentence in bottom) + "</ul></div>")
    what = (f"<p>The model simulated the senior leaders of {html.escape(name)}"
            + (f" ({html.escape(size)})" if size else "")
            + f" {run.get('replicates')} times over {run.get('weeks')} weeks, each time once <b>with</b> the "
              "programme and once <b>without</b> it, from the same starting point and with the same chance events, "
              "so that the difference is the programme's doing."
            + (f" The programme: {html.escape(people)}, with workshops, action learning, coaching and system "
               "content as configured (appendix)." if programme else "") + "</p>")
    sections = [
        ("What was simulated", what),
        ("What changed, and how long it lasts",
         _figure(d / "time_series.png", "Figure 1. Each measure over the two years, with the programme (solid) and "
                 "without it (dashed), for participants (green) and everyone else (blue). Measures on a 0-1 scale "
                 "are drawn on the whole scale, so a gap looks as large as it is.")
         + people_effects_table(summary, end)),
        ("Ties between organisations",
         _figure(d / "network.png", "Figure 2. The partnership's organisations and the strong working "
                 "relationships between their leaders, before the programme and what it added by its end.")),
        ("What participants would say in the survey",
         _figure(d / "survey_bars.png", "Figure 3. The real programme's survey beside the simulated one.")
         + people_survey_table(table)),
        ("What these figures cannot tell", cannot_tell_section(
            table.assign() if "interval_includes" not in summary else _with_includes(table, summary), programme)),
    ]
    body = "".join(f"<h2>{html.escape(t)}</h2>{c}" for t, c in sections if c)
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Collaboration "
            f"programme: simulated results</title><style>{CSS}</style></head><body><h1>What a system leadership "
            f"programme might do: simulated results</h1><p class=\"subtitle\">{html.escape(subtitle)}</p>"
            f"{bottom_html}{body}{appendix(d, config, prov, table, summary, end)}</body></html>")


def write(directory: Path, out: Path | None = None) -> Path:
    out = Path(out) if out else Path(directory) / "report.html"
    atomic_write_bytes(out, build(directory).encode())
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("directory", nargs="?", help="a finished run's output directory")
    ap.add_argument("--out", help="where to write the HTML (default: DIRECTORY/report.html)")
    args = ap.parse_args(argv)
    if not args.directory:
        ap.error("give a finished run's output directory (make report DIR=outputs/...)")
    if not Path(args.directory).is_dir():
        print(f"error: {args.directory}: no such directory", file=sys.stderr)
        sys.exit(2)
    print(f"report written to {write(Path(args.directory), args.out)}")


if __name__ == "__main__":
    main()
