"""A partnership in a spreadsheet: a workbook (.xlsx, openpyxl) or a folder of CSV files.

The same content as a scenario YAML (`sim.scenario`), as the tables an
organisational development lead keeps. Sheets (in a workbook) or files (in a
folder: `organisations.csv`, `people.csv`, `forums.csv`, `settings.csv`), each
with a header row; names of sheets and columns are not case-sensitive:

- **organisations** (required): `name`, `type`, `anchor` (0-1: how far the
  organisation's formal stance supports system working; statutory pressure is
  1 - anchor); and, only when there is no people sheet, the counts
  `chief_executive`, `executive`, `director`.
- **people** (required unless the organisations sheet gives counts): `id`,
  `organisation`, `role` (chief_executive, executive or director); any other
  column is an attribute, except personal columns (name, email, phone, ...),
  which are never read (`sim.people`). Ids are unique; they are the ids a
  network survey (`network_file`) and a cohort file use.
- **forums** (optional): `name`, `organisations` ("all", or names separated by
  `;`), `roles` (separated by `;`; default all), `seats_per_organisation`,
  `meets_every_weeks`, `instances`, `organisations_per_instance`,
  `familiarity`, `prior_trust`, `structured` (see the scenario YAML).
- **settings** (optional): two columns, `setting` and `value`: `name`,
  `description`, `within_org_degree`, `cross_org_degree`,
  `internal_meetings_every_weeks`.

Other sheets (notes, instructions) are ignored. Every error is one line naming
the file, the sheet, the row (as the spreadsheet numbers it) and the column.
`docs/examples/partnership_template.xlsx` is a filled template, made from the
BNSSG scenario by `write_workbook`.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.people import column_key, is_email, is_personal_column
from sim.scenario import (ROLES, Partnership, _counted, _salt, check_people, normalise_id, partnership_from_dict)
from sim.schema import ConfigError

SHEETS = ("organisations", "people", "forums", "settings")
ORGANISATION_COLUMNS = ("name", "type", "anchor")
PEOPLE_COLUMNS = ("id", "organisation", "role")
FORUM_COLUMNS = ("name", "organisations", "roles", "seats_per_organisation", "meets_every_weeks", "instances",
                 "organisations_per_instance", "familiarity", "prior_trust", "structured")
SETTINGS = ("name", "description", "within_org_degree", "cross_org_degree", "internal_meetings_every_weeks")


class Table:
    """A sheet's rows as mappings by column key, with the row numbers the spreadsheet shows."""

    def __init__(self, where: str, header: list[Any], rows: list[tuple[int, list[Any]]]):
        self.where = where
        self.columns = [column_key(h) if h is not None and str(h).strip() else "" for h in header]
        self.rows = []
        for number, values in rows:
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue  # a blank row
            self.rows.append((number, {c: (values[i] if i < len(values) else None)
                                       for i, c in enumerate(self.columns) if c}))

    def require(self, columns) -> None:
        missing = [c for c in columns if c not in self.columns]
        if missing:
            raise ConfigError(f"{self.where}, row 1: missing column {missing[0]} "
                              f"(expected {', '.join(columns)})")

    def at(self, number: int, column: str) -> str:
        return f"{self.where}, row {number}, column {column}"


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def read_workbook(path: Path, key: str) -> dict[str, Table]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency of the package
        raise ConfigError(f"{key}={str(path)!r}: reading a workbook needs openpyxl (pip install openpyxl)") from None
    if path.suffix.lower() == ".xls":
        raise ConfigError(f"{key}={str(path)!r}: an old-style .xls workbook; save it as .xlsx")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise ConfigError(f"{key}={str(path)!r}: not a workbook openpyxl can read ({type(exc).__name__}); save it "
                          "as .xlsx") from None
    tables = {}
    try:
        for ws in book.worksheets:
            name = column_key(ws.title)
            if name not in SHEETS:
                continue
            rows = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
            where = f"{key}={str(path)!r}: sheet {ws.title}"
            tables[name] = Table(where, rows[0] if rows else [], list(enumerate(rows[1:], start=2)))
    finally:
        book.close()
    return tables


def read_folder(path: Path, key: str) -> dict[str, Table]:
    tables = {}
    for file in sorted(path.iterdir()):
        name = column_key(file.stem)
        if file.suffix.lower() != ".csv" or name not in SHEETS:
            continue
        where = f"{key}={str(path)!r}: file {file.name}"
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise ConfigError(f"{where}: not a UTF-8 text file (save it as CSV UTF-8)") from None
        rows = [[_cell(v) for v in r] for r in csv.reader(text.splitlines())]
        tables[name] = Table(where, rows[0] if rows else [], list(enumerate(rows[1:], start=2)))
    return tables


def _number(table: Table, number: int, row: Mapping[str, Any], column: str, default: Any, lo: float, hi: float,
            integer: bool = False) -> Any:
    value = row.get(column)
    if value is None:
        return default
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{table.at(number, column)}: {value!r} is not a number") from None
    if not lo <= x <= hi or (integer and not x.is_integer()):
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"{table.at(number, column)}: {value!r} must be {kind} in [{lo:g}, {hi:g}]")
    return int(x) if integer else x


def _split(value: Any) -> list[str]:
    return [p.strip() for p in str(value).replace(",", ";").split(";") if p.strip()]


def read_partnership_file(path: str | Path, key: str = "scenario_file") -> Partnership:
    """A `Partnership` from a workbook or a folder of CSV files (the module's docstring)."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"{key}={str(path)!r}: file not found")
    if p.is_dir():
        tables = read_folder(p, key)
        what = "file organisations.csv"
    elif p.suffix.lower() == ".csv":
        raise ConfigError(f"{key}={str(path)!r}: a single CSV file; give the folder holding organisations.csv, "
                          "people.csv and forums.csv")
    else:
        tables = read_workbook(p, key)
        what = "sheet organisations"
    if "organisations" not in tables:
        raise ConfigError(f"{key}={str(path)!r}: missing {what} (a partnership needs sheets for organisations, "
                          "people and forums)")
    orgs_t = tables["organisations"]
    orgs_t.require(("name",))
    people_t = tables.get("people")
    counts_given = any(r in orgs_t.columns for r in ROLES)
    if people_t is None and not counts_given:
        raise ConfigError(f"{key}={str(path)!r}: missing {what.replace('organisations', 'people')} (or leader "
                          f"counts by role in the organisations sheet: {', '.join(ROLES)})")
    organisations = []
    for number, r in orgs_t.rows:
        name = normalise_id(r.get("name"))
        if name is None:
            raise ConfigError(f"{orgs_t.at(number, 'name')}: empty (every organisation needs a name)")
        org = {"name": name, "type": str(r.get("type") or "organisation"),
               "anchor": _number(orgs_t, number, r, "anchor", 0.5, 0.0, 1.0)}
        if people_t is None:
            org["leaders"] = {role: _number(orgs_t, number, r, role, 0, 0, 1e6, integer=True) for role in ROLES}
        organisations.append(org)
        if any(o["name"] == name for o in organisations[:-1]):
            raise ConfigError(f"{orgs_t.at(number, 'name')}: duplicate organisation {name!r}")
    if not organisations:
        raise ConfigError(f"{orgs_t.where}: no organisations")
    forums = []
    if "forums" in tables:
        ft = tables["forums"]
        ft.require(("name",))
        names = [o["name"] for o in organisations]
        for number, r in ft.rows:
            members = r.get("organisations")
            members = "all" if members is None or str(members).strip().lower() == "all" else _split(members)
            for m in ([] if members == "all" else members):
                if m not in names:
                    raise ConfigError(f"{ft.at(number, 'organisations')}: {m!r} is not an organisation of the "
                                      "partnership")
            f = {"name": normalise_id(r.get("name")), "organisations": members}
            if f["name"] is None:
                raise ConfigError(f"{ft.at(number, 'name')}: empty (every forum needs a name)")
            if r.get("roles") is not None:
                f["roles"] = [x.lower().replace(" ", "_") for x in _split(r["roles"])]
                for role in f["roles"]:
                    if role not in ROLES:
                        raise ConfigError(f"{ft.at(number, 'roles')}: {role!r} is not a role (roles: "
                                          f"{', '.join(ROLES)})")
            for column, lo, hi, integer in (("seats_per_organisation", 1, 1e6, True),
                                            ("meets_every_weeks", 1, 520, True),
                                            ("instances", 1, 1e5, True), ("organisations_per_instance", 0, 1e6, True),
                                            ("familiarity", 0, 1, False), ("prior_trust", 0, 1, False)):
                value = _number(ft, number, r, column, None, lo, hi, integer)
                if value is not None:
                    f[column] = value
            if r.get("structured") is not None:
                text = str(r["structured"]).strip().lower()
                if text not in ("true", "false", "yes", "no", "1", "0"):
                    raise ConfigError(f"{ft.at(number, 'structured')}: {r['structured']!r} must be yes or no")
                f["structured"] = text in ("true", "yes", "1")
            forums.append(f)
    settings: dict[str, Any] = {}
    if "settings" in tables:
        st = tables["settings"]
        st.require(("setting", "value"))
        for number, r in st.rows:
            name = column_key(r.get("setting") or "")
            if name not in SETTINGS:
                raise ConfigError(f"{st.at(number, 'setting')}: {r.get('setting')!r} is not a setting "
                                  f"(settings: {', '.join(SETTINGS)})")
            settings[name] = r.get("value")
    d: dict[str, Any] = {"name": str(settings.get("name") or p.stem), "organisations": organisations,
                         "forums": forums}
    if settings.get("description"):
        d["description"] = str(settings["description"])
    network = {}
    for name in ("within_org_degree", "cross_org_degree", "internal_meetings_every_weeks"):
        if settings.get(name) is not None:
            try:
                network[name] = float(settings[name])
            except (TypeError, ValueError):
                raise ConfigError(f"{key}={str(path)!r}: sheet settings, {name}: {settings[name]!r} is not a "
                                  "number") from None
            if name == "internal_meetings_every_weeks" and network[name].is_integer():
                network[name] = int(network[name])
    if network:
        d["network"] = network
    if people_t is None:
        return partnership_from_dict(d, key)
    people_t.require(PEOPLE_COLUMNS)
    personal = {c for c in people_t.columns if c and is_personal_column(c)}
    # a column with an email address that is not the id is personal too, whatever its name
    personal |= {c for _, r in people_t.rows for c, v in r.items()
                 if c not in PEOPLE_COLUMNS and v is not None and is_email(str(v))}

    def attributes(r):
        return [(c, str(v)) for c, v in r.items() if c not in PEOPLE_COLUMNS and c not in personal and v is not None]

    rows = [(f"{people_t.where}, row {number}", r) for number, r in people_t.rows]
    if not rows:
        raise ConfigError(f"{people_t.where}: no people")
    skeleton = partnership_from_dict({**d, "organisations": [{**o, "leaders": {"director": 1}} for o in organisations]},
                                     key)
    people = check_people(rows, [o.name for o in skeleton.organisations], attributes)
    orgs = _counted([dataclasses.replace(o, leaders={}) for o in skeleton.organisations], people, key)
    # check the forums and the rest against the real counts (forums need eligible leaders by role)
    full = partnership_from_dict({**d, "organisations": [
        {"name": o.name, "type": o.type, "anchor": o.anchor, "leaders": o.leaders} for o in orgs]}, key)
    return dataclasses.replace(full, people=people, salt=_salt(people, p.parent if p.is_file() else p))


def write_workbook(partnership: Partnership, path: str | Path, notes: str = "") -> Path:
    """A partnership as a workbook in this module's layout (the shipped template is made with it)."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "organisations"
    ws.append(list(ORGANISATION_COLUMNS))
    for o in partnership.organisations:
        ws.append([o.name, o.type, o.anchor])
    ws = book.create_sheet("people")
    ws.append(list(PEOPLE_COLUMNS))
    index = {o.name: o for o in partnership.organisations}
    labels = partnership.person_labels
    k = 0
    for o in partnership.organisations:
        for role in ROLES:
            for _ in range(index[o.name].leaders[role]):
                ws.append([labels[k], o.name, role])
                k += 1
    ws = book.create_sheet("forums")
    ws.append(list(FORUM_COLUMNS))
    all_names = tuple(o.name for o in partnership.organisations)
    for f in partnership.forums:
        ws.append([f.name, "all" if tuple(f.organisations) == all_names else "; ".join(f.organisations),
                   "; ".join(f.roles), f.seats_per_organisation, f.meets_every_weeks, f.instances,
                   f.organisations_per_instance, f.familiarity, f.prior_trust, "yes" if f.structured else "no"])
    ws = book.create_sheet("settings")
    ws.append(["setting", "value"])
    ws.append(["name", partnership.name])
    ws.append(["description", partnership.description])
    ws.append(["within_org_degree", partnership.within_org_degree])
    ws.append(["cross_org_degree", partnership.cross_org_degree])
    ws.append(["internal_meetings_every_weeks", partnership.internal_meetings_every_weeks])
    if notes:
        ws = book.create_sheet("notes")
        for line in notes.splitlines():
            ws.append([line])
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


__all__ = ["read_partnership_file", "write_workbook", "SHEETS"]
