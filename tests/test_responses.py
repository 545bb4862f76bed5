"""`python -m experiments.responses`: which calibration statistics respond to one setting."""

import subprocess
import sys
from pathlib import Path

from experiments.inference.responses import responses
from experiments.running.config import compose_checked

REPO = Path(__file__).resolve().parents[1]
CASE = ["experiment=case_study"]  # the BNSSG forums: the small scenario has no unstructured cross-organisation one


def test_the_preference_for_known_people_moves_the_mixing_pattern_and_the_response_shift_does_not():
    """The mixing odds ratio is measured at the counterfactual arm's forums: a fivefold preference
    for known people raises it far beyond noise, while the end-of-programme response shift, which
    only changes survey answers, cannot move it (the companion: it fails if the tool applied a
    setting to the wrong runs or called noise a response)."""
    config = compose_checked(CASE)
    known = responses(config, "behaviour.acquaintance_preference", [1.0, 5.0], 8, 3, 1).set_index("statistic")
    assert known.loc["mixing_odds_ratio", "responds"]
    assert known.loc["mixing_odds_ratio", "mean_at_5"] > known.loc["mixing_odds_ratio", "mean_at_1"]
    shift = responses(config, "survey.end_shift", [0.0, 0.5], 8, 3, 1).set_index("statistic")
    assert shift.loc["mixing_odds_ratio", "largest_change"] == 0.0 and not shift.loc["mixing_odds_ratio", "responds"]
    assert shift.loc["network_agree_end", "largest_change"] > 0  # the shift does move what it should


def test_settings_the_simulator_sets_and_repeated_values_are_refused():
    import pytest

    from sim.schema import ConfigError

    config = compose_checked(CASE)
    with pytest.raises(ConfigError, match="would not take effect"):
        responses(config, "survey.baseline_agree_network", [0.3, 0.5], 2, 3, 1)
    with pytest.raises(ConfigError, match="two or more different values"):
        responses(config, "behaviour.forum_contacts", [2.0, 2.0], 2, 3, 1)


def test_a_setting_that_is_not_one_is_a_one_line_error():
    res = subprocess.run([sys.executable, "-m", "experiments.responses", "behaviour.forum_contact", "2", "4",
                          "--replicates", "2"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert res.returncode == 2 and res.stderr.strip().count("\n") == 0
    assert "behaviour.forum_contact" in res.stderr and "forum_contacts" in res.stderr
