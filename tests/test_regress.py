"""The regression harness: it passes on the committed model, tolerates reordered random draws in
its statistical mode, and fails on a behavioural change."""

import subprocess
import sys
from pathlib import Path

import numpy as np

from experiments.analysis.regress import compare, margin

REPO = Path(__file__).resolve().parents[1]


def _regress(*args):
    return subprocess.run([sys.executable, "-m", "experiments.regress", "--quick", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def test_the_committed_model_matches_its_reference_exactly():
    res = _regress("--exact")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "exact: case_study identical, baseline identical" in res.stdout


def test_reordered_random_draws_pass_the_statistical_comparison_but_not_the_exact_one():
    res = _regress("--seed", "99")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "case_study CHANGED" in res.stdout and "MOVED" not in res.stdout
    assert _regress("--seed", "99", "--exact").returncode == 1


def test_a_behavioural_change_fails():
    """Companion: without the programme's system-first message the orientation effects move far
    beyond the margin, and the harness exits 1 naming them."""
    res = _regress("intervention.leadership_programme.content_influence=0")
    assert res.returncode == 1
    assert "case_study:effect:orientation_participants" in res.stderr


def test_compare_closed_form():
    ref = {"c": {"outcomes": {"x": [1.0, 1.1, 0.9, 1.0], "gone": [1.0, 1.0]}}}
    same = compare(ref, {"c": {"outcomes": {"x": [1.0, 1.05, 0.95, 1.0]}}}).set_index("outcome")
    assert same.loc["x", "verdict"] == "same" and same.loc["gone", "verdict"] == "missing"
    moved = compare(ref, {"c": {"outcomes": {"x": [3.0, 3.1, 2.9, 3.0], "gone": [1.0, 1.0]}}}).set_index("outcome")
    assert moved.loc["x", "verdict"] == "moved"
    assert margin(np.array([1.0, 1.0])) == 0.002
