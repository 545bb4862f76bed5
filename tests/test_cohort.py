"""The cohort search, small: it writes a cohort that a run can take as its cohort_file, a comparison with
95% intervals on fresh seeds, and says what it could not find; bad settings stop it before any file."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from experiments.analysis import cohort
from experiments.running.config import apply_overrides, check, compose, compose_checked
from experiments.running.cohort_job import run_search

REPO = Path(__file__).resolve().parents[1]
SMALL = ["scenario=small", "intervention.leadership_programme.duration_weeks=8",
         "intervention.leadership_programme.cohort_size=8", "run.burn_in_weeks=20", "run.weeks=10", "cohort.size=8",
         "cohort.budget=16", "cohort.search_replicates=3", "cohort.fresh_replicates=5", "cohort.screening=3",
         "run.workers=1"]


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort")
    raw = OmegaConf.to_container(compose(SMALL), resolve=True)
    files = run_search(raw, out, SMALL)
    return out, files


def test_the_search_writes_its_files(searched):
    out, files = searched
    assert {"cohort.csv", "comparison.csv", "search.csv", "noise.csv", "summary.md", "timing.json",
            "provenance.json"} <= set(files)
    people = pd.read_csv(out / "cohort.csv")
    assert len(people) == 8 and people["id"].is_unique
    assert any("not causes" in c for c in people.columns)
    assert all(c.startswith("feature") for c in people.columns if c not in ("id", "organisation", "role"))
    table = pd.read_csv(out / "comparison.csv")
    assert list(table["arm"]) == ["recommended", "best rule (as the search started)", "random", "seniority",
                                  "brokerage"]
    rows = table.iloc[1:]
    assert (rows["difference_low"] <= rows["recommended_minus_arm"]).all()
    assert (rows["recommended_minus_arm"] <= rows["difference_high"]).all()
    assert (table["replicates"] == 5).all()
    text = (out / "summary.md").read_text()
    assert "fresh seeds" in text and "BoltzmannWealth(250, 104)" in text
    assert "too noisy" in text or "can be optimised" in text
    assert "Without a measured network" in text  # the scenario has none: a named cohort cannot use network position
    log = pd.read_csv(out / "search.csv")
    assert len(log) <= 16 and log["cohort"].str.startswith("rule: ").sum() == 5


def test_the_recommended_cohort_is_a_cohort_file(searched):
    out, _ = searched
    plain = [s for s in SMALL if not s.startswith("cohort.") and "cohort_size" not in s]
    named = compose_checked([*plain, f"intervention.leadership_programme.cohort_file={out / 'cohort.csv'}"])
    assert apply_overrides(compose_checked(SMALL), {"intervention.leadership_programme.cohort_file":
                                                    str(out / "cohort.csv")}).interventions == named.interventions
    programme = named.interventions["leadership_programme"]
    assert programme.cohort_size == 8 and programme.selection is None
    model = named.spec.model(1, weeks=1, survey=False)
    chosen = set(model.partnership.public_labels(model.state.leaders.ids[model.state.leaders.participant]))
    assert chosen == set(pd.read_csv(out / "cohort.csv")["id"])


def test_comparison_intervals_closed_form():
    fresh = pd.DataFrame([{"replicate": r, "arm": a, "objective": v, "relationships": v, "issue_success": 0.0,
                           "system_first_others": 0.0}
                          for r in range(4) for a, v in (("recommended", 1.0 + r), ("random", 0.5 + r))])
    table = cohort.comparison(fresh).set_index("arm")
    assert table.loc["random", "recommended_minus_arm"] == pytest.approx(0.5)
    assert table.loc["random", "difference_low"] == pytest.approx(0.5)  # no spread in the paired differences
    assert table.loc["recommended", "objective"] == pytest.approx(2.5)


@pytest.mark.parametrize("override,message", [
    ("cohort.size=400", r"^cohort.size=400: more than the 35 eligible leaders"),
    ("cohort.objective=mix", r"^cohort.objective=mix: give weights of relationships, issue_success.*\(with cohort.weights=\{\}\)$"),
    ("cohort.posterior=nowhere.parquet", r"^cohort.posterior='nowhere.parquet': file not found"),
    ("cohort.objective=happiness", r"^cohort.objective='happiness': unknown"),
])
def test_bad_settings_stop_before_any_file(tmp_path, override, message):
    out = tmp_path / "out"
    size = [] if override.startswith("cohort.size=") else ["cohort.size=8"]
    res = subprocess.run([sys.executable, "-m", "experiments.cohort", "scenario=small", *size, override,
                          f"hydra.run.dir={out}"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert res.returncode == 2
    line = res.stderr.strip().removeprefix("error: ")
    assert "\n" not in line
    import re

    assert re.search(message, line), line
    assert not out.exists()


def test_posterior_draws_follow_the_weights(tmp_path):
    post = pd.DataFrame({"tie_growth": [0.1, 0.3], "end_shift": [0.2, 0.2], "retrospective_shift": [0.5, 0.5],
                         "weight": [0.0, 1.0]})
    path = tmp_path / "posterior.parquet"
    post.to_parquet(path)
    draws = cohort.posterior_draws(str(path), 5, np.random.default_rng(1))
    assert all(d["behaviour.tie_growth"] == 0.3 for d in draws)
    assert cohort.posterior_draws("", 2, np.random.default_rng(1)) == [{}, {}]
    check(OmegaConf.to_container(compose(SMALL), resolve=True))
