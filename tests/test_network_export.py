"""The simulated network as files: captured by leader id (right under turnover), written as GraphML and
an edge list with ids and organisations, each saying it is one simulated future."""

import networkx as nx
import numpy as np
import pandas as pd

from experiments.outputs.networks import NOTE, write_networks
from experiments.running.config import compose_checked
from experiments.running.execution import run_replicates


def test_captures_follow_people_under_turnover_and_are_written_for_gephi_kumu_polinode(tmp_path):
    config = compose_checked(["scenario=small", "turnover=nhs_senior_leaders", "behaviour.turnover_rate=0.03",
                              "intervention.leadership_programme.cohort_size=8",
                              "intervention.leadership_programme.duration_weeks=8", "run.replicates=1",
                              "run.weeks=30", "run.burn_in_weeks=10"])
    reps = run_replicates(config, {}, capture_network_at=(0, 8, 30))
    first, last = reps.networks["week_0"], reps.networks["week_30"]
    n = config.partnership.n_leaders
    assert last.ids.max() >= n  # newcomers took slots
    for snap in (first, last):
        assert set(snap.u) | set(snap.v) <= set(snap.ids)  # ties between the people present that week
        assert np.array_equal(snap.org, first.org)  # a slot keeps its organisation
    files = write_networks(tmp_path, reps.networks, config.partnership, config.behaviour.strong_tie)
    assert files == ["network_week_0.graphml", "network_week_8.graphml", "network_end.graphml", "network_edges.csv"]
    g = nx.read_graphml(tmp_path / "network_end.graphml")
    assert NOTE in g.graph["description"]
    labels = config.partnership.public_labels(last.ids)
    assert set(g.nodes) == set(labels) and any(x.startswith("newcomer-") for x in labels)
    assert {d["organisation"] for _, d in g.nodes(data=True)} == {o.name for o in config.partnership.organisations}
    assert g.number_of_edges() == last.u.size
    edges = pd.read_csv(tmp_path / "network_edges.csv")
    assert set(edges["week"]) == {0, 8, 30} and (edges["note"] == NOTE).all()
    assert (edges["Source"] == edges["From"]).all() and (edges["Target"] == edges["To"]).all()
    end = edges[edges["week"] == 30]
    assert len(end) == last.u.size and (end["cross_organisation"] ==
                                        (end["source_organisation"] != end["target_organisation"])).all()
