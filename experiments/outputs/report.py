"""A report to share: one self-contained HTML file from a finished case-study (or notebook) run.

    python -m experiments.report outputs/2026-11-26/12-00-00        # writes report.html there
    make report DIR=outputs/2026-11-26/12-00-00
    result.report("my_design.html")                                  # from a notebook (experiments.explore)

The file has no external resources (styles inline, figures embedded as data
URIs), so it can be e-mailed or attached. In plain language it says what was
simulated; the survey figures observed, as simulated participants report them,
from real change alone and without the programme; the cascade and the decay
with their intervals; what drives the numbers (the assumptions a reader must
accept, and the held-out test); and the settings and provenance.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import math
import sys
from pathlib import Path

import pandas as pd

from experiments.outputs.files import atomic_write_bytes

CSS = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 58em; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.8em;
     border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.note { color: #555; font-size: 0.9em; } .warn { background: #fff4e5; border-left: 4px solid #e08a00;
        padding: 0.5em 0.8em; } img { max-width: 100%; } code { font-size: 0.9em; }
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
    return (_table(header, rows) + '<p class="note">Non-participants\' rows are the cascade. Each interval is for '
            "the average over simulated futures (95%), not a forecast for one real partnership.</p>")


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
                     f"{programme.get('content_influence', 'default')}, an assumed constant set so participants' "
                     "attitude shift matches training studies (0.25 baseline SD); across its plausible range the "
                     "cascade varies about fivefold.")
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
    scenario = config.get("scenario_file") or (config.get("scenario") or {}).get("name", "the partnership")
    end = int(programme.get("start_week", 1)) + int(programme.get("duration_weeks", 26)) - 1 if programme else 0
    what = (f"<p>The model simulated {html.escape(str(scenario))}'s senior leaders {run.get('replicates')} times over "
            f"{run.get('weeks')} weeks, each time once <b>with</b> the programme and once <b>without</b> it, from the "
            "same starting point and with the same random events, so that the difference is the programme's doing. "
            + (f"The programme: {programme.get('cohort_size')} participants chosen "
               f"{html.escape(str(programme.get('selection')))}, for {programme.get('duration_weeks')} weeks." if programme
               else "") + "</p>")
    sections = [
        ("What was simulated", what),
        ("The survey: observed, simulated, real change, no programme",
         survey_section(table) + _image(d / "survey_bars.png")),
        ("Who changes, and does it last (the cascade and the decay)",
         effects_section(summary, end) + _image(d / "time_series.png")),
        ("What the numbers rest on", '<div class="warn">' + assumptions_section(config, table) + "</div>"),
        ("The network before and after", _image(d / "network.png")),
        ("Settings and provenance",
         _table(["", ""], [["overrides", html.escape(" ".join(prov.get("overrides", [])) or "(none)")],
                           ["git commit", html.escape(str(prov.get("git", {}).get("commit", "unknown")))],
                           ["started", html.escape(str(prov.get("started", "")))],
                           ["seeds", html.escape(f"base seed {run.get('base_seed')}, {run.get('replicates')} replicates")]])
         + "<details><summary>full configuration</summary><pre>"
         + html.escape(json.dumps(config, indent=1)) + "</pre></details>"),
    ]
    body = "".join(f"<h2>{html.escape(t)}</h2>{c}" for t, c in sections if c)
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Collaboration programme: "
            f"simulated results</title><style>{CSS}</style></head><body><h1>What a system leadership programme "
            f"might do: simulated results</h1><p class=\"note\">{html.escape(str(d))}</p>{body}</body></html>")


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
