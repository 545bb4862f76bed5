"""The notebook API and its honesty: response shift is shown apart from real change, and
settings that cannot take effect are errors."""

import numpy as np
import pytest

from experiments import analysis
from experiments.config import apply_overrides, compose_checked
from experiments.execution import run_replicates
from experiments.explore import _split_sentence, run_programme

P = "intervention.leadership_programme."
NOTHING = {P + c: False for c in ("workshops", "action_learning", "coaching", "system_sight", "governance")}


def _survey(values: dict, replicates: int = 6):
    config = apply_overrides(compose_checked(), {"run.replicates": replicates, "run.weeks": 26,
                                                 "run.base_seed": 31, **values})
    reps = run_replicates(config, {}, workers=2)
    return analysis.survey_statistics(reps.survey, config.programme_end)


def test_a_programme_that_delivers_nothing_shows_no_real_change():
    """Every component off: the participants' real-change answers are those of the
    counterfactual, replicate by replicate, while the reported answers still rise: that rise is
    response shift alone, and the table says so (100% of the rise)."""
    s = _survey(NOTHING)
    on, off = s[s["arm"] == "intervention"].set_index("replicate"), s[s["arm"] == "counterfactual"].set_index(
        "replicate")
    np.testing.assert_array_equal(on["network_agree_end_without_shift"], off["network_agree_end"])
    assert on["network_agree_end"].mean() > off["network_agree_end"].mean() + 0.05
    table = analysis.survey_table(s, {}).set_index("statistic")
    assert table.loc["network_agree_end", "response_shift_share"] == pytest.approx(1.0)


def test_without_response_shift_a_programme_that_delivers_nothing_shows_no_rise():
    """Companion: with both shift terms at zero the reported rise of the test above disappears,
    so it is the shift, and nothing else, that produced it."""
    s = _survey({**NOTHING, "survey.end_shift": 0.0, "survey.retrospective_shift": 0.0})
    on, off = s[s["arm"] == "intervention"], s[s["arm"] == "counterfactual"]
    np.testing.assert_array_equal(on["network_agree_end"].to_numpy(), off["network_agree_end"].to_numpy())


def test_split_sentence_adds_up():
    text = _split_sentence(0.8, 0.6, 0.4)
    assert "+40-point difference" in text and "+20 points come from real change" in text
    assert "+20 points (50%) from response shift" in text and "not a finding" in text
    assert _split_sentence(0.45, 0.45, 0.44) == "The programme barely moves that answer."


@pytest.mark.parametrize("settings,message", [
    ({"programme_months": 0}, r"^programme_months=0: must be at least 0\.23 months \(one week\)$"),
    ({"workshops_per_month": 0}, r"^workshops_per_month=0: must be a number of meetings per month in \(0, 4\.33\]"),
    ({"years_followed": -1}, r"^years_followed=-1: must be at least 0\.019 years \(one week\)$"),
    ({"who_we_pick": "friends"}, r"^who_we_pick='friends': choose from "),
])
def test_plain_settings_that_cannot_take_effect_are_errors(settings, message):
    with pytest.raises(ValueError, match=message):
        run_programme(repeats=2, **settings)


def test_headline_separates_real_change_from_response_shift():
    r = run_programme(repeats=4, years_followed=0.5, workers=2)
    text = r.headline()
    assert "real change" in text and "response shift" in text and "content_influence" in text
    t = r.survey_table.set_index("statistic")
    for column in ("observed", "reported", "real_change", "counterfactual", "response_shift_share"):
        assert column in t.columns


def test_a_notebook_result_becomes_a_shareable_report(tmp_path):
    r = run_programme(repeats=2, years_followed=0.6, workers=2)
    path = r.report(tmp_path / "design.html")
    text = path.read_text()
    assert "real change only" in text and "held out" in text and 'src="data:image/png;base64,' in text
