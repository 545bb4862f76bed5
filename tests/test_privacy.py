"""People's data stays theirs: a people sheet with names and email ids, a network survey by email, a
run and a cohort search; no output file of either holds a name, an email address or the salt, and the
pseudonyms are stable and accepted back as ids."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import load_partnership
from sim.partnership_files import write_workbook
from sim.people import SALT_FILE

REPO = Path(__file__).resolve().parents[1]
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Radia", "Tim", "Karen", "Niklaus"]


@pytest.fixture(scope="module")
def sheet(tmp_path_factory):
    """The small scenario's people with email ids, a name column and a second email column, and a
    network survey naming them by email."""
    import openpyxl

    folder = tmp_path_factory.mktemp("data")
    path = folder / "partnership.xlsx"
    small = load_partnership("small")
    write_workbook(small, path)
    book = openpyxl.load_workbook(path)
    ws = book["people"]
    ws.cell(1, 4, "Full name"), ws.cell(1, 5, "Work email"), ws.cell(1, 6, "site")
    names, emails = [], []
    for row in range(2, ws.max_row + 1):
        k = row - 2
        name = f"{FIRST[k % len(FIRST)]} Testperson{k:02d}"
        email = f"{FIRST[k % len(FIRST)].lower()}.testperson{k:02d}@nhs-example.org"
        ws.cell(row, 1, email.upper() if k == 3 else email)  # case does not matter for an email id
        ws.cell(row, 4, name), ws.cell(row, 5, email.replace("@", ".work@")), ws.cell(row, 6, "north")
        names.append(name), emails.append(email)
    book.save(path)
    rows = ["From,To,Frequency"] + [f"{emails[k]},{emails[(k * 7 + 3) % len(emails)]},weekly"
                                    for k in range(len(emails))]
    rows += [f"{emails[k]},{emails[(k + 1) % len(emails)]},monthly" for k in range(0, len(emails), 2)]
    (folder / "network.csv").write_text("\n".join(rows) + "\n")
    return {"folder": folder, "workbook": path, "network": folder / "network.csv", "names": names, "emails": emails}


def _texts(directory: Path):
    """Every file's content as text (parquet tables cell by cell; any other file as bytes)."""
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            yield path, pd.read_parquet(path).astype(str).to_csv()
        else:
            yield path, path.read_bytes().decode("utf-8", errors="replace")


def _assert_clean(directory: Path, sheet) -> int:
    salt = (sheet["folder"] / SALT_FILE).read_text().strip()
    checked = 0
    for path, text in _texts(directory):
        low = text.lower()
        for secret in [*sheet["names"], *sheet["emails"], "testperson", "nhs-example.org", salt]:
            assert secret.lower() not in low, f"{path.relative_to(directory)} holds {secret!r}"
        checked += 1
    return checked


def test_pseudonyms_are_stable_salted_and_accepted_as_ids(sheet):
    p = load_partnership(str(sheet["workbook"]), key="scenario_file")
    q = load_partnership(str(sheet["workbook"]), key="scenario_file")
    email = sheet["emails"][5]
    pseudonym = p.public_label(email)
    assert pseudonym.startswith("person-") and pseudonym == q.public_label(email)
    assert p.person_id(pseudonym) == p.person_id(email) == p.person_id(email.upper())
    assert all(dict(x.attributes) == {"site": "north"} for x in p.people)  # name and email columns never read
    assert "salt" not in repr(p) and p.salt not in str(p.to_dict())


def test_no_output_of_a_run_or_a_cohort_search_holds_a_name_or_an_email(sheet, tmp_path):
    common = [f"scenario_file={sheet['workbook']}", f"network_file={sheet['network']}",
              "intervention.leadership_programme.duration_weeks=8", "run.burn_in_weeks=20", "run.weeks=10"]
    run_dir, cohort_dir = tmp_path / "run", tmp_path / "cohort"
    res = subprocess.run([sys.executable, "-m", "experiments.run", *common, "run.replicates=2",
                          "run.assumption_curve=false", "intervention.leadership_programme.cohort_size=8",
                          f"hydra.run.dir={run_dir}"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    for secret in [*sheet["names"], *sheet["emails"]]:
        assert secret not in res.stdout and secret not in res.stderr
    assert {"network_end.graphml", "network_edges.csv", "survey.parquet", "provenance.json"} <= \
        {p.name for p in run_dir.iterdir()}
    assert _assert_clean(run_dir, sheet) >= 10
    edges = pd.read_csv(run_dir / "network_edges.csv")
    assert edges["Source"].str.startswith("person-").all()
    res = subprocess.run([sys.executable, "-m", "experiments.cohort", *common, "cohort.size=8", "cohort.budget=12",
                          "cohort.search_replicates=3", "cohort.fresh_replicates=4", "cohort.screening=3",
                          f"hydra.run.dir={cohort_dir}"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert _assert_clean(cohort_dir, sheet) >= 6
    cohort = pd.read_csv(cohort_dir / "cohort.csv")
    assert cohort["id"].str.startswith("person-").all() and len(cohort) == 8
    # the mapping is written only where asked, outside the outputs
    mapping = tmp_path / "kept" / "pseudonyms.csv"
    res = subprocess.run([sys.executable, "-m", "experiments.run", *common, "run.replicates=2",
                          "run.assumption_curve=false", "run.figures=false",
                          "intervention.leadership_programme.cohort_size=8", f"pseudonym_map={mapping}",
                          f"hydra.run.dir={tmp_path / 'run2'}"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    table = pd.read_csv(mapping)
    assert len(table) == len(sheet["emails"]) and table["pseudonym"].str.startswith("person-").all()
    assert set(table["pseudonym"]) == set(cohort["id"]) | (set(table["pseudonym"]) - set(cohort["id"]))
    assert _assert_clean(tmp_path / "run2", sheet) >= 3


def test_a_scenario_chosen_by_name_may_not_carry_personal_data():
    """A scenario given as configuration is written into every run's record: its people list may hold
    no email id or personal column (a file given with scenario_file is recorded by path only)."""
    from experiments.running.config import check, compose
    from omegaconf import OmegaConf

    from sim import ConfigError

    raw = OmegaConf.to_container(compose(["scenario=small"]), resolve=True)
    raw["scenario"]["people"] = [{"id": "ada@example.org", "organisation": "hospital", "role": "director"}]
    with pytest.raises(ConfigError, match=r"^scenario.people\[0\].id: holds an email address"):
        check(raw)
    raw["scenario"]["people"] = [{"id": "p1", "organisation": "hospital", "role": "director", "name": "Ada"}]
    with pytest.raises(ConfigError, match=r"^scenario.people\[0\].name: holds personal data"):
        check(raw)
