"""Partnerships as data: organisations, their leaders by role, and forums.

A partnership is described in YAML (see `conf/scenario/bnssg.yaml`), in a
workbook or a folder of CSV files (`sim.partnership_files`: sheets for
organisations, people and forums), or built in code with
`synthetic_partnership`. `load_partnership` accepts a built-in name, a path, a
mapping or a `Partnership`, and checks everything before the model is built:
each error is one line naming the offending key and value (for a workbook: the
file, the sheet, the row and the column).

**People.** Every partnership has people with ids. A partnership may list them
(`people`: id, organisation, role and optional attributes); one described by
counts of leaders by role gets generated ids, the same in every run:
``<organisation>-<k>``, k = 001, 002, ... in slot order within the organisation.
Slots are numbered organisation by organisation and within each by role
(`sim.initialisation.build_leaders`), and person i in slot order has the
population's integer id i (`sim.population`); a newcomer after turnover gets the
next integer id and the label ``newcomer-<id>``. Outputs show people by label,
an email address replaced by its pseudonym (`sim.people`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.schema import ConfigError
from sim.schema import check_number as _number

ROLES: tuple[str, ...] = ("chief_executive", "executive", "director")
"""Leader roles, most senior first (index = role code in the model's arrays)."""

SCENARIO_DIR = Path(__file__).resolve().parent / "data" / "scenario"
"""Where the built-in scenarios live (package data, so an installed package has them);
Hydra's `scenario` group reads the same files (`hydra.searchpath: pkg://sim.data`)."""


@dataclass(frozen=True)
class OrganisationSpec:
    name: str
    type: str
    anchor: float
    """Formal stance on system working in [0, 1]; statutory pressure = 1 - anchor."""
    leaders: dict[str, int]
    """Number of leaders by role."""

    @property
    def size(self) -> int:
        return sum(self.leaders.values())

    @property
    def pressure(self) -> float:
        return 1.0 - self.anchor


@dataclass(frozen=True)
class ForumSpec:
    name: str
    organisations: tuple[str, ...]
    """Organisations that send members (all of them when the YAML says `all`)."""
    roles: tuple[str, ...] = ROLES
    """Roles eligible for a seat."""
    seats_per_organisation: int = 1
    meets_every_weeks: int = 4
    instances: int = 1
    """Several forums of the same kind (e.g. programme boards)."""
    organisations_per_instance: int = 0
    """Organisations drawn for each instance; 0 means all listed organisations."""
    familiarity: float = 0.3
    """Probability that two members from different organisations already know each other."""
    prior_trust: float = 0.6
    """Cooperation members have seen from each other before the model starts."""
    structured: bool = False
    """Facilitated cross-organisation mixing (conversations are across boundaries)."""


@dataclass(frozen=True)
class Person:
    """One of the partnership's people: an id (text, as the user's data names them), their
    organisation and role, and optional attributes (name, value) that are not personal data
    (personal columns are dropped when a sheet is read: `sim.people`)."""

    id: str
    organisation: str
    role: str
    attributes: tuple[tuple[str, str], ...] = ()


NEWCOMER_PREFIX = "newcomer-"
"""The label of a newcomer after turnover: ``newcomer-<integer id>``."""


@dataclass(frozen=True)
class Partnership:
    name: str
    organisations: tuple[OrganisationSpec, ...]
    forums: tuple[ForumSpec, ...] = ()
    within_org_degree: float = 8.0
    """Mean number of same-organisation colleagues a leader knows at the start."""
    cross_org_degree: float = 1.0
    """Mean number of weak cross-organisation acquaintances outside forums at the start."""
    internal_meetings_every_weeks: int = 1
    """Each organisation's leaders meet as a team this often."""
    description: str = ""
    people: tuple[Person, ...] = ()
    """The people, in slot order (organisation by organisation, within each by role), when the
    partnership lists them; empty when it gives counts (their ids are then generated)."""
    salt: str = field(default="", repr=False, compare=False)
    """The salt of email ids' pseudonyms (`sim.people`), kept with the user's data; never written."""

    @property
    def n_leaders(self) -> int:
        return sum(o.size for o in self.organisations)

    @property
    def people_listed(self) -> bool:
        """Whether the partnership lists its people (rather than counts with generated ids)."""
        return bool(self.people)

    @functools.cached_property
    def person_labels(self) -> tuple[str, ...]:
        """Each person's id as text, in slot order: listed, or generated from the counts."""
        if self.people:
            return tuple(p.id for p in self.people)
        out = []
        for o in self.organisations:
            out += [f"{o.name}-{k:03d}" for k in range(1, o.size + 1)]
        return tuple(out)

    @functools.cached_property
    def _label_index(self) -> dict[str, int]:
        from sim.people import is_email

        index = {}
        for i, label in enumerate(self.person_labels):
            index[label] = i
            if is_email(label):
                index[label.lower()] = i
                index[self.public_label(label)] = i
        return index

    def person_id(self, label: Any) -> int | None:
        """The integer id of the person with this id (or its pseudonym), or None."""
        text = normalise_id(label)
        if text is None:
            return None
        found = self._label_index.get(text)
        if found is None and "@" in text:
            found = self._label_index.get(text.lower())
        return found

    def label_of(self, leader_id: int) -> str:
        """The label of an integer leader id: a listed or generated id, or a newcomer's."""
        leader_id = int(leader_id)
        if 0 <= leader_id < len(self.person_labels):
            return self.person_labels[leader_id]
        return f"{NEWCOMER_PREFIX}{leader_id}"

    def public_label(self, label: str) -> str:
        """A label as outputs show it: an email address replaced by its stable pseudonym."""
        from sim.people import is_email, pseudonym

        return pseudonym(label, self.salt) if is_email(label) else label

    def public_labels(self, leader_ids) -> list[str]:
        """Outputs' labels of integer leader ids."""
        return [self.public_label(self.label_of(i)) for i in leader_ids]

    @property
    def n_organisations(self) -> int:
        return len(self.organisations)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["network"] = {k: d.pop(k) for k in ("within_org_degree", "cross_org_degree",
                                              "internal_meetings_every_weeks")}
        for f in d["forums"]:
            f["organisations"] = list(f["organisations"])
            f["roles"] = list(f["roles"])
        d["organisations"] = list(d["organisations"])
        d["forums"] = list(d["forums"])
        d.pop("salt")
        people = d.pop("people")
        if people:  # listed people (a partnership described by counts keeps its old form)
            d["people"] = [{"id": p["id"], "organisation": p["organisation"], "role": p["role"],
                            **dict(p["attributes"])} for p in people]
        return d


# --------------------------------------------------------------------------- loading

def available_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: str | Path, key: str = "scenario_file") -> dict[str, Any]:
    """Read a scenario YAML file; missing or malformed files give a one-line ConfigError."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{key}={str(path)!r}: file not found")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{key}={str(path)!r}: not a text file in UTF-8 (byte {exc.start}: "
                          f"{exc.object[exc.start:exc.start + 1]!r}); save it as UTF-8 YAML") from None
    except OSError as exc:
        raise ConfigError(f"{key}={str(path)!r}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ConfigError(f"{key}={str(path)!r}: not valid YAML{where} ({problem})") from None
    if not isinstance(data, Mapping):
        raise ConfigError(f"{key}={str(path)!r}: must contain a mapping, got {type(data).__name__}")
    return dict(data)


def load_partnership(source: str | Path | Mapping[str, Any] | Partnership,
                     key: str = "scenario") -> Partnership:
    """A `Partnership` from a built-in name, a YAML path, a workbook (.xlsx), a folder of CSV files,
    a mapping or a Partnership."""
    if isinstance(source, Partnership):
        return source
    if isinstance(source, Mapping):
        return partnership_from_dict(source, key)
    text = str(source)
    if text.lower().endswith((".xlsx", ".xlsm", ".xls", ".csv")) or Path(text).is_dir():
        from sim.partnership_files import read_partnership_file

        return read_partnership_file(text, "scenario_file" if key == "scenario" else key)
    if text.endswith((".yaml", ".yml")) or "/" in text:
        return partnership_from_dict(read_yaml(text, "scenario_file"), key, source_dir=Path(text).parent)
    path = SCENARIO_DIR / f"{text}.yaml"
    if not path.is_file():
        raise ConfigError(
            f"{key}={text!r}: unknown scenario (available: {', '.join(available_scenarios())})")
    return _builtin(str(path), path.stat().st_mtime_ns, key)


@functools.lru_cache(maxsize=32)
def _builtin(path: str, mtime_ns: int, key: str) -> Partnership:
    """Built-in scenarios are parsed once per process (keyed by file and modification time)."""
    return partnership_from_dict(read_yaml(path, key), key)


def _check_keys(d: Mapping[str, Any], allowed: set[str], key: str) -> None:
    for k in d:
        if k not in allowed:
            raise ConfigError(f"{key}.{k}={d[k]!r}: unknown key (allowed: {', '.join(sorted(allowed))})")


def normalise_id(value: Any) -> str | None:
    """A person's id as text (whole numbers without '.0', surrounding spaces removed); None if blank."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def normalise_role(value: Any) -> str:
    """A role as written in a sheet: case, spaces and hyphens do not matter; 'ceo' is a chief executive."""
    text = "_".join(str(value or "").strip().lower().replace("-", " ").split())
    return {"ceo": "chief_executive", "chief_exec": "chief_executive", "executives": "executive",
            "directors": "director"}.get(text, text)


def check_people(rows: list[tuple[str, Mapping[str, Any]]], org_names: list[str],
                 attributes_of=lambda r: ()) -> tuple[Person, ...]:
    """People from rows (where, mapping with id, organisation, role), checked: every id present and
    unique, every organisation known, every role a role. Returned in slot order: organisation by
    organisation (in `org_names` order), within each by role (`ROLES` order), then as listed."""
    seen: dict[str, str] = {}
    people = []
    order = {name: i for i, name in enumerate(org_names)}
    for where, r in rows:
        pid = normalise_id(r.get("id"))
        if pid is None:
            raise ConfigError(f"{where}, column id: empty id (every person needs one)")
        if pid.startswith(NEWCOMER_PREFIX):
            raise ConfigError(f"{where}, column id: {pid!r}: ids starting {NEWCOMER_PREFIX!r} are kept for "
                              "newcomers after turnover")
        folded = pid.lower() if "@" in pid else pid
        if folded in seen:
            raise ConfigError(f"{where}, column id: duplicate person id {pid!r} (first at {seen[folded]})")
        seen[folded] = where
        org = normalise_id(r.get("organisation"))
        if org not in order:
            raise ConfigError(f"{where}, column organisation: {org!r} is not an organisation of the partnership "
                              f"(organisations: {', '.join(org_names)})")
        role = normalise_role(r.get("role"))
        if role not in ROLES:
            raise ConfigError(f"{where}, column role: {r.get('role')!r} is not a role (roles: {', '.join(ROLES)})")
        people.append((order[org], ROLES.index(role), len(people),
                       Person(pid, org, role, tuple(attributes_of(r)))))
    people.sort(key=lambda t: t[:3])
    return tuple(p for *_, p in people)


def partnership_from_dict(d: Mapping[str, Any], key: str = "scenario", source_dir: str | Path | None = None
                          ) -> Partnership:
    """Validate a scenario mapping (the YAML's content) and build a `Partnership`.

    `people` (optional) lists the partnership's people, each a mapping with `id`, `organisation`
    and `role` (other keys are kept as attributes, unless they are personal: `sim.people`); an
    organisation's `leaders` counts may then be left out (when given, they must agree).
    `source_dir`: the folder of the file it came from (where the pseudonyms' salt is kept)."""
    _check_keys(d, {"name", "description", "network", "organisations", "forums", "people"}, key)
    orgs_raw = d.get("organisations")
    if not isinstance(orgs_raw, list) or not orgs_raw:
        raise ConfigError(f"{key}.organisations={orgs_raw!r}: must be a non-empty list")
    orgs: list[OrganisationSpec] = []
    names: set[str] = set()
    for i, o in enumerate(orgs_raw):
        k = f"{key}.organisations[{i}]"
        if not isinstance(o, Mapping):
            raise ConfigError(f"{k}={o!r}: must be a mapping")
        _check_keys(o, {"name", "type", "anchor", "leaders"}, k)
        name = str(o.get("name", ""))
        if not name:
            raise ConfigError(f"{k}.name={o.get('name')!r}: every organisation needs a name")
        if name in names:
            raise ConfigError(f"{k}.name={name!r}: duplicate organisation name")
        names.add(name)
        anchor = _number(o.get("anchor", 0.5), f"{k}.anchor", 0.0, 1.0)
        leaders_raw = o.get("leaders")
        if leaders_raw is None and d.get("people"):
            leaders_raw = {}  # counted from the people below
        if not isinstance(leaders_raw, Mapping):
            raise ConfigError(f"{k}.leaders={leaders_raw!r}: must map roles to counts")
        _check_keys(leaders_raw, set(ROLES), f"{k}.leaders")
        leaders = {r: _number(leaders_raw.get(r, 0), f"{k}.leaders.{r}", 0, 1e6, integer=True)
                   for r in ROLES}
        if sum(leaders.values()) == 0 and d.get("people"):
            leaders = {}  # counted from the people below
        elif sum(leaders.values()) == 0:
            raise ConfigError(f"{k}.leaders={dict(leaders_raw)!r}: an organisation needs at least one leader")
        orgs.append(OrganisationSpec(name=name, type=str(o.get("type", "organisation")),
                                     anchor=anchor, leaders=leaders))
    people: tuple[Person, ...] = ()
    if d.get("people") is not None:
        orgs, people = _with_people(d["people"], orgs, key, lambda i: f"{key}.people[{i}]")
    n_ce = sum(o.leaders["chief_executive"] for o in orgs)
    if n_ce > len(orgs):
        i = next(i for i, o in enumerate(orgs) if o.leaders["chief_executive"] > 1)
        raise ConfigError(
            f"{key}.organisations[{i}].leaders.chief_executive={orgs[i].leaders['chief_executive']}: "
            f"more chief executives ({n_ce}) than organisations ({len(orgs)})")

    net = d.get("network", {}) or {}
    if not isinstance(net, Mapping):
        raise ConfigError(f"{key}.network={net!r}: must be a mapping")
    _check_keys(net, {"within_org_degree", "cross_org_degree", "internal_meetings_every_weeks"},
                f"{key}.network")
    within = _number(net.get("within_org_degree", 8.0), f"{key}.network.within_org_degree", 0, 1e4)
    cross = _number(net.get("cross_org_degree", 1.0), f"{key}.network.cross_org_degree", 0, 1e4)
    internal = _number(net.get("internal_meetings_every_weeks", 1),
                       f"{key}.network.internal_meetings_every_weeks", 1, 520, integer=True)

    forums_raw = d.get("forums", []) or []
    if not isinstance(forums_raw, list):
        raise ConfigError(f"{key}.forums={forums_raw!r}: must be a list")
    forums = [_forum_from_dict(f, f"{key}.forums[{i}]", [o.name for o in orgs])
              for i, f in enumerate(forums_raw)]
    return Partnership(name=str(d.get("name", "custom")), organisations=tuple(orgs),
                       forums=tuple(forums), within_org_degree=within, cross_org_degree=cross,
                       internal_meetings_every_weeks=internal, description=str(d.get("description", "")),
                       people=people, salt=_salt(people, source_dir))


def _salt(people: tuple[Person, ...], source_dir: str | Path | None) -> str:
    """The pseudonyms' salt, read (or made once) beside the user's data when any id is an email."""
    from sim.people import is_email, salt_for

    return salt_for(source_dir) if any(is_email(p.id) for p in people) else ""


def _with_people(raw: Any, orgs: list[OrganisationSpec], key: str, where_of
                 ) -> tuple[list[OrganisationSpec], tuple[Person, ...]]:
    """The organisations with their leader counts from a people list (counts given as well must agree)."""
    from sim.people import is_email, is_personal_column

    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{key}.people={raw!r}: must be a non-empty list of people (id, organisation, role)")
    rows = []
    for i, r in enumerate(raw):
        if not isinstance(r, Mapping):
            raise ConfigError(f"{where_of(i)}={r!r}: must be a mapping with id, organisation and role")
        rows.append((where_of(i), r))

    def attributes(r):
        return [(str(k), str(v)) for k, v in r.items() if k not in ("id", "organisation", "role")
                and v is not None and not is_personal_column(k) and not is_email(str(v))]

    people = check_people(rows, [o.name for o in orgs], attributes)
    return _counted(orgs, people, key), people


def _counted(orgs: list[OrganisationSpec], people: tuple[Person, ...], key: str) -> list[OrganisationSpec]:
    """Organisations whose leader counts are the people's (an organisation's counts, if given, must agree)."""
    out = []
    for i, o in enumerate(orgs):
        counted = {r: sum(1 for p in people if p.organisation == o.name and p.role == r) for r in ROLES}
        if sum(counted.values()) == 0:
            raise ConfigError(f"{key}.organisations[{i}].name={o.name!r}: no person of the people list works there "
                              "(an organisation needs at least one leader)")
        if o.leaders and any(o.leaders.get(r, 0) != counted[r] for r in ROLES):
            r = next(r for r in ROLES if o.leaders.get(r, 0) != counted[r])
            raise ConfigError(f"{key}.organisations[{i}].leaders.{r}={o.leaders.get(r, 0)}: the people list has "
                              f"{counted[r]} {r.replace('_', ' ')}(s) at {o.name}; leave the counts out or make "
                              "them agree")
        out.append(OrganisationSpec(o.name, o.type, o.anchor, counted))
    return out


def _forum_from_dict(f: Any, k: str, org_names: list[str]) -> ForumSpec:
    if not isinstance(f, Mapping):
        raise ConfigError(f"{k}={f!r}: must be a mapping")
    allowed = {"name", "organisations", "roles", "seats_per_organisation", "meets_every_weeks",
               "instances", "organisations_per_instance", "familiarity", "prior_trust", "structured"}
    _check_keys(f, allowed, k)
    name = str(f.get("name", ""))
    if not name:
        raise ConfigError(f"{k}.name={f.get('name')!r}: every forum needs a name")
    members = f.get("organisations", "all")
    if members == "all":
        members = list(org_names)
    if not isinstance(members, list) or not members:
        raise ConfigError(f"{k}.organisations={members!r}: must be 'all' or a non-empty list")
    for m in members:
        if m not in org_names:
            raise ConfigError(f"{k}.organisations={m!r}: unknown organisation")
    roles = f.get("roles", list(ROLES))
    if isinstance(roles, str):
        roles = [roles]
    for r in roles:
        if r not in ROLES:
            raise ConfigError(f"{k}.roles={r!r}: unknown role (roles: {', '.join(ROLES)})")
    per_instance = _number(f.get("organisations_per_instance", 0), f"{k}.organisations_per_instance",
                           0, len(members), integer=True)
    return ForumSpec(
        name=name, organisations=tuple(members), roles=tuple(roles),
        seats_per_organisation=_number(f.get("seats_per_organisation", 1),
                                       f"{k}.seats_per_organisation", 1, 1e6, integer=True),
        meets_every_weeks=_number(f.get("meets_every_weeks", 4), f"{k}.meets_every_weeks",
                                  1, 520, integer=True),
        instances=_number(f.get("instances", 1), f"{k}.instances", 1, 1e5, integer=True),
        organisations_per_instance=per_instance,
        familiarity=_number(f.get("familiarity", 0.3), f"{k}.familiarity", 0.0, 1.0),
        prior_trust=_number(f.get("prior_trust", 0.6), f"{k}.prior_trust", 0.0, 1.0),
        structured=bool(f.get("structured", False)),
    )


# --------------------------------------------------------------------------- synthetic

def synthetic_partnership(n_organisations: int = 13, n_leaders: int = 250, *,
                          n_chief_executives: int | None = None,
                          executive_share: float = 0.3,
                          anchor_range: tuple[float, float] = (0.25, 0.6),
                          within_org_degree: float = 8.0,
                          cross_org_degree: float = 1.0,
                          board_size: int = 6, forum_size: int = 13) -> Partnership:
    """A generic partnership for scale studies and tests.

    Leaders are split as evenly as possible over organisations; each organisation
    has one chief executive (or `n_chief_executives` in total), the rest split into
    executives and directors. Anchors are spread evenly over `anchor_range`.
    Forums: chief executives' forums and system planning groups (one executive
    seat per organisation), both fortnightly and each of at most `forum_size`
    organisations (one of each when the partnership is that small), and programme boards of
    `board_size` organisations with two seats each (monthly), one board per
    `board_size` organisations.
    """
    key = "synthetic_partnership"
    n_organisations = int(_number(n_organisations, f"{key}.n_organisations", 1, 1e6, integer=True))
    n_leaders = int(_number(n_leaders, f"{key}.n_leaders", 1, 1e8, integer=True))
    if n_leaders < n_organisations:
        raise ConfigError(f"{key}.n_leaders={n_leaders}: fewer leaders than organisations "
                          f"({n_organisations}); an organisation needs at least one leader")
    n_ce = n_organisations if n_chief_executives is None else int(n_chief_executives)
    if n_ce > n_organisations:
        raise ConfigError(f"{key}.n_chief_executives={n_ce}: more chief executives than "
                          f"organisations ({n_organisations})")
    if n_ce < 0:
        raise ConfigError(f"{key}.n_chief_executives={n_ce}: must be >= 0")
    _number(executive_share, f"{key}.executive_share", 0.0, 1.0)
    sizes = [n_leaders // n_organisations + (1 if i < n_leaders % n_organisations else 0)
             for i in range(n_organisations)]
    lo, hi = anchor_range
    orgs = []
    for i, size in enumerate(sizes):
        ce = 1 if i < n_ce else 0
        ex = min(size - ce, max(0, round((size - ce) * executive_share)))
        anchor = lo + (hi - lo) * (i / max(1, n_organisations - 1))
        orgs.append(OrganisationSpec(name=f"org_{i:04d}", type="organisation", anchor=round(anchor, 4),
                                     leaders={"chief_executive": ce, "executive": ex,
                                              "director": size - ce - ex}))
    names = tuple(o.name for o in orgs)
    # forums of at most `forum_size` organisations, so that ties grow linearly with size
    inst = max(1, math.ceil(n_organisations / forum_size))
    per_forum = min(forum_size, n_organisations) if inst > 1 else 0
    forums = [ForumSpec("chief_executives_forum", names, ("chief_executive",), 1, 2, instances=inst,
                        organisations_per_instance=per_forum, familiarity=0.9,
                        prior_trust=0.75)] if n_ce > 0 else []
    forums.append(ForumSpec("system_planning_group", names, ("executive",), 1, 2, instances=inst,
                            organisations_per_instance=per_forum, familiarity=0.5, prior_trust=0.6))
    if n_organisations >= 2:
        per = min(board_size, n_organisations)
        forums.append(ForumSpec("programme_board", names, ("executive", "director"), 2, 4,
                                instances=max(1, math.ceil(n_organisations / per)),
                                organisations_per_instance=per, familiarity=0.3, prior_trust=0.6))
    return Partnership(name=f"synthetic_{n_organisations}x{n_leaders}", organisations=tuple(orgs),
                       forums=tuple(forums), within_org_degree=within_org_degree,
                       cross_org_degree=cross_org_degree,
                       description="generic partnership from sim.synthetic_partnership")


__all__ = ["ROLES", "OrganisationSpec", "ForumSpec", "Person", "Partnership", "available_scenarios",
           "load_partnership", "partnership_from_dict", "synthetic_partnership", "read_yaml", "normalise_id",
           "normalise_role", "check_people", "NEWCOMER_PREFIX"]
