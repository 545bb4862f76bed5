"""Plain-language settings for notebooks and the explorer: one glossary, one set of converters.

Each plain setting has a name an organisational development lead would use, the
configuration key it sets, what it means, and a converter from the plain value
(months, "best-connected brokers", yes/no) to the configuration's value. The
notebook API (`experiments.interfaces.explore`) and the explorer (`experiments.interfaces.app`)
both use `to_overrides`, then `experiments.running.config.apply_overrides`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.interventions import LeadershipProgramme

P = "intervention.leadership_programme."
WEEKS_PER_MONTH = 52 / 12

WHO_WE_PICK = {
    "at random": "random",
    "most senior first": "seniority",
    "best-connected brokers": "brokerage",
    "equal numbers per organisation": "quota",
    "whole teams": "teams",
}


class SettingError(ValueError):
    """A plain setting that cannot take effect: one line naming the setting as the user typed it."""


def _is_number(value: Any) -> bool:
    """A number, not text that looks like one: "60" in quotes is refused, so a notebook that reads
    a figure from a spreadsheet cell as text learns it there, not from a strange result later."""
    if isinstance(value, (bool, str, bytes)):
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(float(value))


def _unquoted(value: Any) -> str:
    """' (a number, without quotes)' when the value is text that reads as a number."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return ""
        return " (a number, without quotes)"
    return ""


def _number(name: str, value: Any, example: str, low: float | None = None, high: float | None = None,
            low_words: str = "", high_words: str = "") -> float:
    if not _is_number(value):
        raise SettingError(f"{name}={value!r}: give a number, e.g. {example}{_unquoted(value)}")
    x = float(value)
    if low is not None and x < low:
        raise SettingError(f"{name}={value!r}: {low_words or f'at least {low:g}'}")
    if high is not None and x > high:
        raise SettingError(f"{name}={value!r}: {high_words or f'at most {high:g}'}")
    return x


def _whole(name: str, value: Any, example: str, low: int, low_words: str) -> int:
    if isinstance(value, bool) or not _is_number(value) or float(value) != int(float(value)):
        raise SettingError(f"{name}={value!r}: give a whole number, e.g. {example}{_unquoted(value)}")
    if int(float(value)) < low:
        raise SettingError(f"{name}={value!r}: {low_words}")
    return int(float(value))


def _yes_no(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SettingError(f"{name}={value!r}: give True or False")
    return value


def months_to_weeks(months: Any, name: str = "programme_months") -> int:
    m = _number(name, months, "6", low=1, high=60, low_words="a programme lasts at least 1 month",
                high_words="at most 60 months (5 years)")
    return max(1, round(m * WEEKS_PER_MONTH))


def per_month_to_every_weeks(per_month: Any, name: str = "workshops_per_month") -> int:
    """Weeks between meetings for meetings per month: at most weekly (4.33 a month)."""
    x = _number(name, per_month, "1", low=1e-9, high=WEEKS_PER_MONTH + 1e-9,
                low_words="the cohort must meet at least once (give meetings per month, e.g. 0.5 for every "
                          "two months)", high_words=f"at most {WEEKS_PER_MONTH:.2f} a month (weekly)")
    return max(1, round(WEEKS_PER_MONTH / x))


def years_to_weeks(years: Any, name: str = "years_followed") -> int:
    y = _number(name, years, "2", low=1 / 52, high=20, low_words="follow for at least a week (1/52 year)",
                high_words="at most 20 years")
    return max(1, round(y * 52))


def _who(value: Any) -> str:
    if value not in WHO_WE_PICK:
        raise SettingError(f"who_we_pick={value!r}: choose from {', '.join(repr(k) for k in WHO_WE_PICK)}")
    return WHO_WE_PICK[value]


COHORT_SIZE = LeadershipProgramme.specs()["cohort_size"]
FEWEST_PEOPLE = max(1, int(COHORT_SIZE.low))
"""A programme has participants: cohort_size admits 0, but that is no programme, which the 'no
programme' figures already show."""


def people_range(config) -> tuple[int, int]:
    """How many people can take part in a configuration's programme: from FEWEST_PEOPLE to the
    eligible leaders of its partnership (`LeadershipProgramme.eligible`, the bound its
    `check_feasible` enforces), within the schema's range of cohort_size."""
    programme = config.interventions["leadership_programme"]
    return FEWEST_PEOPLE, min(int(COHORT_SIZE.high), programme.eligible(config.partnership))


def _people(value: Any) -> int:
    # the most is the partnership's: the programme's check_feasible says so, reworded by plain_error
    return _whole("people_on_programme", value, str(LeadershipProgramme().cohort_size), FEWEST_PEOPLE,
                  f"at least {FEWEST_PEOPLE} {'person' if FEWEST_PEOPLE == 1 else 'people'} must take part (the "
                  "'no programme' figures show what happens without one)")


def _pressure(value: Any) -> float:
    return _number("statutory_pressure", value, "1", low=0, low_words="0 (no pressure) or more")


def _repeats(value: Any) -> int:
    return _whole("repeats", value, "20", 2, "at least 2 repeats (intervals need two simulated futures)")


def _yes_no_setting(name: str):
    return lambda v: _yes_no(name, v)


@dataclass(frozen=True)
class PlainSetting:
    name: str
    key: str
    """The configuration key it sets (dotted)."""
    meaning: str
    convert: Callable[[Any], Any] = lambda v: v


GLOSSARY: dict[str, PlainSetting] = {s.name: s for s in (
    PlainSetting("people_on_programme", P + "cohort_size", "how many leaders take part (the case: 60)", _people),
    PlainSetting("who_we_pick", P + "selection",
                 "how participants are chosen: " + "; ".join(WHO_WE_PICK), _who),
    PlainSetting("programme_months", P + "duration_weeks", "how long the programme runs, in months (the case: 6)",
                 months_to_weeks),
    PlainSetting("workshops_per_month", P + "workshop_every_weeks", "how often the whole cohort meets",
                 per_month_to_every_weeks),
    PlainSetting("mix_people_across_organisations", P + "mixing",
                 "workshops deliberately mix people from different organisations (True/False)",
                 _yes_no_setting("mix_people_across_organisations")),
    PlainSetting("action_learning_sets", P + "action_learning",
                 "small sets of leaders from different organisations (True/False)",
                 _yes_no_setting("action_learning_sets")),
    PlainSetting("coaching_and_mentoring", P + "coaching", "coaching that improves listening (True/False)",
                 _yes_no_setting("coaching_and_mentoring")),
    PlainSetting("system_content", P + "system_sight",
                 "teaching about the whole system and what system leadership means (True/False)",
                 _yes_no_setting("system_content")),
    PlainSetting("governance_sessions", P + "governance", "work on governance and risk appetite (True/False)",
                 _yes_no_setting("governance_sessions")),
    PlainSetting("alumni_follow_on", P + "follow_on",
                 "alumni sets keep meeting every quarter after the programme (True/False)",
                 lambda v: "alumni_sets" if _yes_no("alumni_follow_on", v) else "none"),
    PlainSetting("statutory_pressure", "behaviour.pressure_scale",
                 "how strongly each organisation's own targets pull (1 = as now, 0 = none, up to about 1.4 for "
                 "BNSSG: no organisation's pressure can exceed its maximum)", _pressure),
    PlainSetting("partnership", "scenario",
                 "'bnssg', 'small', the path of your own partnership file, or a partnership described as a dict"),
    PlainSetting("measured_network", "network_file",
                 "the path of who works with whom as your network survey exported it (a CSV edge list, GraphML or "
                 "GEXF; ids matching your partnership's people): the run starts from it"),
    PlainSetting("people_on_the_programme_file", P + "cohort_file",
                 "the path of a CSV or workbook with a column id naming the people on the programme (instead of "
                 "people_on_programme and who_we_pick)"),
    PlainSetting("repeats", "run.replicates", "how many times the future is simulated (more = steadier answers, "
                 "slower)", _repeats),
    PlainSetting("years_followed", "run.weeks", "how long to follow up, in years (the case: 2)", years_to_weeks),
)}
PLAIN_NAME = {s.key: s.name for s in GLOSSARY.values()} | {"scenario_file": "partnership"}
"""The plain setting that sets each configuration key (to name it in error messages)."""


def plain_error(exc: Exception) -> SettingError:
    """A configuration error reworded to name the plain setting the user typed, where one sets the
    key (e.g. 'intervention.leadership_programme.cohort_size=400: ...' -> 'people_on_programme=400: ...')."""
    text = str(exc)
    key, sep, rest = text.partition("=")
    if sep and key in PLAIN_NAME:
        return SettingError(f"{PLAIN_NAME[key]}={rest}")
    root, dot, below = key.partition(".")
    if sep and dot and root in ("scenario", "scenario_file"):  # a problem inside the partnership's file
        return SettingError(f"partnership.{below}={rest}")
    return SettingError(text)


PARAMETER_WORDS = {
    "behaviour.tie_growth": "how fast a conversation builds a relationship",
    "behaviour.homophily": "preference for talking to one's own organisation",
    "behaviour.susceptibility_mean": "openness to colleagues' views (vs the organisation's line)",
    "behaviour.logit_beta": "how sharply choices follow their pay-offs",
    "behaviour.bridge_decay": "how fast an unused bridge fades",
    "behaviour.forum_contacts": "conversations per forum meeting",
    "behaviour.loss_aversion": "how much a let-down outweighs a good turn",
    "behaviour.perception_noise": "how hard others' actions are to read",
    "behaviour.pressure_scale": "statutory pressure",
    "behaviour.risk_appetite_mean": "appetite for risk on behalf of the system",
    "intervention.leadership_programme.content_influence": "how much the content shifts attitudes (fitted to training studies' attitude effects)",
    "intervention.leadership_programme.engagement_mean": "how engaged participants are",
    "intervention.leadership_programme.coaching_gain_sd": "how much coaching improves listening",
    "intervention.leadership_programme.sight_content_gain": "how much the content widens sight of the system",
    "intervention.leadership_programme.efficacy_content_gain": "how much the content raises belief in influence",
    "intervention.leadership_programme.governance_gain": "how much governance work raises risk appetite",
    "survey.end_shift": "response shift at the programme's end (a prior from training studies; the case cannot settle it)",
    "survey.retrospective_shift": "inflation of 'I have improved' answers (a prior, narrowed by the case)",
    "survey.shift_half_life_weeks": "how fast the response shift fades",
    "survey.network_agree_cut": "the bar for 'strong network'",
    "survey.reliability": "reliability of a one-question measure",
}


def plain_parameter(path: str) -> str:
    """A model parameter in plain words (its last name part, spaced, if it has none)."""
    return PARAMETER_WORDS.get(path, path.split(".")[-1].replace("_", " "))


class Glossary(pd.DataFrame):
    """The glossary table; shown in full (no truncated text) in notebooks."""

    @property
    def _constructor(self):
        return Glossary

    def _repr_html_(self):
        with pd.option_context("display.max_colwidth", None, "display.width", None):
            return self.to_html(index=False)

    def __repr__(self) -> str:
        with pd.option_context("display.max_colwidth", None, "display.width", 200):
            return self.to_string(index=False)


def glossary() -> pd.DataFrame:
    """The plain-language settings, the configuration keys they set, and what they mean (in full)."""
    return Glossary([{"setting": s.name, "meaning": s.meaning, "model parameter": s.key}
                     for s in GLOSSARY.values()])


def to_overrides(settings: Mapping[str, Any]) -> dict[str, Any]:
    """{configuration key: value} for plain settings (None values are left out)."""
    out = {}
    for name, value in settings.items():
        if value is None:
            continue
        if name not in GLOSSARY:
            from sim.schema import suggest

            raise SettingError(f"{name}={value!r}: unknown setting ({suggest(name, GLOSSARY)}; see glossary())")
        s = GLOSSARY[name]
        if name == "partnership" and isinstance(value, str) and (value.endswith((".yaml", ".yml")) or "/" in value):
            out["scenario_file"] = value
            continue
        out[s.key] = s.convert(value)
    return out
