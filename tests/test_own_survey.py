"""Your own survey: the CSV format, its statistics, bad rows refused by line, and a quick calibration."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.inference.own_survey import figures, observed_for_calibration, read_answers
from sim import ConfigError

REPO = Path(__file__).resolve().parents[1]
HEADER = "respondent,group,item,wave,answer\n"


def _csv(tmp_path, body: str) -> Path:
    path = tmp_path / "answers.csv"
    path.write_text(HEADER + body)
    return path


def test_figures_closed_form(tmp_path):
    body = ("a,participant,network,start,4\nb,participant,network,start,2\n"
            "a,participant,network,end,5\nb,participant,network,end,4\n"
            "a,participant,see_system,end,5\nb,participant,see_system,end,4\n"
            "a,participant,influence,end,2\nb,participant,influence,end,3\n"
            "c,comparison,network,start,4\n")
    answers = read_answers(_csv(tmp_path, body))
    obs = figures(answers)
    assert obs == {"network_agree_start": {"share": 0.5, "n": 2}, "network_agree_end": {"share": 1.0, "n": 2},
                   "see_system_strongly_agree_end": {"share": 0.5, "n": 2},
                   "influence_disagree_end": {"share": 0.5, "n": 2}}
    assert figures(answers, "comparison") == {"network_agree_start": {"share": 1.0, "n": 1}}


@pytest.mark.parametrize("body,message", [
    ("a,participant,trust,start,4\n", r"line 2: item='trust': choose from network, see_system, influence$"),
    ("a,participant,network,start,4\na,participant,network,end,6\n", r"line 3: answer='6': must be a whole number "
                                                                      r"from 1 \(strongly disagree\) to 5"),
    ("a,participant,network,middle,4\n", r"line 2: wave='middle': choose from start, end$"),
    ("a,staff,network,start,4\n", r"line 2: group='staff': choose from participant, comparison$"),
    ("a,participant,see_system,start,4\n", r"line 2: item=see_system is asked at the end only"),
    ("a,participant,network,start,4\na,participant,network,start,3\n", r"line 3: respondent 'a' answers network "
                                                                        r"at the start twice"),
    ("a,participant,network,start,3.5\n", r"line 2: answer='3.5'"),
])
def test_bad_rows_are_refused_by_line(tmp_path, body, message):
    with pytest.raises(ConfigError, match=message):
        read_answers(_csv(tmp_path, body))


def test_missing_columns_and_missing_waves(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("respondent,item,answer\na,network,4\n")
    with pytest.raises(ConfigError, match=r"line 1: missing column\(s\) group, wave"):
        read_answers(path)
    answers = read_answers(_csv(tmp_path, "a,participant,network,end,4\n"))
    with pytest.raises(ConfigError, match=r"no participant answers to the network item at the start wave"):
        observed_for_calibration(answers)


def test_calibration_to_your_own_survey_writes_nothing_on_a_bad_file(tmp_path):
    bad = _csv(tmp_path, "a,participant,network,start,9\n")
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "experiments.calibrate", "--quick", "--survey", str(bad),
                          "--cohort-size", "30", "--programme-weeks", "26", "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert res.returncode == 2 and "line 2: answer='9'" in res.stderr
    assert not out.exists()


def test_quick_calibration_to_the_example_survey(tmp_path):
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "experiments.calibrate", "--quick", "--survey",
                          str(REPO / "docs" / "examples" / "survey_answers.csv"), "--cohort-size", "45",
                          "--programme-weeks", "20", "--out", str(out)], cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "your survey: network_agree_start" in res.stdout and "comparison group" in res.stdout
    assert "real change, the rest response shift" in res.stdout
    assert "ABC INFO" not in res.stdout + res.stderr  # a progress bar (on a terminal), not pyabc's log
    for words in ("What your figures taught the model", "What they could not teach it", "against the calibrated"):
        assert words in res.stdout and words in (out / "summary.md").read_text()
    assert not (out / "calibrated.yaml").exists()  # never the case's conf/behaviour/calibrated.yaml
    # the configuration records what it was calibrated to, and runs with it compare against your figures
    text = (out / "mine.yaml").read_text()
    assert "Calibrated to YOUR survey" in text and "survey_answers.csv" in text
    conf = tmp_path / "conf"
    shutil.copytree(REPO / "conf", conf)
    shutil.copy(out / "mine.yaml", conf / "experiment" / "mine.yaml")
    config = _compose(conf, ["experiment=mine"])
    mine = figures(read_answers(REPO / "docs" / "examples" / "survey_answers.csv"))
    assert {k: v["share"] for k, v in config.case["observed"].items()} == {k: v["share"] for k, v in mine.items()}
    programme = config.interventions["leadership_programme"]
    assert (programme.cohort_size, programme.duration_weeks) == (45, 20)
    assert config.cohort.posterior == str((out / "posterior.parquet").resolve())


def _compose(conf, overrides):
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    from experiments.running.config import check, register_configs

    register_configs()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
            return check(OmegaConf.to_container(compose(config_name="config", overrides=overrides), resolve=True))
    finally:
        GlobalHydra.instance().clear()


def test_the_survey_comes_with_its_programme(tmp_path):
    """A respondent count is not a cohort size: both the size and the length are asked for."""
    survey = str(REPO / "docs" / "examples" / "survey_answers.csv")
    for extra, message in (([], "give the programme's cohort size with --cohort-size"),
                           (["--cohort-size", "45"], "give the programme's length in weeks"),
                           (["--cohort-size", "10", "--programme-weeks", "26"], "fewer than the 40 participants")):
        res = subprocess.run([sys.executable, "-m", "experiments.calibrate", "--quick", "--survey", survey, *extra,
                              "--out", str(tmp_path / "o")], cwd=REPO, capture_output=True, text=True, timeout=300)
        assert res.returncode == 2 and message in res.stderr, res.stderr
        assert not (tmp_path / "o").exists()
