"""Plain-language settings for notebooks and the explorer: one glossary, one set of converters.

Each plain setting has a name an organisational development lead would use, the
configuration key it sets, what it means, and a converter from the plain value
(months, "best-connected brokers", yes/no) to the configuration's value. The
notebook API (`experiments.explore`) and the explorer (`experiments.app`) both
use `to_overrides`, then `experiments.config.apply_overrides`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

P = "intervention.leadership_programme."
WEEKS_PER_MONTH = 52 / 12

WHO_WE_PICK = {
    "at random": "random",
    "most senior first": "seniority",
    "best-connected brokers": "brokerage",
    "equal numbers per organisation": "quota",
    "whole teams": "teams",
}


def _positive_weeks(name: str, value: Any, weeks: float, unit: str, smallest: float) -> int:
    """Whole weeks from a plain value; an error (not a silent clamp) when that is under one week."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r}: must be a number of {unit}") from None
    if not number >= smallest or round(weeks) < 1:
        raise ValueError(f"{name}={value!r}: must be at least {smallest:.2g} {unit} (one week)")
    return int(round(weeks))


def months_to_weeks(months: float, name: str = "programme_months") -> int:
    return _positive_weeks(name, months, float(months) * WEEKS_PER_MONTH if _is_number(months) else 0,
                           "months", 1 / WEEKS_PER_MONTH)


def per_month_to_every_weeks(per_month: float, name: str = "workshops_per_month") -> int:
    """Weeks between meetings for meetings per month: at most weekly (4.33 a month)."""
    if not _is_number(per_month) or not 0 < float(per_month) <= WEEKS_PER_MONTH + 1e-9:
        raise ValueError(f"{name}={per_month!r}: must be a number of meetings per month in "
                         f"(0, {WEEKS_PER_MONTH:.2f}] (at most weekly)")
    return max(1, round(WEEKS_PER_MONTH / float(per_month)))


def years_to_weeks(years: float, name: str = "years_followed") -> int:
    return _positive_weeks(name, years, float(years) * 52 if _is_number(years) else 0, "years", 1 / 52)


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool)


def _who(value: str) -> str:
    if value not in WHO_WE_PICK:
        raise ValueError(f"who_we_pick={value!r}: choose from {', '.join(WHO_WE_PICK)}")
    return WHO_WE_PICK[value]


@dataclass(frozen=True)
class PlainSetting:
    name: str
    key: str
    """The configuration key it sets (dotted)."""
    meaning: str
    convert: Callable[[Any], Any] = lambda v: v


GLOSSARY: dict[str, PlainSetting] = {s.name: s for s in (
    PlainSetting("people_on_programme", P + "cohort_size", "how many leaders take part (the case: 60)"),
    PlainSetting("who_we_pick", P + "selection",
                 "how participants are chosen: " + "; ".join(WHO_WE_PICK), _who),
    PlainSetting("programme_months", P + "duration_weeks", "how long the programme runs, in months (the case: 6)",
                 months_to_weeks),
    PlainSetting("workshops_per_month", P + "workshop_every_weeks", "how often the whole cohort meets",
                 per_month_to_every_weeks),
    PlainSetting("mix_people_across_organisations", P + "mixing",
                 "workshops deliberately mix people from different organisations"),
    PlainSetting("action_learning_sets", P + "action_learning", "small sets of leaders from different organisations"),
    PlainSetting("coaching_and_mentoring", P + "coaching", "coaching that improves listening"),
    PlainSetting("system_content", P + "system_sight",
                 "teaching about the whole system and what system leadership means"),
    PlainSetting("governance_sessions", P + "governance", "work on governance and risk appetite"),
    PlainSetting("alumni_follow_on", P + "follow_on", "alumni sets keep meeting every quarter after the programme",
                 lambda v: "alumni_sets" if v else "none"),
    PlainSetting("statutory_pressure", "behaviour.pressure_scale",
                 "how strongly each organisation's own targets pull (1 = as now, 0 = none, up to about 1.4 for "
                 "BNSSG: no organisation's pressure can exceed its maximum)", float),
    PlainSetting("partnership", "scenario",
                 "'bnssg', 'small', the path of your own partnership file, or a partnership described as a dict"),
    PlainSetting("repeats", "run.replicates", "how many times the future is simulated (more = steadier answers, "
                 "slower)"),
    PlainSetting("years_followed", "run.weeks", "how long to follow up, in years (the case: 2)", years_to_weeks),
)}


def glossary() -> pd.DataFrame:
    """The plain-language settings, the configuration keys they set, and what they mean."""
    return pd.DataFrame([{"setting": s.name, "model parameter": s.key, "meaning": s.meaning}
                         for s in GLOSSARY.values()])


def to_overrides(settings: Mapping[str, Any]) -> dict[str, Any]:
    """{configuration key: value} for plain settings (None values are left out)."""
    out = {}
    for name, value in settings.items():
        if value is None:
            continue
        if name not in GLOSSARY:
            raise ValueError(f"{name}={value!r}: unknown setting (see glossary())")
        s = GLOSSARY[name]
        if name == "partnership" and isinstance(value, str) and (value.endswith((".yaml", ".yml")) or "/" in value):
            out["scenario_file"] = value
            continue
        out[s.key] = s.convert(value)
    return out
