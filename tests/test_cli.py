"""The Hydra entry point: composition, outputs, determinism, bad input, multirun."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.running.config import CONF_DIR, compose_checked
from sim.data import __file__ as _data_init

REPO = Path(__file__).resolve().parents[1]
FAST = ["experiment=smoke", "run.replicates=2", "run.weeks=6", "run.burn_in_weeks=2"]


def run_cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "experiments.run", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


SCENARIO_DIR = Path(_data_init).parent / "scenario"


@pytest.mark.parametrize("experiment", sorted(p.stem for p in (CONF_DIR / "experiment").glob("*.yaml")))
def test_every_experiment_config_composes_and_validates(experiment):
    compose_checked([f"experiment={experiment}"])


@pytest.mark.parametrize("scenario", sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml")))
def test_every_scenario_config_composes_and_validates(scenario):
    config = compose_checked([f"scenario={scenario}", "intervention.leadership_programme.cohort_size=10"])
    assert config.partnership.n_leaders > 0


def test_every_behaviour_config_composes():
    for path in (CONF_DIR / "behaviour").glob("*.yaml"):
        compose_checked([f"behaviour={path.stem}"])


def test_run_writes_results_and_provenance(tmp_path):
    out = tmp_path / "run"
    res = run_cli(*FAST, f"hydra.run.dir={out}")
    assert res.returncode == 0, res.stderr
    df = pd.read_parquet(out / "results.parquet")
    assert list(df.columns[:5]) == ["replicate", "seed", "week", "metric", "value"]
    assert {"scenario", "label"} <= set(df.columns)
    assert sorted(df["replicate"].unique()) == [0, 1] and df["week"].max() == 6
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["config"]["run"]["replicates"] == 2
    assert set(prov["seeds"]) == {"0", "1"} and "mesa" in prov["packages"]
    assert "commit" in prov["git"] and "dirty" in prov["git"]
    assert "mean_orientation" in res.stdout and "[done]" in res.stdout
    assert not list(out.glob(".*.tmp"))


def test_same_config_same_bytes_other_seed_other_numbers(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for d, seed in ((a, 1), (b, 1), (c, 2)):
        assert run_cli(*FAST, f"run.base_seed={seed}", f"hydra.run.dir={d}").returncode == 0
    assert (a / "results.parquet").read_bytes() == (b / "results.parquet").read_bytes()
    va = pd.read_parquet(a / "results.parquet")["value"]
    vc = pd.read_parquet(c / "results.parquet")["value"]
    assert not va.equals(vc)


def test_replicate_seed_is_independent_of_replicate_count(tmp_path):
    from experiments.running.execution import replicate_seed

    assert replicate_seed(1, 3) == replicate_seed(1, 3) != replicate_seed(1, 4)
    a, b = tmp_path / "a", tmp_path / "b"
    assert run_cli(*FAST, "run.replicates=1", f"hydra.run.dir={a}").returncode == 0  # a plain run: no pairs
    assert run_cli(*FAST, "run.replicates=3", f"hydra.run.dir={b}").returncode == 0
    ra = pd.read_parquet(a / "results.parquet")
    rb = pd.read_parquet(b / "results.parquet")
    pd.testing.assert_frame_equal(ra, rb[rb["replicate"] == 0].reset_index(drop=True))


def _scenario_file(tmp_path, text):
    p = tmp_path / "mine.yaml"
    p.write_text(text)
    return p


GOOD_ORGS = """
name: mine
organisations:
  - {name: a, anchor: 0.3, leaders: {chief_executive: 1, director: 3}}
  - {name: b, anchor: 0.5, leaders: {chief_executive: 1, executive: 3}}
  - {name: c, anchor: 0.5, leaders: {chief_executive: 1, executive: 3}}
  - {name: d, anchor: 0.5, leaders: {chief_executive: 1, executive: 3}}
"""

P = "intervention.leadership_programme."
BAD_INPUTS = [
    # an unknown key: "unknown setting", with the nearest setting when there is one
    (["behaviour.no_such_key=1"], "behaviour.no_such_key=1: unknown setting (no setting of behaviour is called "
                                  "no_such_key"),
    ([P + "cohort_sise=30"], P + "cohort_sise=30: unknown setting (did you mean " + P + "cohort_size=30?)"),
    (["behaviour.homophhily=2"], "behaviour.homophhily=2: unknown setting (did you mean behaviour.homophily=2?)"),
    (["not_a_group.key=1"], "not_a_group.key=1: unknown setting (settings start with behaviour, "),
    # a short or plain key: the full key to use
    (["cohort_size=30"], "cohort_size=30: unknown setting; give its full key: " + P + "cohort_size=30"),
    (["partnership=mine.yaml"], "partnership=mine.yaml: unknown setting on the command line; use "
                                "scenario_file=mine.yaml"),
    (["partnership=small"], "partnership=small: unknown setting on the command line; use scenario=small"),
    (["people_on_programme=30"], "people_on_programme=30: unknown setting on the command line (that is the "
                                 "notebooks' name); use " + P + "cohort_size=30"),
    # a wrong type: what to give
    (["behaviour.homophily=lots"], "behaviour.homophily=lots: give a number, e.g. behaviour.homophily="),
    (["run.replicates=abc"], "run.replicates=abc: give a whole number, e.g. run.replicates=100"),
    (["run.figures=maybe"], "run.figures=maybe: give true or false, e.g. run.figures=true"),
    (["behaviour.homophily=2,abc", "-m"], "behaviour.homophily=abc: give a number in [1, 50]"),
    # one replicate where the run prints intervals (design sweeps, one replicate a row, are fine)
    (["run.replicates=1"], "run.replicates=1: this run compares the programme with no programme and prints 95% "
                           "intervals, which need at least 2 replicates"),
    (["-m", "experiment=cohort_size", "run.replicates=1"], "run.replicates=1: this run compares the programme"),
    # a setting that conflicts with another: named as typed, the other beside it
    ([P + "start_week=500"], P + "start_week=500: the programme (weeks 500-525) ends after the run's last week "
                             "(104); lengthen the run (run.weeks >= 525) or shorten the programme (with "
                             + P + "duration_weeks=26)"),
    (["run.weeks=10"], "run.weeks=10: the programme (weeks 1-26) ends after the run's last week (10)"),
    (["run.replicates=0"], "run.replicates=0: must be a whole number in [1, 1000000]"),
    (["run.weeks=-5"], "run.weeks=-5: must be a whole number in [1, 100000]"),
    (["behaviour.forum_attendance=1.2"], "behaviour.forum_attendance=1.2: must be in [0, 1]"),
    (["behaviour.triadic_rate=-0.1"], "behaviour.triadic_rate=-0.1: must be in [0, 1]"),
    (["scenario=atlantis"], "scenario=atlantis: unknown option (available: "),
    (["scenario_file=/nonexistent/mine.yaml"], "scenario_file='/nonexistent/mine.yaml': file not found"),
    (["behaviour.homophily=2,0.5", "-m"], "behaviour.homophily=0.5: must be in [1, 50]"),
]


# each kind of mistake also runs as a real command (one line on stderr, exit code, no directory);
# the rest are checked through the same preflight the command calls, in this process
AS_COMMANDS = {"behaviour.no_such_key=1", P + "cohort_sise=30", "cohort_size=30", "partnership=mine.yaml",
               "behaviour.homophily=lots", "behaviour.homophily=2,abc -m", "run.replicates=1",
               P + "start_week=500", "run.replicates=0", "scenario=atlantis",
               "scenario_file=/nonexistent/mine.yaml", "behaviour.homophily=2,0.5 -m"}


@pytest.mark.parametrize("args,message", BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_input_is_one_plain_line(args, message):
    from experiments.running.preflight import preflight

    problem = preflight(list(args))
    assert problem is not None and "\n" not in problem
    assert ("error: " + problem).startswith("error: " + message), problem


@pytest.mark.parametrize("args,message", [(a, m) for a, m in BAD_INPUTS if " ".join(a) in AS_COMMANDS],
                         ids=[" ".join(a) for a, _ in BAD_INPUTS if " ".join(a) in AS_COMMANDS])
def test_bad_input_one_line_nonzero_no_output(tmp_path, args, message):
    out = tmp_path / "out"
    res = run_cli(*args, f"hydra.run.dir={out}", f"hydra.sweep.dir={out}")
    assert res.returncode != 0
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: " + message), lines[0]
    assert not out.exists()


SCENARIO_FILES = [
    ("name: x\norganisations: [\n  - {name: a", "not valid YAML at line"),
    (GOOD_ORGS.replace("{chief_executive: 1, director: 3}", "{director: 0}"),
     "scenario_file.organisations[0].leaders={'director': 0}: an organisation needs at least one leader"),
    (GOOD_ORGS + "forums:\n  - {name: f, organisations: [a, zebra]}\n",
     "scenario_file.forums[0].organisations='zebra': unknown organisation"),
    (GOOD_ORGS.replace("{chief_executive: 1, director: 3}", "{chief_executive: 2, director: 3}"),
     "scenario_file.organisations[0].leaders.chief_executive=2: more chief executives (5) than organisations (4)"),
]


@pytest.mark.parametrize("text,message", SCENARIO_FILES, ids=["yaml", "no-leaders", "unknown-org", "too-many-ce"])
def test_bad_scenario_files(tmp_path, text, message):
    path = _scenario_file(tmp_path, text)
    out = tmp_path / "out"
    res = run_cli(f"scenario_file={path}", f"hydra.run.dir={out}")
    assert res.returncode != 0
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], res.stderr
    assert not out.exists()


def test_own_scenario_file_runs(tmp_path):
    path = _scenario_file(tmp_path, GOOD_ORGS)
    out = tmp_path / "out"
    res = run_cli(f"scenario_file={path}", "run.replicates=2", "run.weeks=3", "run.burn_in_weeks=1",
                  "intervention.leadership_programme.cohort_size=6",
                  "intervention.leadership_programme.duration_weeks=3", f"hydra.run.dir={out}")
    assert res.returncode == 0, res.stderr
    assert (pd.read_parquet(out / "results.parquet")["scenario"] == "mine").all()


def test_two_job_multirun(tmp_path):
    sweep = tmp_path / "sweep"
    res = run_cli("-m", *FAST, "behaviour.homophily=2,4", f"hydra.sweep.dir={sweep}")
    assert res.returncode == 0, res.stderr
    files = sorted(sweep.glob("*/results.parquet"))
    assert len(files) == 2
    a, b = (pd.read_parquet(f) for f in files)
    # common random numbers: the same seeds in both jobs
    assert a["seed"].unique().tolist() == b["seed"].unique().tolist()


def test_override_copy_reparses_only_what_it_changes():
    """apply_overrides shares the partnership and intervention settings with the original while
    their sections are untouched, rebuilds them when touched, and checks the rules across
    sections either way; the original is never changed."""
    from experiments.running.config import apply_overrides
    from sim import ConfigError

    config = compose_checked([])
    raw_before = json.dumps(config.raw, sort_keys=True, default=str)
    tuned = apply_overrides(config, {"behaviour.tie_growth": 0.3, "survey.end_shift": 0.2})
    assert tuned.partnership is config.partnership and tuned.interventions is config.interventions
    assert tuned.behaviour.tie_growth == 0.3 and tuned.survey.end_shift == 0.2
    smaller = apply_overrides(config, {"intervention.leadership_programme.cohort_size": 30})
    assert smaller.interventions["leadership_programme"].cohort_size == 30
    assert config.interventions["leadership_programme"].cohort_size == 60
    other = apply_overrides(config, {"scenario": "small", "intervention.leadership_programme.cohort_size": 10})
    assert other.partnership.n_leaders != config.partnership.n_leaders
    with pytest.raises(ConfigError, match="cohort_size=60: more than the 35 eligible"):
        apply_overrides(config, {"scenario": "small"})  # the kept programme is checked against the new scenario
    assert json.dumps(config.raw, sort_keys=True, default=str) == raw_before
    # a rule across sections still holds when only one side changes
    with pytest.raises(ConfigError, match="orgs_per_issue"):
        apply_overrides(config, {"behaviour.orgs_per_issue": config.partnership.n_organisations + 1})
    with pytest.raises(ConfigError, match="run.weeks|programme"):
        apply_overrides(config, {"run.weeks": 10})


def test_a_design_sweep_with_one_replicate_a_row_still_runs():
    """The refusal of one replicate is for runs that print intervals: a Morris design (one paired
    replicate per row, indices across rows) passes the preflight."""
    from experiments.running.preflight import preflight

    assert preflight(["-m", "experiment=sensitivity_morris", "run.replicates=1", "design.n=2"]) is None
    assert preflight(["experiment=baseline", "run.replicates=1"]) is None  # no pairs: no intervals to refuse


SURVEY = REPO / "docs" / "examples" / "survey_answers.csv"


def test_a_semicolon_separated_survey_is_read_like_a_comma_separated_one(tmp_path):
    """Excel's CSV in much of Europe separates by semicolons: the same answers either way."""
    from experiments.inference.own_survey import read_answers

    semi = tmp_path / "semi.csv"
    semi.write_text(SURVEY.read_text().replace(",", ";"))
    pd.testing.assert_frame_equal(read_answers(semi), read_answers(SURVEY))


def test_a_survey_with_another_separator_is_named_in_one_line_and_nothing_is_written(tmp_path):
    tabs = tmp_path / "tabs.csv"
    tabs.write_text(SURVEY.read_text().replace(",", "\t"))
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "experiments.calibrate", "--quick", "--survey", str(tabs),
                          "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=300)
    lines = res.stderr.strip().splitlines()
    assert res.returncode != 0 and len(lines) == 1, res.stderr
    assert "separated by commas" in lines[0] and "its header is 'respondent\\tgroup" in lines[0], lines[0]
    assert not out.exists()
