"""Write docs/examples/network_survey.csv: a made-up network survey of the template's people.

Not data: the ties of one simulated BNSSG network at week 0 (the partnership of
docs/examples/partnership_template.xlsx, seed 7), reported the way a real
organisational network survey comes back (an export with Source, Target and a
contact-frequency column): about three in four people answered; each answer is
the tie's frequency word give or take one step; some ties are reported by both
sides with different answers, some by one side only, a few twice; three
people who have left the partnership still appear, and there are a self-tie and
a blank row. `sim.network_io` reads it; tests and the notebook use it.

    python scripts/example_network.py
"""

from pathlib import Path

import numpy as np

from sim import CollaborationModel, load_partnership

REPO = Path(__file__).resolve().parents[1]
WORDS = ("yearly", "quarterly", "monthly", "weekly", "daily")


def main() -> None:
    p = load_partnership(str(REPO / "docs" / "examples" / "partnership_template.xlsx"), key="scenario_file")
    model = CollaborationModel(p, rng=7, n_weeks=1)
    t = model.state.ties
    rng = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(1,)))
    labels = p.person_labels
    answered = rng.random(p.n_leaders) < 0.75
    keep = t.w >= 0.2
    step = np.clip(np.digitize(t.w[keep], [0.3, 0.45, 0.65, 0.85]), 0, 4)
    rows = []
    for a, b, s in zip(t.u[keep].tolist(), t.v[keep].tolist(), step.tolist()):
        for who, other in ((a, b), (b, a)):
            if answered[who] and rng.random() < 0.85:
                word = WORDS[int(np.clip(s + rng.integers(-1, 2), 0, 4))]
                rows.append((labels[who], labels[other], word.capitalize() if rng.random() < 0.3 else word))
                if rng.random() < 0.02:  # named twice (two questions of the survey)
                    rows.append((labels[who], labels[other], WORDS[s]))
    order = rng.permutation(len(rows))
    rows = [rows[k] for k in order]
    for k, leaver in enumerate(("left-2024-01", "left-2024-07", "interim-cfo")):
        for other in rng.choice(p.n_leaders, 3, replace=False):
            rows.insert(int(rng.integers(len(rows))), (leaver, labels[other], WORDS[int(rng.integers(5))]))
    rows.insert(40, (labels[10], labels[10], "daily"))
    rows.insert(80, ("", "", ""))
    lines = ["Source,Target,How often"] + [",".join(r) for r in rows]
    (REPO / "docs" / "examples" / "network_survey.csv").write_text("\n".join(lines) + "\n")
    print(f"{len(rows)} rows")


if __name__ == "__main__":
    main()
