"""A measured network in, a simulated network out.

**Reading** (`read_network`, the run's `network_file=`): who works with whom, as
people reported it in an organisational network survey, matched to the
partnership's people by id. Formats:

- an edge list, CSV (comma, semicolon or tab) or a workbook's first sheet (or
  one named edges or connections), one row per reported tie. Columns are
  recognised by name, whatever their case (`SOURCE_COLUMNS`, `TARGET_COLUMNS`,
  `WEIGHT_COLUMNS`): `source`/`target` (Gephi, Polinode), `from`/`to` (Kumu),
  `ego`/`alter`, `respondent`/`nominee`, ...; the weight column is optional;
- GraphML or GEXF (read with networkx): node ids are matched to people's ids
  (or, if none matches, the nodes' `label` attribute, as Gephi writes it);
  edge weights from a `weight`, `strength` or `frequency` attribute.

What real survey data has, and the rule for each (docs/ODD.md 5.1):

- **Tie strength from frequency** (`FREQUENCY`): words such as daily, weekly,
  monthly, quarterly, yearly, never, or the same scale's steps 1-5 (5 daily),
  or strengths in [0, 1]. Strength rises with how often people work together
  (Granovetter 1973; Marsden & Campbell 1984 found frequency a valid, if
  contaminated, indicator); a tie from monthly contact up is strong (at least
  0.5, the model's `strong_tie`), less often weak; the values are assumed. An
  unknown word, or a number that is neither a strength in [0, 1] nor a step of
  the 1-5 scale, is an error naming the file, the row and the column. A tie
  listed without a weight counts as monthly (a working relationship someone
  names in a network survey: assumed). "Never" (or 0) reports no tie.
- **Repeated reports** (one person naming another twice, for instance under two
  questions of the survey, or in two submissions): the strongest counts
  (several name generators elicit overlapping contacts: Marsden 1990).
- **Directed reports with different answers** (A says weekly, B says monthly):
  the tie's strength is the mean of the two reports (each is a noisy
  measurement of one relationship; partners' reports agree only in part:
  Adams & Moody 2007).
- **Partial response** (only one side reported the tie, as when the other did not
  answer the survey): that one report counts (reconstruction of ties with
  non-respondents from respondents' reports: Stork & Richards 1992; Huisman
  2009). An edge list does not say who answered, so a person who answered and
  did not name someone cannot be told from one who did not answer: a tie named
  by one side is taken as a tie.
- **Isolates** (a row naming one person and no one else, or a node without
  edges), **self-ties** and **blank rows**: dropped and counted.
- **People in the network who are not in the partnership** (leavers,
  outsiders): dropped with their ties, and counted; **people of the partnership
  absent from the network** start without ties, counted likewise
  (`MeasuredNetwork.summary`, the one line a run prints). A network whose ids
  match none of the partnership's people is an error.

**Writing** (`snapshot_graph`, `write_graphml`, `edge_rows`): the simulated
network of one future, with people's labels (email ids pseudonymised,
`sim.people`) and organisation attributes, as GraphML (Gephi, Kumu, Polinode
import it) and as rows of an edge list.
"""

from __future__ import annotations

import csv
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from sim.people import column_key
from sim.scenario import Partnership, normalise_id
from sim.schema import ConfigError

SOURCE_COLUMNS = ("source", "from", "ego", "respondent", "reporter", "sender", "source_id", "from_id", "node1", "id1",
                  "person", "name_from")
TARGET_COLUMNS = ("target", "to", "alter", "nominee", "contact", "receiver", "target_id", "to_id", "node2", "id2",
                  "name_to")
WEIGHT_COLUMNS = ("weight", "strength", "frequency", "how_often", "value", "tie_strength", "contact_frequency")

FREQUENCY: dict[str, float] = {
    # step 5: daily
    "daily": 0.9, "every_day": 0.9, "several_times_a_week": 0.9, "most_days": 0.9,
    # step 4: weekly
    "weekly": 0.75, "every_week": 0.75, "once_a_week": 0.75, "fortnightly": 0.75, "every_two_weeks": 0.75,
    "biweekly": 0.75,
    # step 3: monthly (the weakest strong tie)
    "monthly": 0.55, "every_month": 0.55, "once_a_month": 0.55,
    # step 2: quarterly
    "quarterly": 0.35, "every_few_months": 0.35, "every_quarter": 0.35, "once_a_quarter": 0.35,
    # step 1: yearly or less
    "yearly": 0.2, "annually": 0.2, "once_a_year": 0.2, "rarely": 0.2, "less_often": 0.2, "occasionally": 0.2,
    # no tie
    "never": 0.0, "none": 0.0, "no": 0.0, "not_at_all": 0.0,
}
"""Words of contact frequency and the tie strength each maps to (docs/ODD.md 5.1)."""
STEPS = {1: 0.2, 2: 0.35, 3: 0.55, 4: 0.75, 5: 0.9, 0: 0.0}
"""The same scale as numbers: 1 yearly or less, 2 quarterly, 3 monthly, 4 weekly, 5 daily (0 never)."""
UNWEIGHTED = FREQUENCY["monthly"]
"""The strength of a tie listed without a weight (a working relationship: as monthly contact)."""


@dataclass(frozen=True, eq=False)
class MeasuredNetwork:
    """The measured ties among the partnership's people: integer person ids (`u < v`) and strength
    under the documented mapping, with what reading it dropped and counted."""

    u: np.ndarray
    v: np.ndarray
    w: np.ndarray
    n_people: int
    source: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for a in (self.u, self.v, self.w):
            h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MeasuredNetwork) and self.n_people == other.n_people and self.digest == other.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def summary(self) -> str:
        """One line: what was read, and what was dropped and counted."""
        c = self.counts
        parts = [f"network {Path(self.source).name}: {self.u.size} ties among the partnership's people"]
        if c.get("outside_people"):
            parts.append(f"{c['outside_people']} people not in the partnership dropped with their "
                         f"{c['outside_ties']} reported ties")
        if c.get("without_ties"):
            parts.append(f"{c['without_ties']} of the partnership's {self.n_people} people have no tie in it and "
                         "start without ties")
        dropped = [f"{c[k]} {label}" for k, label in (("blank", "blank rows"), ("self", "self-ties"),
                                                      ("isolates", "isolates"), ("no_tie", "ties reported as never"))
                   if c.get(k)]
        if dropped:
            parts.append("dropped: " + ", ".join(dropped))
        if c.get("both_sides"):
            parts.append(f"{c['both_sides']} ties reported by both sides (strength: the mean), "
                         f"{c.get('one_side', 0)} by one side only")
        return "; ".join(parts)


class _Report(NamedTuple):
    source: str
    target: str
    strength: float
    row: int


# ------------------------------------------------------------------ reading

def _strength(value: Any, where: str, numeric_steps: bool) -> float:
    """A reported tie's strength from a word, a step of the 1-5 scale or a strength in [0, 1]."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return UNWEIGHTED
    shown = value.strip() if isinstance(value, str) else value
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text)
        except ValueError:
            word = column_key(text)
            if word not in FREQUENCY:
                raise ConfigError(f"{where}: {text!r} is not a frequency word (known: daily, weekly, fortnightly, "
                                  "monthly, quarterly, yearly, rarely, never; docs/ODD.md 5.1)") from None
            return FREQUENCY[word]
    x = float(value)
    if not math.isfinite(x):
        raise ConfigError(f"{where}: {shown} is out of range (a strength in [0, 1] or a step 1-5 of the "
                          "frequency scale)")
    if numeric_steps:
        if x.is_integer() and int(x) in STEPS:
            return STEPS[int(x)]
        raise ConfigError(f"{where}: {shown} is out of range (this file's weights are steps 1-5 of the frequency "
                          "scale, 5 daily)")
    if 0.0 <= x <= 1.0:
        return x
    raise ConfigError(f"{where}: {shown} is out of range (a strength in [0, 1] or a step 1-5 of the frequency "
                      "scale)")


def _uses_steps(values: list[Any]) -> bool:
    """Whether a file's numeric weights are steps of the 1-5 scale (some above 1, all whole 0-5)."""
    numbers = []
    for v in values:
        try:
            numbers.append(float(v))
        except (TypeError, ValueError):
            continue
    return any(x > 1 for x in numbers) and all(x.is_integer() and 0 <= x <= 5 for x in numbers if math.isfinite(x))


def _find(columns: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in columns:
            return columns.index(name)
    return None


def _rows_of_table(header: list[Any], rows: list[tuple[int, list[Any]]], where: str, counts: dict):
    columns = [column_key(h) if h is not None else "" for h in header]
    s, t, w = _find(columns, SOURCE_COLUMNS), _find(columns, TARGET_COLUMNS), _find(columns, WEIGHT_COLUMNS)
    if s is None or t is None:
        missing = "source" if s is None else "target"
        raise ConfigError(f"{where}, row 1: missing column {missing} (the tie's two people: source and target, "
                          "or from and to)")
    weights = [r[w] if w is not None and w < len(r) else None for _, r in rows]
    steps = _uses_steps(weights)
    direction = _find(columns, ("type", "direction"))
    reports = []
    for (number, r), weight in zip(rows, weights):
        cells = [normalise_id(c) if c is not None else None for c in r]
        if not any(cells):
            counts["blank"] += 1
            continue
        a = cells[s] if s < len(cells) else None
        b = cells[t] if t < len(cells) else None
        if a is None or b is None:
            if a is None and b is None:
                counts["blank"] += 1
            else:
                counts["isolates"] += 1
            continue
        column = columns[w] if w is not None else "weight"
        x = _strength(weight, f"{where}, row {number}, column {column}", steps)
        undirected = (direction is not None and direction < len(cells) and cells[direction] is not None
                      and cells[direction].lower() == "undirected")
        reports.append(_Report(a, b, x, number))
        if undirected:
            reports.append(_Report(b, a, x, number))
    return reports


def _read_table(path: Path, key: str, counts: dict) -> list[_Report]:
    where = f"{key}={str(path)!r}"
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
            raise ConfigError(f"{where}: not a workbook openpyxl can read ({type(exc).__name__})") from None
        try:
            sheets = {column_key(ws.title): ws for ws in book.worksheets}
            ws = sheets.get("edges") or sheets.get("connections") or sheets.get("ties") or book.worksheets[0]
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            where = f"{where}: sheet {ws.title}"
        finally:
            book.close()
    else:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise ConfigError(f"{where}: not a UTF-8 text file (save the edge list as CSV UTF-8)") from None
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = [list(r) for r in csv.reader(text.splitlines(), dialect)]
    if not rows:
        raise ConfigError(f"{where}: empty (expected a header row: source,target[,weight])")
    return _rows_of_table(rows[0], list(enumerate(rows[1:], start=2)), where, counts)


def _read_graph(path: Path, key: str, counts: dict, partnership: Partnership) -> list[_Report]:
    import networkx as nx

    where = f"{key}={str(path)!r}"
    try:
        g = nx.read_graphml(path) if path.suffix.lower() == ".graphml" else nx.read_gexf(path)
    except Exception as exc:  # noqa: BLE001 - a malformed file: networkx and its XML parser raise many kinds
        raise ConfigError(f"{where}: not a {path.suffix[1:].upper()} file networkx can read "
                          f"({type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''})") from None
    ids = {n: normalise_id(n) for n in g.nodes}
    if not any(partnership.person_id(i) is not None for i in ids.values()):
        labels = {n: normalise_id(d.get("label")) for n, d in g.nodes(data=True)}
        if any(partnership.person_id(i) is not None for i in labels.values() if i):
            ids = labels
    counts["isolates"] += sum(1 for n in g.nodes if g.degree(n) == 0)
    edges = list(g.edges(data=True))
    attr = next((a for a in WEIGHT_COLUMNS if any(a in d for _, _, d in edges)), None)
    steps = _uses_steps([d.get(attr) for _, _, d in edges]) if attr else False
    reports = []
    for k, (a, b, d) in enumerate(edges, start=1):
        x = _strength(d.get(attr) if attr else None, f"{where}, edge {k} ({a} - {b}), attribute {attr or 'weight'}",
                      steps)
        reports.append(_Report(ids[a], ids[b], x, k))
        if not g.is_directed():
            reports.append(_Report(ids[b], ids[a], x, k))
    return reports


def read_network(path: str | Path, partnership: Partnership, key: str = "network_file") -> MeasuredNetwork:
    """The measured network of `path` among the partnership's people, under the module's rules."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{key}={str(path)!r}: file not found")
    counts = {k: 0 for k in ("blank", "self", "isolates", "no_tie", "outside_people", "outside_ties", "without_ties",
                             "both_sides", "one_side")}
    suffix = p.suffix.lower()
    if suffix in (".graphml", ".gexf"):
        reports = _read_graph(p, key, counts, partnership)
    elif suffix in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm"):
        reports = _read_table(p, key, counts)
    else:
        raise ConfigError(f"{key}={str(path)!r}: unknown format {suffix or '(no extension)'} (an edge list .csv or "
                          ".xlsx, or .graphml, .gexf)")
    # directed reports: the strongest of repeated reports; self-ties dropped; people outside counted
    directed: dict[tuple[int, int], float] = {}
    outside: set[str] = set()
    outside_ties: set[frozenset] = set()
    example = None
    for r in reports:
        a, b = partnership.person_id(r.source), partnership.person_id(r.target)
        if r.source == r.target or (a is not None and a == b):
            counts["self"] += 1
            continue
        if a is None or b is None:
            outside.update(x for x, i in ((r.source, a), (r.target, b)) if i is None)
            outside_ties.add(frozenset((r.source, r.target)))
            if example is None:
                example = (r.row, "source" if a is None else "target", r.source if a is None else r.target)
            continue
        directed[(a, b)] = max(directed.get((a, b), 0.0), r.strength)
    if not directed and reports and outside:
        row, column, value = example
        raise ConfigError(f"{key}={str(path)!r}, row {row}, column {column}: {value!r}: no id in the network matches "
                          f"the partnership's people (ids such as {partnership.person_labels[0]!r})")
    # the two sides of each tie: the mean when both reported, the one report otherwise
    pairs: dict[tuple[int, int], list[float]] = {}
    for (a, b), x in directed.items():
        pairs.setdefault((min(a, b), max(a, b)), []).append(x)
    u, v, w = [], [], []
    for (a, b), xs in sorted(pairs.items()):
        counts["both_sides" if len(xs) == 2 else "one_side"] += 1
        strength = float(np.mean(xs))
        if strength <= 0.0:
            counts["no_tie"] += 1
            continue
        u.append(a), v.append(b), w.append(strength)
    counts["outside_people"] = len(outside)
    counts["outside_ties"] = len(outside_ties)
    n = partnership.n_leaders
    touched = np.zeros(n, bool)
    touched[np.array(u + v, np.int64)] = True
    counts["without_ties"] = int(n - touched.sum())
    if not u:
        raise ConfigError(f"{key}={str(path)!r}: no tie between two of the partnership's people")
    return MeasuredNetwork(np.array(u, np.int64), np.array(v, np.int64), np.array(w, float), n, str(p), counts)


# ------------------------------------------------------------------ writing

def snapshot_graph(snapshot, partnership: Partnership, organisations: list[str], week_label: str,
                   note: str):
    """A networkx Graph of a captured network (leader ids, `experiments.running.execution`): nodes by
    public label with organisation, organisation type, role and programme participation; edges with
    strength (`weight`), whether they cross organisations and whether they are strong."""
    import networkx as nx

    from sim.scenario import ROLES

    types = {o.name: o.type for o in partnership.organisations}
    g = nx.Graph(description=note, week=week_label, partnership=partnership.name)
    labels = partnership.public_labels(snapshot.ids)
    label_of = dict(zip(snapshot.ids.tolist(), labels))
    for k, leader in enumerate(snapshot.ids.tolist()):
        org = organisations[int(snapshot.org[k])]
        g.add_node(label_of[leader], label=label_of[leader], organisation=org, organisation_type=types.get(org, ""),
                   role=ROLES[int(snapshot.role[k])], participant=bool(snapshot.participant[k]))
    for a, b, x, c in zip(snapshot.u.tolist(), snapshot.v.tolist(), snapshot.w.tolist(), snapshot.cross.tolist()):
        g.add_edge(label_of[a], label_of[b], weight=float(x), cross_organisation=bool(c))
    return g


def graphml_bytes(graph) -> bytes:
    import io

    import networkx as nx

    buf = io.BytesIO()
    nx.write_graphml(graph, buf)
    return buf.getvalue()


def edge_rows(snapshot, partnership: Partnership, organisations: list[str], week: int | str, strong: float
              ) -> list[dict[str, Any]]:
    """The captured network's ties as rows of an edge list: Source and Target (Gephi, Polinode), the
    same as From and To (Kumu), Weight and the organisation of each end."""
    labels = dict(zip(snapshot.ids.tolist(), partnership.public_labels(snapshot.ids)))
    org_of = dict(zip(snapshot.ids.tolist(), (organisations[int(o)] for o in snapshot.org)))
    return [{"week": week, "Source": labels[a], "Target": labels[b], "From": labels[a], "To": labels[b],
             "Weight": round(float(x), 6),
             "Type": "Undirected", "source_organisation": org_of[a], "target_organisation": org_of[b],
             "cross_organisation": bool(c), "strong": bool(x >= strong)}
            for a, b, x, c in zip(snapshot.u.tolist(), snapshot.v.tolist(), snapshot.w.tolist(),
                                  snapshot.cross.tolist())]


__all__ = ["MeasuredNetwork", "read_network", "FREQUENCY", "STEPS", "UNWEIGHTED", "snapshot_graph", "graphml_bytes",
           "edge_rows"]
