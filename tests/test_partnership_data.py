"""Your partnership as data: people with ids, a workbook or a folder of CSVs, and a measured network
(every rule of reading a network survey, bad input named by file, row and column, and a run that
starts from the measured network)."""

import csv
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim import CollaborationModel, ConfigError, load_partnership
from sim.network_io import FREQUENCY, STEPS, UNWEIGHTED, read_network
from sim.partnership_files import read_partnership_file, write_workbook

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "docs" / "examples" / "partnership_template.xlsx"


def _small_people():
    return {"name": "t", "organisations": [{"name": "a", "anchor": 0.3}, {"name": "b", "anchor": 0.5}],
            "people": [{"id": "p3", "organisation": "b", "role": "director"},
                       {"id": "p1", "organisation": "a", "role": "director"},
                       {"id": "p2", "organisation": "a", "role": "chief_executive"},
                       {"id": "p4", "organisation": "b", "role": "Chief Executive", "place": "north"}],
            "forums": [{"name": "f", "organisations": "all"}]}


def test_generated_ids_are_stable_and_listed_people_are_in_slot_order():
    p = load_partnership("small")
    assert p.person_labels[:2] == ("hospital-001", "hospital-002") and len(p.person_labels) == p.n_leaders
    assert load_partnership("small").person_labels == p.person_labels
    assert p.person_id("hospital-002") == 1 and p.label_of(1) == "hospital-002"
    assert p.label_of(p.n_leaders + 3) == f"newcomer-{p.n_leaders + 3}"
    q = load_partnership(_small_people())
    # organisation by organisation, within each by role (most senior first), then as listed
    assert q.person_labels == ("p2", "p1", "p4", "p3")
    assert q.organisations[1].leaders == {"chief_executive": 1, "executive": 0, "director": 1}
    assert dict(q.people[2].attributes) == {"place": "north"}
    assert load_partnership(q.to_dict()) == q


def test_the_template_is_the_bnssg_scenario_and_runs_identically():
    t = read_partnership_file(TEMPLATE)
    b = load_partnership("bnssg")
    assert dataclasses.replace(t, people=()) == b
    assert t.person_labels == b.person_labels
    one = CollaborationModel(t, rng=3, n_weeks=3, burn_in_weeks=10).run()
    two = CollaborationModel(b, rng=3, n_weeks=3, burn_in_weeks=10).run()
    assert one.datacollector.get_model_vars_dataframe().equals(two.datacollector.get_model_vars_dataframe())


def test_a_folder_of_csvs_reads_like_the_workbook(tmp_path):
    import openpyxl

    book = openpyxl.load_workbook(TEMPLATE)
    folder = tmp_path / "mine"
    folder.mkdir()
    for ws in book.worksheets:
        if ws.title == "notes":
            continue
        with open(folder / f"{ws.title}.csv", "w", newline="") as fh:
            csv.writer(fh).writerows(ws.iter_rows(values_only=True))
    assert load_partnership(str(folder), key="scenario_file") == read_partnership_file(TEMPLATE)


def _workbook(tmp_path, mutate=None, name="p.xlsx"):
    import openpyxl

    path = tmp_path / name
    write_workbook(load_partnership("small"), path)
    if mutate:
        book = openpyxl.load_workbook(path)
        mutate(book)
        book.save(path)
    return path


@pytest.mark.parametrize("mutate,message", [
    (lambda b: b["people"].cell(3, 1, "hospital-001"),
     r"sheet people, row 3, column id: duplicate person id 'hospital-001' \(first at .*row 2\)"),
    (lambda b: b["people"].cell(4, 3, "janitor"), r"sheet people, row 4, column role: 'janitor' is not a role"),
    (lambda b: b["people"].cell(5, 2, "nowhere"), r"sheet people, row 5, column organisation: 'nowhere' is not"),
    (lambda b: b.remove(b["people"]), r"missing sheet people"),
    (lambda b: b["people"].delete_cols(3), r"sheet people, row 1: missing column role"),
    (lambda b: b["organisations"].cell(2, 3, 1.7), r"sheet organisations, row 2, column anchor: 1.7 must be"),
    (lambda b: b["forums"].cell(2, 2, "hospital; mars"), r"sheet forums, row 2, column organisations: 'mars'"),
])
def test_bad_workbooks_name_file_sheet_row_and_column(tmp_path, mutate, message):
    path = _workbook(tmp_path, mutate)
    with pytest.raises(ConfigError, match=message) as info:
        load_partnership(str(path), key="scenario_file")
    assert str(info.value).startswith(f"scenario_file='{path}'") and "\n" not in str(info.value)


def test_a_file_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("name,anchor\n")
    with pytest.raises(ConfigError, match=r"^scenario_file='.*fake.xlsx': not a workbook"):
        load_partnership(str(path), key="scenario_file")


def test_personal_columns_are_never_read(tmp_path):
    def add_personal(book):
        ws = book["people"]
        ws.cell(1, 4, "Full name"), ws.cell(1, 5, "contact"), ws.cell(1, 6, "place")
        ws.cell(2, 4, "Ada Lovelace"), ws.cell(2, 5, "ada@example.org"), ws.cell(2, 6, "north")

    p = load_partnership(str(_workbook(tmp_path, add_personal)), key="scenario_file")
    assert dict(p.people[0].attributes) == {"place": "north"}
    assert "Ada" not in repr(p) and "example.org" not in repr(p)


# ------------------------------------------------------------------ the measured network

def _edges(tmp_path, text, name="net.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _ties(net):
    return {(int(a), int(b)): round(float(x), 6) for a, b, x in zip(net.u, net.v, net.w)}


def test_reading_rules_of_a_network_survey(tmp_path):
    p = load_partnership("small")
    h1, h2, h3, h4, c1 = "hospital-001", "hospital-002", "hospital-003", "hospital-004", "community-001"
    text = (f"From,To,How often\n"
            f"{h1},{h2},weekly\n{h2},{h1},monthly\n"            # both sides: the mean
            f"{h1},{h3},Monthly\n{h1},{h3},daily\n"             # repeated: the strongest
            f"{h1},{h4},\n"                                     # no weight: as monthly
            f"{h2},{c1},never\n"                                # no tie
            f"{h3},{h3},daily\n"                                # self-tie
            f"{h4},,\n"                                         # isolate
            f",,\n"                                             # blank
            f"leaver@x.org,{h1},daily\nleaver@x.org,{h2},weekly\n")  # outside the partnership
    net = read_network(_edges(tmp_path, text), p)
    i = p.person_id
    assert _ties(net) == {(i(h1), i(h2)): round((FREQUENCY["weekly"] + FREQUENCY["monthly"]) / 2, 6),
                          (i(h1), i(h3)): FREQUENCY["daily"], (i(h1), i(h4)): UNWEIGHTED}
    c = net.counts
    counted = (c["self"], c["isolates"], c["blank"], c["no_tie"], c["outside_people"], c["outside_ties"])
    assert counted == (1, 1, 1, 1, 1, 2)
    assert c["without_ties"] == p.n_leaders - 4 and c["both_sides"] == 1
    line = net.summary()
    assert "1 people not in the partnership dropped" in line and f"{p.n_leaders - 4} of the partnership's" in line
    assert "\n" not in line


def test_numeric_weights_strengths_or_steps_and_other_formats(tmp_path):
    import networkx as nx

    p = load_partnership("small")
    h1, h2, h3 = "hospital-001", "hospital-002", "hospital-003"
    net = read_network(_edges(tmp_path, f"source;target;weight\n{h1};{h2};0.3\n{h1};{h3};1\n"), p)
    assert set(_ties(net).values()) == {0.3, 1.0}
    net = read_network(_edges(tmp_path, f"source,target,weight\n{h1},{h2},5\n{h1},{h3},1\n"), p)
    assert set(_ties(net).values()) == {STEPS[5], STEPS[1]}
    g = nx.Graph()
    g.add_edge(h1, h2, weight=0.8)
    g.add_node("community-001")
    nx.write_graphml(g, tmp_path / "g.graphml")
    net = read_network(tmp_path / "g.graphml", p)
    assert _ties(net) == {(0, 1): 0.8} and net.counts["isolates"] == 1
    nx.write_gexf(g, tmp_path / "g.gexf")
    assert _ties(read_network(tmp_path / "g.gexf", p)) == {(0, 1): 0.8}


@pytest.mark.parametrize("text,message", [
    ("source,target\nx1,x2\nx3,x4\n", r"row 2, column source: 'x1': no id in the network matches the partnership"),
    ("source,target,weight\nhospital-001,hospital-002,7\n", r"row 2, column weight: 7 is out of range"),
    ("source,target,weight\nhospital-001,hospital-002,-0.2\n", r"row 2, column weight: -0.2 is out of range"),
    ("source,target,frequency\nhospital-001,hospital-002,sometimes\n",
     r"row 2, column frequency: 'sometimes' is not a frequency word"),
    ("person,weight\nhospital-001,1\n", r"row 1: missing column target"),
])
def test_bad_networks_name_file_row_and_column(tmp_path, text, message):
    path = _edges(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        read_network(path, load_partnership("small"))
    assert str(info.value).startswith(f"network_file='{path}'") and "\n" not in str(info.value)


def test_the_run_starts_from_the_measured_network(tmp_path):
    """At week 0 (after the burn-in) the model's ties are the imported ones under the documented
    mapping, trust as documented, and both arms of a pair share them."""
    p = load_partnership("small")
    rng = np.random.default_rng(0)
    labels = p.person_labels
    lines = ["source,target,frequency"] + [f"{labels[a]},{labels[b]},{rng.choice(list(FREQUENCY)[:20])}"
                                          for a, b in rng.integers(0, p.n_leaders, (120, 2))]
    net = read_network(_edges(tmp_path, "\n".join(lines) + "\n"), p)
    model = CollaborationModel(p, network=net, rng=2, n_weeks=2, burn_in_weeks=30, turnover_rate=0.01)
    t = model.state.ties
    assert sorted(zip(t.u.tolist(), t.v.tolist(), t.w.tolist())) == \
        sorted(zip(net.u.tolist(), net.v.tolist(), np.maximum(net.w, model.params.tie_removal).tolist()))
    assert (model.state.leaders.ids == np.arange(p.n_leaders)).all()  # nobody left in the burn-in
    same = model.state.leaders.org[t.u] == model.state.leaders.org[t.v]
    hist, conduct = model.params.prior_history, model.params.within_org_conduct
    assert np.allclose(t.trust_pos[same], hist * conduct) and np.allclose(t.trust_neg[same], hist * (1 - conduct))
    weak = ~same & (t.w < model.params.strong_tie)
    assert np.all(t.trust_pos[weak] == 0) and np.all(t.trust_neg[weak] == 0)
    assert np.array_equal(t.embedded, t.embedded_now(model.params.strong_tie))
    # without the network, the same seed gives a different (synthetic) start
    other = CollaborationModel(p, rng=2, n_weeks=2, burn_in_weeks=30)
    assert other.state.ties.count != t.count or not np.array_equal(other.state.ties.w, t.w)


# ------------------------------------------------------------------ a named cohort, and bad input before any file

def test_a_named_cohort_sets_the_cohort_and_its_size(tmp_path):
    from experiments.running.config import compose_checked

    P = "intervention.leadership_programme."
    ids = [f"hospital-{k:03d}" for k in range(2, 10)]
    good = tmp_path / "cohort.csv"
    good.write_text("id,note\n" + "".join(f"{i},x\n" for i in ids))
    config = compose_checked(["scenario=small", f"{P}cohort_file={good}"])
    programme = config.interventions["leadership_programme"]
    assert (programme.cohort_size, programme.selection) == (8, None)
    assert programme.counterfactual().cohort_people == programme.cohort_people  # both arms mark the same people
    model = config.spec.model(3, weeks=1, survey=False)
    assert set(model.partnership.public_labels(np.flatnonzero(model.state.leaders.participant))) == set(ids)
    with pytest.raises(ConfigError, match=r"cohort_file=.*: the file sets the cohort and its size, so cohort_size "
                                          r"and selection must be left unset \(given: cohort_size=8\)"):
        compose_checked(["scenario=small", f"{P}cohort_file={good}", f"{P}cohort_size=8"])
    for body, message in (("id\nhospital-002\nnobody\n", r"row 3, column id: names 1 person who is not in the "
                                                          r"partnership: 'nobody'"),
                          ("id\nhospital-001\n", r"row 2, column id: names 1 person who is not eligible"),
                          ("name\nhospital-002\n", r"row 1: missing column id")):
        bad = tmp_path / "bad.csv"
        bad.write_text(body)
        with pytest.raises(ConfigError, match=message):
            compose_checked(["scenario=small", f"{P}cohort_file={bad}", f"{P}set_size=1"])


@pytest.mark.parametrize("what", ["network", "cohort", "workbook"])
def test_bad_input_stops_a_run_before_any_file(tmp_path, what):
    import subprocess
    import sys

    bad = tmp_path / ("bad.xlsx" if what == "workbook" else "bad.csv")
    bad.write_text({"network": "source,target,weight\nhospital-001,hospital-002,often\n",
                    "cohort": "id\nnobody\n", "workbook": "not a workbook"}[what])
    arg = {"network": f"network_file={bad}", "cohort": f"intervention.leadership_programme.cohort_file={bad}",
           "workbook": f"scenario_file={bad}"}[what]
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "experiments.run", "scenario=small", arg, f"hydra.run.dir={out}"],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert res.returncode == 2 and not out.exists()
    line = res.stderr.strip()
    assert line.startswith("error: ") and "\n" not in line and str(bad) in line


def test_the_notebook_api_takes_a_measured_network_and_a_named_cohort(tmp_path):
    """The plain settings `measured_network` and `people_on_the_programme_file` reach the run as
    network_file and cohort_file do on the command line; a missing file is named as typed."""
    from experiments.interfaces import explore
    from experiments.interfaces.glossary import SettingError

    p = load_partnership("small")
    labels = p.person_labels
    ids = [f"hospital-{k:03d}" for k in range(2, 10)]
    cohort = _edges(tmp_path, "id\n" + "".join(f"{i}\n" for i in ids), "cohort.csv")
    edges = _edges(tmp_path, "source,target,weight\n" + "".join(f"{labels[a]},{labels[a + 1]},1\n" for a in range(0, 38, 2)))
    config = explore.configure(partnership="small", people_on_the_programme_file=str(cohort),
                               measured_network=str(edges), repeats=2)
    assert config.interventions["leadership_programme"].cohort_people == tuple(ids)
    assert config.network is not None and config.network.u.size == 19
    with pytest.raises(SettingError, match=r"^measured_network='.*nowhere.csv': file not found"):
        explore.configure(partnership="small", measured_network=str(tmp_path / "nowhere.csv"))
