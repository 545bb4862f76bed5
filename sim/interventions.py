"""Process 0, interventions: programmes and reforms acting on their schedule.

An intervention has two parts:

- its **settings**: a frozen, validated dataclass declared with the project's
  schema (`sim.schema`), built once per job, e.g. `LeadershipProgramme(cohort_size=30)`;
  `settings.start(model)` returns
- its **running** part, created once the burn-in is over: the cohort, the
  action-learning sets, the gains accrued so far. Its
  `step(state, params, week, rng)` runs at the start of every week (process 0,
  `Interventions`), acting through the state arrays and by adding conversations
  with `week.add_conversations(a, b)`, which then go through the same tie, trust
  and perception rules as any other meeting.

`settings.counterfactual()` gives the settings of the counterfactual arm of a
paired comparison (a programme that still selects and marks its cohort but
delivers nothing), or None when the intervention has no counterfactual part (a
reform). `programme_end(settings)` is the one definition of a programme's end:
the last week of delivery. An intervention that marks participants says how
many of which roles with `settings.cohort()` (a `Cohort`); the survey keeps
them out of its comparison pool (`cohorts`).

Built-in interventions are registered by name (`INTERVENTIONS`);
`build_interventions` turns a mapping {name: settings} into settings objects.
To add your own, register a factory or name a class in the settings:

    register_intervention("mentoring_circles", MentoringCircles.from_dict)
    {"mine": {"type": "mypkg.module:MySettings", ...}}   # MySettings.from_dict(values, key)
"""

from __future__ import annotations

import dataclasses
import importlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numba import njit

from scipy.special import ndtr

from sim.meetings import group_conversations
from sim.scenario import ROLES
from sim.schema import ConfigError, Settings, choice, choices, flag, number, text
from sim.state import Process
from sim.streams import base_state, entity_state, uniform_of

SELECTIONS = ("random", "seniority", "brokerage", "quota", "teams")
WORKSHOP, SETS, ATTEND_WORKSHOP, ATTEND_COACHING = 1, 2, 3, 4
"""Draw purposes of a programme in the interventions stream (offset by its position): the
conversations at workshops and sets, and who attends a workshop or a coaching session."""
PURPOSES_PER_INTERVENTION = 16
_ONE_GROUP = np.zeros(1, np.int64)
FOLLOW_ON = ("none", "alumni_sets")


# ------------------------------------------------------------------ cohort selection

class Cohort(NamedTuple):
    """The participants an intervention marks: how many, drawn from which roles."""

    size: int
    roles: tuple[str, ...]


def eligible_leaders(partnership, roles: Sequence[str]) -> int:
    """How many leaders of `roles` the partnership has."""
    return sum(o.leaders.get(r, 0) for o in partnership.organisations for r in roles)


def check_cohort_size(size: int, eligible: int, key: str = "cohort_size", whose: str = "") -> None:
    """The cohort-size rule, stated once: a cohort holds at most the eligible leaders."""
    if size > eligible:
        raise ConfigError(f"{key}={size}: more than the {eligible} eligible leaders{whose} (at most {eligible})")


def select_cohort(strategy: str, size: int, eligible: np.ndarray, state, rng: np.random.Generator) -> np.ndarray:
    """Leader ids of the cohort, chosen among `eligible` by one of SELECTIONS.

    random: uniform; seniority: executives before directors (random within role);
    brokerage: lowest Burt network constraint first (networkx, tie strength as
    weight); quota: as equal a number per organisation as possible; teams: whole
    organisations' eligible leaders, organisations in random order.
    """
    # check_feasible held the size to the partnership's eligible leaders; this pool is what another
    # programme's cohort left of them
    check_cohort_size(size, eligible.size)
    if size == 0:
        return np.zeros(0, np.int64)
    leaders = state.leaders
    if strategy == "random":
        chosen = rng.choice(eligible, size, replace=False)
    elif strategy == "seniority":
        order = np.lexsort((rng.random(eligible.size), leaders.role[eligible]))
        chosen = eligible[order[:size]]
    elif strategy == "brokerage":
        import networkx as nx

        from sim.network import leader_graph

        # for all nodes at once: networkx is far slower when given a subset of nodes
        constraint = nx.constraint(leader_graph(state), weight="weight")
        c = np.array([constraint[int(i)] for i in eligible])
        c = np.where(np.isnan(c), np.inf, c)  # isolates broker nothing
        order = np.lexsort((rng.random(eligible.size), c))
        chosen = eligible[order[:size]]
    elif strategy == "quota":
        # organisations take turns, in random order, each sending a random member per turn
        shuffled = eligible[rng.permutation(eligible.size)]
        orgs = leaders.org[shuffled]
        turn_of_org = {int(o): t for t, o in enumerate(rng.permutation(np.unique(orgs)))}
        seen: dict[int, int] = {}
        round_no = np.empty(shuffled.size, np.int64)
        for j, o in enumerate(orgs.tolist()):
            round_no[j] = seen.get(o, 0)
            seen[o] = round_no[j] + 1
        turn = np.array([turn_of_org[o] for o in orgs.tolist()])
        chosen = shuffled[np.lexsort((turn, round_no))[:size]]
    elif strategy == "teams":
        org_order = rng.permutation(np.unique(leaders.org[eligible]))
        ranked = np.concatenate([eligible[leaders.org[eligible] == o] for o in org_order])
        chosen = ranked[:size]
    else:
        raise ConfigError(f"selection={strategy!r}: unknown (choose from {', '.join(SELECTIONS)})")
    return np.sort(chosen.astype(np.int64))


def read_cohort_file(path: str | Path, key: str = "cohort_file") -> tuple[str, ...]:
    """The ids of the people named in a cohort file, in its order (`cohort_rows`)."""
    return tuple(cohort_rows(path, key))


def cohort_rows(path: str | Path, key: str = "cohort_file") -> dict[str, int]:
    """{id: row} of the people named in a cohort file: a CSV (or workbook) with a column `id` (other
    columns, such as a cohort search's features, are ignored). Blank rows are skipped; an id named
    twice is an error naming the file, the row and the column."""
    import csv

    from sim.scenario import normalise_id

    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{key}={str(path)!r}: file not found")
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(p, read_only=True, data_only=True)
            rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
            book.close()
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
            raise ConfigError(f"{key}={str(path)!r}: not a workbook openpyxl can read ({type(exc).__name__})") from None
    else:
        try:
            rows = list(csv.reader(p.read_text(encoding="utf-8-sig").splitlines()))
        except UnicodeDecodeError:
            raise ConfigError(f"{key}={str(path)!r}: not a UTF-8 text file (save it as CSV UTF-8)") from None
    header = [str(h or "").strip().lower() for h in (rows[0] if rows else [])]
    if "id" not in header:
        raise ConfigError(f"{key}={str(path)!r}, row 1: missing column id (one row per person on the programme)")
    col = header.index("id")
    ids, seen = [], {}
    for number, row in enumerate(rows[1:], start=2):
        pid = normalise_id(row[col]) if col < len(row) else None
        if pid is None:
            continue
        if pid in seen:
            raise ConfigError(f"{key}={str(path)!r}, row {number}, column id: {pid!r} is named twice (first at row "
                              f"{seen[pid]})")
        seen[pid] = number
        ids.append(pid)
    if not ids:
        raise ConfigError(f"{key}={str(path)!r}: names nobody (a column id with one row per person)")
    return seen


def named_cohort(labels: Sequence[str], partnership, roles: Sequence[str], key: str,
                 rows: Mapping[str, int] | None = None) -> np.ndarray:
    """The integer ids of a named cohort, checked against the partnership: unknown people and people
    not eligible (their role) are errors naming them (and, from a file's `rows`, the first one's row)."""
    ids, unknown, ineligible = [], [], []
    for label in labels:
        i = partnership.person_id(label)
        if i is None:
            unknown.append(label)
            continue
        role = ROLES[_role_of(partnership, i)]
        if role not in roles:
            ineligible.append(f"{label} ({role.replace('_', ' ')})")
        ids.append(i)
    def where(first: str) -> str:
        return f"{key}, row {rows[first]}, column id" if rows and first in rows else key

    def people(n: int) -> str:
        return "1 person who is" if n == 1 else f"{n} people who are"

    if unknown:
        shown = ", ".join(repr(x) for x in unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        raise ConfigError(f"{where(unknown[0])}: names {people(len(unknown))} not in the partnership: {shown}")
    if ineligible:
        shown = ", ".join(ineligible[:5]) + (f" and {len(ineligible) - 5} more" if len(ineligible) > 5 else "")
        first = next(label for label in labels if f"{label} (" in ineligible[0])
        raise ConfigError(f"{where(first)}: names {people(len(ineligible))} not eligible (eligible roles: "
                          f"{', '.join(roles)}): {shown}")
    return np.array(sorted(ids), np.int64)


def _role_of(partnership, leader_id: int) -> int:
    """The role code of the person with integer id `leader_id` (slot order: organisation, then role)."""
    k = 0
    for o in partnership.organisations:
        for code, role in enumerate(ROLES):
            k += o.leaders[role]
            if leader_id < k:
                return code
    raise IndexError(leader_id)


def action_learning_sets(cohort: np.ndarray, org: np.ndarray, set_size: int) -> list[np.ndarray]:
    """Partition the cohort into sets of about `set_size`, spreading each organisation's
    members over different sets (sorted by organisation, then dealt round-robin)."""
    if cohort.size == 0:
        return []
    n_sets = max(1, math.ceil(cohort.size / set_size))
    ordered = cohort[np.argsort(org[cohort], kind="stable")]
    return [np.sort(ordered[k::n_sets]) for k in range(n_sets)]


# ------------------------------------------------------------------ the programme

@dataclass(frozen=True)
class LeadershipProgramme(Settings):
    """The case's system leadership programme, with every component switchable.

    From `start_week` to its last week (`last_week`): cohort workshops every
    `workshop_every_weeks` (structured cross-organisation mixing when `mixing`),
    action-learning sets of about `set_size` leaders from different organisations
    meeting every `set_every_weeks`, coaching and mentoring that raise listening,
    system content taught at the workshops (a sight bonus, an efficacy gain, and a
    system-first influence source in the orientation update while the programme
    runs), governance and risk-appetite sessions at the workshops that raise risk
    appetite (lowering the perceived statutory cost of system-first action), and
    coaching sessions every `coaching_every_weeks` that raise listening. Each
    participant's engagement e ~ Beta (mean `engagement_mean`) is the probability of
    attending each session, so passive participants gain little (Burt & Ronchi 2007).

    **Dose.** Each gain grows with the sessions of its kind a participant has
    attended, along a saturating dose-response curve: after s sessions, the share
    `dose_share(s)` = Phi(ln(s / `dose_median_sessions`) / `dose_log_sd`) of the full
    effect (the log-normal dose-effect curve of Howard et al. 1986: half of patients
    improved by 8 sessions, three quarters by 26). Each gain is declared as the
    effect, in baseline SDs, of `dose_median_sessions` sessions (where the curve is
    at one half), the dose of the programmes its source evaluated.

    **Retention.** After the programme, what it added decays relative to what is
    left: half in `retention_half_life_months` months of non-use (Tatel & Ackerman
    2025: half of procedural-skill gains lost after about 6.5-13 months without
    use), and not at all in a week in which the participant used that capacity
    (the meta-analytic rate is a rate of non-use): listening and system sight in a
    cross-organisation conversation, risk appetite in an issue decision, efficacy in
    a contribution; alumni-set meetings (follow_on = alumni_sets) are a week of use
    for every capacity of the participants who attend.

    With `active=False` the cohort is selected and marked but nothing else
    happens: the counterfactual arm of a paired comparison.
    """

    cohort_size: int = number(60, 0, 100_000, "leaders who take part (null: set by cohort_file)",
                              "the case: 60 executives and directors", integer=True, optional=True)
    selection: str = choice("random", SELECTIONS,
                            "how participants are chosen (random; seniority: executives first; brokerage: "
                            "lowest Burt constraint; quota: equal numbers per organisation; teams: whole "
                            "organisations; null: named in cohort_file)", "brief, question 4", optional=True)
    cohort_file: str | None = text(None, "a CSV (or workbook) with a column id naming the people on the programme: "
                                   "sets the cohort and its size (cohort_size and selection left unset)",
                                   "user's data", optional=True)
    eligible_roles: tuple[str, ...] = choices(("executive", "director"), ROLES, "roles that may take part",
                                              "the case: executives and directors")
    start_week: int = number(1, 1, 10_000, "first week of delivery", "the case: weeks 1-26", integer=True)
    duration_weeks: int = number(26, 1, 10_000, "weeks of delivery", "the case: six months", integer=True)
    workshops: bool = flag(True, "cohort workshops", "the case")
    mixing: bool = flag(True, "workshops steer conversations across organisations (structured mixing)",
                        "Boudreau et al. 2017; unstructured: Ingram & Morris 2007")
    workshop_every_weeks: int = number(4, 1, 10_000, "weeks between workshops", "assumed (monthly)",
                                       integer=True)
    workshop_contacts: float = number(
        3.0, 0, 20, "conversations each attendee starts per workshop",
        "Ingram & Morris 2007 bound it (about 7 begun per guest at an evening mixer); fitted with the other constants "
        "to the case and the published patterns (prior U(1, 7)); the case study runs at its posterior "
        "(docs/calibration/identifiability.md)")
    action_learning: bool = flag(True, "action-learning sets of leaders from different organisations",
                                 "the case")
    set_size: int = number(6, 1, 10_000, "leaders per action-learning set", "the case: about six", integer=True)
    set_every_weeks: int = number(4, 1, 10_000, "weeks between set meetings", "assumed (monthly)", integer=True)
    set_contacts: float = number(2.0, 0, 20, "conversations each member starts per set meeting", "assumed")
    coaching: bool = flag(True, "coaching and mentoring raise listening", "the case")
    coaching_every_weeks: int = number(4, 1, 10_000, "weeks between coaching sessions",
                                       "the case: coaching alongside the monthly workshops (monthly assumed)",
                                       integer=True)
    coaching_gain_sd: float = number(0.45, 0, 20, "listening gain of dose_median_sessions coaching sessions, in "
                                     "baseline SDs",
                                     "workplace coaching: delta .36 (Jones, Woods & Guillaume 2016, k = 17), g .59 in "
                                     "RCTs (de Haan & Nilsson 2023, 37 RCTs)")
    system_sight: bool = flag(True, "system content at the workshops: sight, efficacy and a system-first message",
                              "the case")
    sight_content_gain: float = number(0.7, 0, 20, "system-sight bonus of dose_median_sessions workshops, in "
                                       "baseline SDs of system sight",
                                       "cognitive learning from training: d .63 (Arthur et al. 2003, k = 234), "
                                       "learning delta .73 (Lacerenza et al. 2017)")
    efficacy_content_gain: float = number(0.5, 0, 20, "efficacy gain of dose_median_sessions workshops, in "
                                          "baseline SDs",
                                          "affective outcomes (self-efficacy) of workplace coaching delta .51 "
                                          "(Jones, Woods & Guillaume 2016); Bandura 1997")
    content_influence: float = number(1.0, 0, 20, "weight x engagement of the content's system-first source "
                                      "in each participant's W while the programme runs (a tie of strength "
                                      "1 and full trust weighs 1)",
                                      "fitted to training's effect on attitudes, 0.10-0.38 baseline SD by the "
                                      "programme's end (Bezrukova et al. 2016: overall g .38, attitudes smaller "
                                      "and decaying; docs/validation.md): its posterior in "
                                      "docs/calibration/posterior_summary.csv; python -m experiments.content_influence")
    governance: bool = flag(True, "governance and risk-appetite sessions at the workshops raise risk appetite",
                            "the case")
    governance_gain: float = number(0.5, 0, 20, "risk-appetite gain of dose_median_sessions workshops, in "
                                    "baseline SDs",
                                    "fitted to leadership training's transfer to on-the-job behaviour (Lacerenza "
                                    "et al. 2017; docs/validation.md): the path from the programme to system-first "
                                    "choices")
    dose_median_sessions: float = number(8.0, 0.5, 1000, "sessions at which a gain reaches half its full effect "
                                         "(the median of the log-normal dose-response)",
                                         "Howard, Kopta, Krause & Orlinsky 1986: half of patients improved by 8 "
                                         "sessions, three quarters by 26 (15 data sets, >2,400 patients)")
    dose_log_sd: float = number(1.75, 0.05, 20, "spread of the log-normal dose-response (SD of log sessions)",
                                "Howard et al. 1986: ln(26 / 8) / 0.674 (their 50% and 75% points)")
    engagement_mean: float = number(0.65, 0.01, 0.99, "mean engagement of participants (Beta)",
                                    "assumed; passive participants gain little: Burt & Ronchi 2007")
    engagement_concentration: float = number(4.0, 0.1, 1000, "concentration of engagement (Beta a + b)",
                                             "assumed")
    retention_half_life_months: float = number(11.0, 0.1, 10_000, "months of non-use in which half of what the "
                                               "programme added is lost",
                                               "Tatel & Ackerman 2025 (1,344 effect sizes): half of procedural-skill "
                                               "gains lost after about 6.5 (accuracy), 11 (mixed) and 13 (speed) "
                                               "months without use")
    follow_on: str = choice("none", FOLLOW_ON, "after the programme: nothing, or alumni sets meeting",
                            "brief, question 3")
    follow_on_every_weeks: int = number(13, 1, 10_000, "weeks between alumni-set meetings",
                                        "assumed (quarterly)", integer=True)
    active: bool = flag(True, "deliver the programme (false: the counterfactual arm, cohort marked only)",
                        "paired design")
    cohort_people: tuple[str, ...] = field(default=(), repr=False)
    """The ids of a named cohort (from `cohort_file`, or given in code: `named`); empty: the cohort is
    chosen by `selection`. Not a setting of its own: it follows the file."""

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None = None, prefix: str = ""):
        """As `Settings.from_dict`, with a named cohort: `cohort_file` (or, in code, `cohort_people`)
        sets the cohort and its size, so `cohort_size` and `selection` must be left unset (null)."""
        values = dict(values or {})
        people = values.pop("cohort_people", None)
        file = values.get("cohort_file")
        if file is None and people is None:
            for name, default in (("cohort_size", 60), ("selection", "random")):
                if values.get(name, default) is None:
                    values[name] = default  # unset without a file: the rule's default
            return super().from_dict(values, prefix)
        key = f"{prefix}.cohort_file" if prefix else "cohort_file"
        given = [k for k in ("cohort_size", "selection") if values.get(k) is not None]
        if given:
            shown = " and ".join(f"{k}={values[k]!r}" for k in given)
            raise ConfigError(f"{key}={file!r}: the file sets the cohort and its size, so cohort_size and selection "
                              f"must be left unset (given: {shown})")
        people = tuple(people) if people is not None else read_cohort_file(file, key)
        values["cohort_size"], values["selection"] = len(people), None
        return dataclasses.replace(super().from_dict(values, prefix), cohort_people=tuple(people))

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        if self.cohort_people:
            d["cohort_size"] = d["selection"] = None  # set by the named cohort
            if d.get("cohort_file") is None:
                d["cohort_people"] = list(self.cohort_people)
        return d

    def named(self, people: Sequence[str]) -> "LeadershipProgramme":
        """These settings with a named cohort (ids of the partnership's people) instead of a rule."""
        values = {**self.to_dict(), "cohort_file": None, "cohort_size": None, "selection": None,
                  "cohort_people": list(people)}
        return type(self).from_dict(values)

    @property
    def last_week(self) -> int:
        """The last week of delivery: the programme's end."""
        return self.start_week + self.duration_weeks - 1

    def check_feasible(self, partnership, weeks: int | None, prefix: str = "intervention.leadership_programme"
                       ) -> None:
        """Errors for settings that could not take effect as asked in this partnership and run
        (instead of a silent clamp): a cohort larger than the eligible leaders, a programme that
        ends after the run, sets that never meet or are larger than the cohort, alumni sets after
        the run."""
        if self.cohort_people:
            named_cohort(self.cohort_people, partnership, self.eligible_roles,
                         f"{prefix}.cohort_file={self.cohort_file!r}" if self.cohort_file else f"{prefix}.cohort",
                         cohort_rows(self.cohort_file) if self.cohort_file else None)
        check_cohort_size(self.cohort_size, self.eligible(partnership), f"{prefix}.cohort_size",
                          f" ({', '.join(self.eligible_roles)}) of {partnership.name}")
        if weeks is not None and self.last_week > weeks:
            raise ConfigError(f"{prefix}.duration_weeks={self.duration_weeks}: the programme (weeks "
                              f"{self.start_week}-{self.last_week}) ends after the run's last week ({weeks}); "
                              f"lengthen the run (run.weeks >= {self.last_week}) or shorten the programme")
        if self.action_learning and self.cohort_size and self.set_size > self.cohort_size:
            raise ConfigError(f"{prefix}.set_size={self.set_size}: larger than the cohort ({self.cohort_size}); "
                              f"at most {self.cohort_size}")
        if self.action_learning and self.set_every_weeks // 2 >= self.duration_weeks:
            raise ConfigError(f"{prefix}.set_every_weeks={self.set_every_weeks}: the sets would never meet in a "
                              f"{self.duration_weeks}-week programme (they meet in the middle of each period); at most "
                              f"{2 * self.duration_weeks - 1}")
        if weeks is not None and self.follow_on != "none" and self.last_week >= weeks:
            raise ConfigError(f"{prefix}.follow_on={self.follow_on}: the run ends with the programme (week "
                              f"{weeks}), so no alumni set would meet; lengthen run.weeks")

    def eligible(self, partnership) -> int:
        """How many leaders of the partnership may take part: the largest cohort it admits."""
        return eligible_leaders(partnership, self.eligible_roles)

    def cohort(self) -> Cohort:
        """The participants the programme marks (in both arms of a pair)."""
        return Cohort(self.cohort_size, tuple(self.eligible_roles))

    def counterfactual(self) -> "LeadershipProgramme":
        return self.replace(active=False)

    def start(self, model) -> "RunningProgramme":
        """Select and mark the cohort, draw engagement, form the sets (interventions stream)."""
        state = model.state
        rng = state.streams["interventions"].sequential
        leaders = state.leaders
        role_codes = [ROLES.index(r) for r in self.eligible_roles]
        if self.cohort_people:  # named: the people's slots (nobody has left in the burn-in: sim.model)
            ids = named_cohort(self.cohort_people, model.partnership, self.eligible_roles, "cohort_file")
            cohort = np.sort(leaders.slots_of(ids))
            if (cohort < 0).any() or leaders.participant[cohort].any():
                raise ConfigError("cohort_file: names people already on another programme's cohort")
        else:
            eligible = np.flatnonzero(np.isin(leaders.role, role_codes) & ~leaders.participant)
            cohort = select_cohort(self.selection, self.cohort_size, eligible, state, rng)
        leaders.participant[cohort] = True
        m = self.engagement_mean
        leaders.engagement[cohort] = rng.beta(m * self.engagement_concentration,
                                              (1 - m) * self.engagement_concentration, cohort.size)
        sets = action_learning_sets(cohort, leaders.org, self.set_size)
        # baseline spreads: gains and decay are expressed in baseline SDs
        sd = {"listening": float(leaders.listening.std()) or 0.1,
              "risk_appetite": float(leaders.risk_appetite.std()) or 0.1,
              "sight_bonus": float(leaders.system_sight.std()) or 0.1,
              "efficacy": float(leaders.efficacy.std()) or 0.1}
        mechanisms = getattr(model, "mechanisms", None)
        direct = mechanisms is None or mechanisms.content == "direct"
        return RunningProgramme(self, cohort, leaders.ids[cohort].copy(), sets, sd,
                                {name: np.zeros(cohort.size) for name in sd},
                                {kind: np.zeros(cohort.size) for kind in ("workshops", "coaching")},
                                purpose=PURPOSES_PER_INTERVENTION * len(state.interventions),
                                direct_content=direct)


def _packed(groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Groups as (offsets, concatenated members), for the compiled meeting kernel."""
    sizes = np.array([g.size for g in groups], np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return offsets, (np.concatenate(groups).astype(np.int64) if groups else np.zeros(0, np.int64))


@dataclass
class RunningProgramme:
    """A programme under way: its cohort, sets and the gains accrued so far.

    The cohort is a set of people (`cohort_ids`), first seen in the slots `cohort`. A
    participant who leaves the partnership (`sim.turnover`) leaves the programme: from then on
    nothing acts on their slot, which a newcomer now holds (`members`)."""

    settings: LeadershipProgramme
    cohort: np.ndarray
    """The participants' slots when the programme started (sorted)."""
    cohort_ids: np.ndarray
    """The participants' leader ids, in the order of `cohort`."""
    sets: list[np.ndarray]
    """The action-learning sets (slots) as formed at the start."""
    baseline_sd: dict[str, float]
    gains: dict[str, np.ndarray]
    """What the programme has added to each trait of each participant (by position in `cohort`)."""
    sessions: dict[str, np.ndarray]
    """Sessions of each kind (workshops, coaching) each participant has attended (by position)."""
    purpose: int = 0
    """Offset of this programme's draw purposes in the interventions stream (its position
    among the run's interventions), so two programmes never share draws."""
    direct_content: bool = True
    """Whether the system content includes a system-first message in participants' opinion
    update (`mechanisms.content`: direct) or acts only through sight, efficacy and risk
    appetite (through_sight)."""

    def __post_init__(self):
        self._seen = -1  # the population's next id when the members were last looked up
        self._follow(None)

    def _follow(self, leaders) -> None:
        """The participants still in the partnership, looked up again only after someone joined."""
        if leaders is not None and leaders.next_id == self._seen:
            return
        present = (np.ones(self.cohort.size, bool) if leaders is None
                   else leaders.present(self.cohort_ids, self.cohort))
        self._seen = -1 if leaders is None else leaders.next_id
        self.present = present
        everyone = bool(present.all())
        self.members = self.cohort if everyone else self.cohort[present]
        """The slots of the participants still in the partnership."""
        self.positions = self.cohort if everyone else np.where(present, self.cohort, -1)
        """`cohort` with -1 for each participant who has left (gains are kept by position)."""
        # a set keeps its place (and so its draws) when members leave, even when none is left
        kept = self.sets if everyone else [m[np.isin(m, self.members)] for m in self.sets]
        self.set_offsets, self.set_members = _packed(kept)

    def idle(self) -> bool:
        """Whether the programme never acts: the counterfactual arm's (cohort marked, nothing
        delivered) or an empty cohort's. Its `step` then returns at once."""
        return not self.settings.active or self.cohort.size == 0

    def step(self, state, params, week, rng) -> None:
        s = self.settings
        if self.idle():
            return
        leaders = state.leaders
        self._follow(leaders)
        members = self.members
        k = week.number - s.start_week
        if 0 <= k < s.duration_weeks:
            if k % s.workshop_every_weeks == 0 and (s.workshops or s.system_sight or s.governance):
                came = self._attend(rng, ATTEND_WORKSHOP, week, leaders)
                if s.workshops and came.any():  # conversations among those who came (keyed by person and week)
                    attendees = members[came]
                    a, b, ids, _ = group_conversations(
                        rng.key, self.purpose + WORKSHOP, week.clock, _ONE_GROUP, np.array([0, attendees.size]),
                        attendees, np.ones(attendees.size), np.array([s.mixing]), leaders.org, s.workshop_contacts,
                        params.homophily, params.acquaintance_preference, state.ties.index_array, leaders.n)
                    week.add_conversations(a, b, ids)
                doses = self._dose("workshops", came)
                if s.system_sight:
                    self._gain(leaders, "sight_bonus", s.sight_content_gain, doses)
                    self._gain(leaders, "efficacy", s.efficacy_content_gain, doses)
                if s.governance:
                    self._gain(leaders, "risk_appetite", s.governance_gain, doses)
            if s.action_learning and k % s.set_every_weeks == s.set_every_weeks // 2:
                self._meet_sets(state, params, week, rng)
            if s.coaching and k % s.coaching_every_weeks == 0:
                self._gain(leaders, "listening", s.coaching_gain_sd,
                           self._dose("coaching", self._attend(rng, ATTEND_COACHING, week, leaders)))
            if s.system_sight and self.direct_content:
                leaders.system_pull[members] = s.content_influence * leaders.engagement[members]
        elif k >= s.duration_weeks:
            leaders.system_pull[members] = 0.0
            met = (s.follow_on == "alumni_sets" and (week.number - s.last_week - 1) % s.follow_on_every_weeks == 0)
            if met:
                self._meet_sets(state, params, week, rng)
            used = self._used(state, met)
            kept = 0.5 ** (12.0 / (52.0 * s.retention_half_life_months))  # what a week of non-use keeps
            for name in self.baseline_sd:
                factors = np.where(used[name], 1.0, kept)
                left = leaders.efficacy_gain if name == "efficacy" else _NOTHING
                _take_back(getattr(leaders, name), self.positions, self.gains[name], factors, left)

    def _attend(self, rng, purpose: int, week, leaders) -> np.ndarray:
        """Which participants still present come to this week's session of a kind: each with
        probability its engagement, keyed by person, week and kind."""
        members = self.members
        return _came(rng.key, self.purpose + purpose, week.clock, leaders.ids[members], leaders.engagement[members])

    def _dose(self, kind: str, came: np.ndarray) -> np.ndarray:
        """Each participant's step along the dose-response curve this session (0 for those who did
        not come; by position in the cohort): dose_share(s) - dose_share(s - 1) for the s-th session."""
        s = self.settings
        sessions = self.sessions[kind]
        before = sessions.copy()
        where = np.flatnonzero(self.present)[came] if not self.present.all() else np.flatnonzero(came)
        sessions[where] += 1.0
        return dose_share(sessions, s.dose_median_sessions, s.dose_log_sd) - dose_share(
            before, s.dose_median_sessions, s.dose_log_sd)

    def _gain(self, leaders, name: str, effect_sd: float, steps: np.ndarray) -> None:
        """Each participant's trait `name` rises by its step along the dose-response curve x twice
        the effect of `dose_median_sessions` sessions (where the curve is at one half), in
        baseline SDs, capped to [0, 1]; what was added is remembered (`gains`, and for efficacy
        `efficacy_gain`)."""
        also = leaders.efficacy_gain if name == "efficacy" else _NOTHING
        _add_gain(getattr(leaders, name), self.positions, steps * (2.0 * effect_sd * self.baseline_sd[name]),
                  self.gains[name], also)

    def _used(self, state, alumni_met: bool) -> dict[str, np.ndarray]:
        """Which participants (by position in the cohort) used each capacity last week: listening
        and system sight in a cross-organisation conversation, risk appetite in an issue decision,
        efficacy in a contribution; every capacity in a week their alumni set met."""
        n = state.leaders.n
        last, org = state.last_week, state.leaders.org
        talked = np.zeros(n, bool)
        if last is not None:
            a, b = last.conversation_a, last.conversation_b
            cross = org[a] != org[b]
            talked[a[cross]] = True
            talked[b[cross]] = True
        decided, contributed = np.zeros(n, bool), np.zeros(n, bool)
        if last is not None:
            decided[last.representatives.ravel()] = True
            contributed[last.contributors] = True
        slots = np.where(self.positions >= 0, self.positions, 0)
        always = np.zeros(slots.size, bool)
        if alumni_met:
            always[self.positions >= 0] = True
        return {"listening": talked[slots] | always, "sight_bonus": talked[slots] | always,
                "risk_appetite": decided[slots] | always, "efficacy": contributed[slots] | always}

    def _meet_sets(self, state, params, week, rng) -> None:
        n_sets = self.set_offsets.size - 1
        if n_sets < 1:
            return
        a, b, ids, _ = group_conversations(rng.key, self.purpose + SETS, week.clock, np.arange(n_sets),
                                           self.set_offsets, self.set_members,
                                           state.leaders.engagement[self.set_members], np.ones(n_sets, bool),
                                           state.leaders.org, self.settings.set_contacts, params.homophily,
                                           params.acquaintance_preference, state.ties.index_array, state.leaders.n)
        week.add_conversations(a, b, ids)


def dose_share(sessions, median: float, log_sd: float):
    """The share of a component's full effect reached after `sessions` sessions: the log-normal
    dose-response Phi(ln(s / median) / log_sd), 0 with no session (Howard et al. 1986)."""
    s = np.asarray(sessions, float)
    with np.errstate(divide="ignore"):
        return np.where(s > 0, ndtr(np.log(np.maximum(s, 1e-300) / median) / log_sd), 0.0)


_NOTHING = np.zeros(0)
"""No array: `_add_gain` and `_take_back` leave efficacy's experience record alone for other traits."""


@njit(cache=True)
def _came(key, purpose, clock, ids, probability):
    """Whether each person comes: a keyed draw by person and week below their probability."""
    base = base_state(key, purpose, clock)
    out = np.empty(ids.size, np.bool_)
    for j in range(ids.size):
        out[j] = uniform_of(entity_state(base, ids[j])) < probability[j]
    return out


@njit(cache=True)
def _add_gain(values, cohort, amounts, gains, efficacy_gain):
    """values[i] += amounts[j] for each participant i = cohort[j] (sorted, unique slots; -1 for
    one who has left), capped to [0, 1]; what was added goes to `gains` (by position in the cohort)
    and, if `efficacy_gain` is not empty, to it (by slot)."""
    for j in range(cohort.size):
        i = cohort[j]
        if i < 0 or amounts[j] == 0.0:
            continue
        before = values[i]
        after = min(max(before + amounts[j], 0.0), 1.0)
        values[i] = after
        added = after - before
        gains[j] += added
        if efficacy_gain.size:
            efficacy_gain[i] += added


@njit(cache=True)
def _take_back(values, cohort, gains, kept, efficacy_gain):
    """Each participant keeps the share `kept[j]` of their remaining gain; the rest leaves the trait
    (for efficacy, no more than what experience has left of it, `efficacy_gain`, which loses the
    same)."""
    for j in range(cohort.size):
        i = cohort[j]
        if i < 0:  # a participant who has left
            continue
        drop = gains[j] * (1.0 - kept[j])
        if efficacy_gain.size:
            drop = min(drop, efficacy_gain[i])
            efficacy_gain[i] = efficacy_gain[i] - drop
        values[i] -= drop
        gains[j] -= drop


# ------------------------------------------------------------------ a reform

@dataclass(frozen=True)
class GovernanceAlignment(Settings):
    """A shared outcomes framework: organisation anchors move towards the system,
    `a <- a + shift (1 - a)`, phased in linearly over `ramp_weeks` from `start_week`
    (the lever statutory reform would pull). It has no counterfactual part."""

    shift: float = number(0.3, 0, 1, "share of the distance to a fully system-minded anchor closed",
                          "assumed (scenario lever)")
    start_week: int = number(1, 1, 10_000, "first week of the reform", "scenario lever", integer=True)
    ramp_weeks: int = number(26, 1, 10_000, "weeks over which it is phased in", "assumed", integer=True)

    def counterfactual(self) -> None:
        return None

    def check_feasible(self, partnership, weeks: int | None, prefix: str = "intervention.governance_alignment"
                       ) -> None:
        if weeks is not None and self.start_week > weeks:
            raise ConfigError(f"{prefix}.start_week={self.start_week}: after the run's last week ({weeks}); "
                              f"at most {weeks}")
        if weeks is not None and self.start_week + self.ramp_weeks - 1 > weeks:
            raise ConfigError(f"{prefix}.ramp_weeks={self.ramp_weeks}: the reform would not be fully phased in by "
                              f"the run's last week ({weeks}); at most {weeks - self.start_week + 1}")

    def start(self, model) -> "RunningGovernance":
        return RunningGovernance(self, model.state.organisations.anchor.copy())


@dataclass
class RunningGovernance:
    settings: GovernanceAlignment
    initial_anchor: np.ndarray

    def step(self, state, params, week, rng) -> None:
        s = self.settings
        done = (week.number - s.start_week + 1) / s.ramp_weeks
        if done > 0:
            a0 = self.initial_anchor
            state.organisations.anchor[:] = a0 + s.shift * min(done, 1.0) * (1 - a0)


class Interventions(Process):
    """0. Interventions: every running intervention acts, in the order they were given."""

    name = "interventions"
    stream = "interventions"
    during_burn_in = False

    def idle(self, state, params) -> bool:
        """No intervention that acts: none, or only running interventions whose `idle()` says they
        never act (a counterfactual arm's programme). The week can then run compiled, since the
        stepped week would call nothing but steps that return at once. An intervention without
        `idle` counts as acting."""
        return all(hasattr(running, "idle") and running.idle() for running in state.interventions)

    def step(self, state, params, week, rng) -> None:
        for running in state.interventions:
            running.step(state, params, week, rng)


# ------------------------------------------------------------------ registry

INTERVENTIONS: dict[str, Callable[..., Any]] = {}


def register_intervention(name: str, factory: Callable[..., Any]) -> None:
    """Make `factory(values: dict, key: str) -> settings` available under `name`."""
    INTERVENTIONS[name] = factory


COACHING_ONLY = {"workshops": False, "action_learning": False, "system_sight": False, "governance": False}
NETWORKING_EVENTS = {"mixing": False, "action_learning": False, "coaching": False, "system_sight": False,
                     "governance": False}

register_intervention("leadership_programme", LeadershipProgramme.from_dict)
register_intervention("coaching_only", lambda v, key: LeadershipProgramme.from_dict({**COACHING_ONLY, **v}, key))
register_intervention("networking_events",
                      lambda v, key: LeadershipProgramme.from_dict({**NETWORKING_EVENTS, **v}, key))
register_intervention("governance_alignment", GovernanceAlignment.from_dict)


def _resolve(kind: str, key: str):
    if kind in INTERVENTIONS:
        return INTERVENTIONS[kind]
    if ":" in kind:
        module, _, attr = kind.partition(":")
        try:
            cls = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"{key}.type={kind!r}: cannot import ({exc})") from None
        return cls.from_dict
    raise ConfigError(f"{key}={kind!r}: unknown intervention (known: {', '.join(sorted(INTERVENTIONS))})")


def build_interventions(spec: Mapping[str, Any] | None, prefix: str = "intervention") -> dict[str, Any]:
    """Settings objects from {name: settings mapping (or an already built settings object)}."""
    out = {}
    for name, values in (spec or {}).items():
        if hasattr(values, "start"):
            out[name] = values
            continue
        key = f"{prefix}.{name}"
        values = dict(values or {})
        kind = values.pop("type", name)
        out[name] = _resolve(str(kind), key)(values, key)
    return out


def check_interventions(interventions: Mapping[str, Any], partnership, weeks: int | None,
                        prefix: str = "intervention") -> None:
    """Each intervention's `check_feasible` against the partnership and the run's length."""
    for name, settings in interventions.items():
        check = getattr(settings, "check_feasible", None)
        if check is not None:
            check(partnership, weeks, f"{prefix}.{name}")


def counterfactual(interventions: Mapping[str, Any]) -> dict[str, Any]:
    """The counterfactual arm's settings: each intervention's `counterfactual()` (programmes
    inactive but still marking their cohort); interventions without one are left out."""
    out = {}
    for name, settings in interventions.items():
        cf = settings.counterfactual() if hasattr(settings, "counterfactual") else None
        if cf is not None:
            out[name] = cf
    return out


def cohorts(interventions: Mapping[str, Any] | Sequence[Any]) -> list[Cohort]:
    """The cohorts of the interventions that mark participants (those whose settings have `cohort()`)."""
    values = interventions.values() if isinstance(interventions, Mapping) else interventions
    return [s.cohort() for s in values if callable(getattr(s, "cohort", None))]


def last_weeks(interventions: Mapping[str, Any] | Sequence[Any]) -> list[int]:
    """The last week of delivery of every intervention that has one."""
    values = interventions.values() if isinstance(interventions, Mapping) else interventions
    return sorted(int(s.last_week) for s in values if hasattr(s, "last_week"))


def programme_end(interventions: Mapping[str, Any] | Sequence[Any]) -> int | None:
    """The programme's end: the last week of delivery of the earliest-ending programme
    (None without one). The run, the survey waves, calibration and aggregation use it."""
    ends = last_weeks(interventions)
    return ends[0] if ends else None


def cohort_of(running: Sequence[Any]) -> np.ndarray:
    """Union of the cohorts of running interventions (their participants still in the partnership)."""
    cohorts = [getattr(r, "members", r.cohort) for r in running if getattr(r, "cohort", None) is not None]
    return np.unique(np.concatenate(cohorts)) if cohorts else np.zeros(0, np.int64)
