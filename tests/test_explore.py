"""The notebook API and its honesty: response shift is shown apart from real change, and
settings that cannot take effect are errors."""

import numpy as np
import pytest

from experiments.analysis.effects import survey_statistics, survey_table
from experiments.running.config import apply_overrides, compose_checked
from experiments.running.execution import run_replicates
from experiments.interfaces.explore import _split_sentence, run_programme

P = "intervention.leadership_programme."
NOTHING = {P + c: False for c in ("workshops", "action_learning", "coaching", "system_sight", "governance")}


def _survey(values: dict, replicates: int = 6):
    config = apply_overrides(compose_checked(), {"run.replicates": replicates, "run.weeks": 26,
                                                 "run.base_seed": 31, **values})
    reps = run_replicates(config, {}, workers=2)
    return survey_statistics(reps.survey, config.programme_end)


def test_a_programme_that_delivers_nothing_shows_no_real_change():
    """Every component off: the participants' real-change answers are those of the
    counterfactual, replicate by replicate, while the reported answers still rise: that rise is
    response shift alone, and the table says so (100% of the rise)."""
    s = _survey({**NOTHING, "survey.end_shift": 0.5, "uncertainty.draws": "medians"})  # a shift to see
    on, off = s[s["arm"] == "intervention"].set_index("replicate"), s[s["arm"] == "counterfactual"].set_index(
        "replicate")
    np.testing.assert_array_equal(on["network_agree_end_without_shift"], off["network_agree_end"])
    assert on["network_agree_end"].mean() > off["network_agree_end"].mean() + 0.05
    table = survey_table(s, {}).set_index("statistic")
    assert table.loc["network_agree_end", "response_shift_share"] == pytest.approx(1.0)


def test_without_response_shift_a_programme_that_delivers_nothing_shows_no_rise():
    """Companion: with both shift terms at zero the reported rise of the test above disappears,
    so it is the shift, and nothing else, that produced it."""
    s = _survey({**NOTHING, "survey.end_shift": 0.0, "survey.retrospective_shift": 0.0})
    on, off = s[s["arm"] == "intervention"], s[s["arm"] == "counterfactual"]
    np.testing.assert_array_equal(on["network_agree_end"].to_numpy(), off["network_agree_end"].to_numpy())


def test_split_sentence_adds_up():
    text = _split_sentence(0.8, 0.6, 0.4, 0.5)
    assert "+40-point difference" in text and "+20 points come from real change" in text
    assert "+20 points from response shift (50% of the rise)" in text and "not a finding" in text
    assert _split_sentence(0.45, 0.45, 0.44) == "The programme barely moves that answer."


@pytest.mark.parametrize("settings,message", [
    ({"programme_months": 0}, r"^programme_months=0: a programme lasts at least 1 month$"),
    ({"workshops_per_month": 0}, r"^workshops_per_month=0: the cohort must meet at least once"),
    ({"years_followed": -1}, r"^years_followed=-1: follow for at least a week"),
    ({"who_we_pick": "friends"}, r"^who_we_pick='friends': choose from "),
    ({"people_on_programme": "sixty"}, r"^people_on_programme='sixty': give a whole number, e\.g\. 60$"),
    ({"people_on_programme": "60"}, r"^people_on_programme='60': give a whole number, e\.g\. 60 \(a number, "
                                    r"without quotes\)$"),
    ({"statutory_pressure": "1"}, r"^statutory_pressure='1': give a number, e\.g\. 1 \(a number, without quotes\)$"),
    ({"programme_months": "6"}, r"^programme_months='6': give a number"),
    ({"partnership": "/nonexistent/mine.yaml"}, r"^partnership='/nonexistent/mine\.yaml': file not found$"),
    ({"people_on_programme": 0}, r"^people_on_programme=0: at least 1 person must take part"),
    ({"people_on_programme": 400}, r"^people_on_programme=400: more than the 234 eligible leaders"),
    ({"programme_months": 36, "years_followed": 1}, r"^years_followed=1: shorter than the programme \(36 months\)"),
    ({"mix_people_across_organisations": "yes"}, r"^mix_people_across_organisations='yes': give True or False$"),
    ({"partnership": {"name": "tiny", "organisations": [{"name": "a", "type": "acute_trust", "anchor": 0.3,
                                                          "leaders": {"chief_executive": 1, "executive": 3,
                                                                      "director": 4}}]}},
     r"^partnership='tiny': each collective issue involves 4 organisations"),
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


def test_decay_sentence_names_its_quantity_and_is_computed_from_the_numbers():
    import pandas as pd

    from experiments.outputs.words import lasting

    effects = pd.DataFrame([{"metric": "strong_cross_ties_participants", "week": w, "effect": x, "low": x - 0.01,
                             "high": x + 0.01, "counterfactual": 1.0} for w, x in ((26, 2.0), (52, 0.12), (104, 0.02))])
    assert lasting(effects, 26) == ("How long it lasts: of participants' gain in strong relationships across "
                                    "organisations, 6% remains at week 52 (+0.12 [+0.11, +0.13]) and 1% remains at "
                                    "week 104 (+0.020 [+0.010, +0.030]).")
    assert lasting(effects[effects["week"] == 26], 26) == ""


def test_no_sentence_of_the_headline_says_nan():
    r = run_programme(repeats=2, years_followed=1.2, workers=2)
    text = r.headline()
    assert "nan" not in text.lower() and "remains at week 52" in text and "not a forecast" in text
    assert "System-first behaviour" in text and "Leaders who did not take part" in text


def test_describe_comparison_reads_its_own_table():
    """Sentences come from the numbers: 'more' only where the intervals do not overlap."""
    import pandas as pd

    from experiments.interfaces.explore import COMPARED, describe_comparison

    def row(ties, left, cascade, width=0.01):
        out = {}
        for column, value in zip(COMPARED, (ties, left, 0.02, cascade)):
            out.update({column: value, f"{column} low": value - width, f"{column} high": value + width})
        return out

    table = pd.DataFrame({"case": row(2.0, 0.4, 0.003), "brokers": row(2.6, 0.4, 0.0031)}).T
    (text,) = describe_comparison(table)
    assert text.startswith("- brokers, compared with case: more new strong ties")
    assert "about the same of those ties left a year on" in text and "about the same shift" in text


@pytest.fixture(scope="module")
def short_run():
    return run_programme(repeats=4, years_followed=1.2, workers=2)


def test_the_headline_says_what_the_tables_beside_it_say(short_run):
    """Each figure of the headline is the one its table shows: the survey's percentages and share of
    response shift as survey_view() prints them, and the system-first and decay figures from effects."""
    import re

    r = short_run
    text = r.headline()
    view = r.survey_view()
    net = view[view["answer counted"] == "agree or strongly agree, end"].iloc[0]
    reported = net["simulated, as reported"].split(" ")[0]
    assert f"{reported} of participants say they have a strong network in the system, against " \
           f"{net['no programme']} had there been no programme" in text
    points = int(reported.rstrip("%")) - int(net["no programme"].rstrip("%"))
    real = int(net["real change only"].rstrip("%")) - int(net["no programme"].rstrip("%"))
    assert f"Of that {points:+d}-point difference, {real:+d} points come from real change" in text
    assert f"({net['share of the rise that is response shift']} of the rise)" in text
    e = r.effects.set_index(["metric", "week"])
    sf = e.loc[("system_first_participants", r.end_week)]
    assert (f"participants put the system first in {sf['counterfactual'] + sf['effect']:.0%} of their decisions on "
            f"shared issues, against {sf['counterfactual']:.0%} without it") in text
    ties = e.loc[("strong_cross_ties_participants", r.end_week)]
    later = e.loc[("strong_cross_ties_participants", 52)]
    assert f"{later['effect'] / ties['effect']:.0%} remains at week 52" in text
    # every bracketed interval is [low, high] around its figure
    for figure, low, high in re.findall(r"([+-]\d+\.?\d*)[^\[\]]{0,30}\[([+-]\d+\.?\d*), ([+-]\d+\.?\d*)\]", text):
        assert float(low) <= float(figure) + 1e-9 and float(figure) <= float(high) + 1e-9, (figure, low, high)


def test_a_result_saves_a_spreadsheet_rounded_for_reading(short_run, tmp_path):
    """summary.xlsx beside the CSVs: one sheet per table, rounded, and a sheet of what each column means;
    the CSVs keep full precision."""
    import openpyxl
    import pandas as pd

    short_run.save(tmp_path)
    book = openpyxl.load_workbook(tmp_path / "summary.xlsx")
    assert book.sheetnames == ["columns", "effects", "survey"]
    csv = pd.read_csv(tmp_path / "summary.csv")
    sheet = pd.DataFrame(book["effects"].values)
    sheet.columns = sheet.iloc[0]
    sheet = sheet.iloc[1:].reset_index(drop=True)
    assert list(sheet.columns) == list(csv.columns)
    for column in ("effect", "low", "high"):
        for x, y in zip(csv[column], sheet[column]):
            assert y == pytest.approx(x, rel=5e-3) and len(f"{abs(y):e}".split("e")[0].rstrip("0")) <= 5
    assert any(len(repr(x)) > 12 for x in csv["effect"])  # the CSV keeps full precision
    described = {(r[0].value, r[1].value) for r in book["columns"].iter_rows(min_row=4)}
    assert all(any(c == column for _, c in described) for column in csv.columns)
    assert book["survey"]["D2"].number_format == "0%"
