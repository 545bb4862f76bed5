"""The simulated network as files for Gephi, Kumu or Polinode: GraphML and an edge list.

A paired run captures replicate 0's intervention arm at week 0, at the
programme's end and at the run's last week (`experiments.running.execution`,
snapshots by leader id). Each becomes `network_week_<w>.graphml`, the last one
`network_end.graphml`, and every week's ties go into one edge list,
`network_edges.csv` (week, Source and Target for Gephi and Polinode, the same as
From and To for Kumu, Weight, Type, the organisation of each end, whether the
tie crosses organisations and is strong), with people by their ids (email ids pseudonymised, no personal columns: `sim.people`). Each
file is **one simulated future (replicate 0), not a forecast**: the GraphML
files say so in their description, the edge list in its `note` column.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from experiments.outputs.files import atomic_write_bytes
from sim.network_io import edge_rows, graphml_bytes, snapshot_graph
from sim.scenario import Partnership

NOTE = "one simulated future (replicate 0 of the run), not a forecast"


def write_networks(out: Path, networks: dict, partnership: Partnership, strong: float) -> list[str]:
    """Write the captured networks; returns the files written."""
    weeks = sorted(networks[k].week for k in networks if k.startswith("week_"))
    if not weeks:
        return []
    last = weeks[-1]
    organisations = networks.get("organisations") or [o.name for o in partnership.organisations]
    files, rows = [], []
    for week in weeks:
        snap = networks[f"week_{week}"]
        name = "network_end.graphml" if week == last else f"network_week_{week}.graphml"
        label = f"week {week}" + (" (the run's last week)" if week == last else "")
        graph = snapshot_graph(snap, partnership, organisations, label,
                               f"The leader network of {partnership.name} at {label}: {NOTE}. Edge weight is tie "
                               f"strength (0-1; strong from {strong:g}).")
        atomic_write_bytes(out / name, graphml_bytes(graph))
        files.append(name)
        rows += [{**r, "note": NOTE} for r in edge_rows(snap, partnership, organisations, week, strong)]
    buf = io.StringIO()
    columns = ["week", "Source", "Target", "From", "To", "Weight", "Type", "source_organisation", "target_organisation",
               "cross_organisation", "strong", "note"]
    writer = csv.DictWriter(buf, columns)
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_bytes(out / "network_edges.csv", buf.getvalue().encode())
    files.append("network_edges.csv")
    return files


__all__ = ["write_networks", "NOTE"]
