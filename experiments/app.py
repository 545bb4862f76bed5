"""Interactive explorer (Mesa SolaraViz): the programme's levers as sliders, the leader
network, and live plots of system-first choices and the survey items.

    make explorer                      # opens http://localhost:8765
    solara run experiments/app.py      # the same
    # in Jupyter:  from experiments.app import page; page

The model is the case study's (calibrated behaviour and survey), with the levers
of the leadership programme exposed as plain keyword arguments.
"""

from __future__ import annotations

import logging

import matplotlib.pyplot as plt
import mesa
import numpy as np
import solara
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from experiments.config import apply_overrides
from experiments.explore import case_study
from experiments.glossary import WHO_WE_PICK, to_overrides
from experiments.plots import organisation_layout
from sim import CollaborationModel
from sim.survey import expected_shares

logging.getLogger("MESA").setLevel(logging.WARNING)

LIVE_SURVEY = {
    "say they have a strong network": "network_agree",
    "would say so from real change alone": "network_agree_real_change",
    "strongly agree they see the system better": "see_system_strongly_agree",
    "disagree they can influence the system": "influence_disagree",
}


class ExplorerModel(CollaborationModel):
    """The case study's model with the programme's main levers as keyword arguments."""

    def __init__(self, cohort_size: int = 60, who_we_pick: str = "at random", programme_months: int = 6,
                 statutory_pressure: float = 1.0, coaching: bool = True, mixing: bool = True,
                 colour_by: str = "organisation", rng=42, burn_in_weeks: int = 52):
        config = apply_overrides(case_study(), to_overrides({
            "people_on_programme": int(cohort_size), "who_we_pick": who_we_pick,
            "programme_months": programme_months, "coaching_and_mentoring": bool(coaching),
            "mix_people_across_organisations": bool(mixing), "statutory_pressure": statutory_pressure}))
        super().__init__(config.partnership, n_weeks=104, burn_in_weeks=burn_in_weeks, behaviour=config.behaviour,
                         mechanisms=config.mechanisms,
                         interventions=list(config.interventions.values()), survey=config.survey, rng=int(rng))
        self.colour_by = colour_by
        self.layout = organisation_layout(self.leaders.org)
        self.live = self.live_survey()
        reporters = dict(self.datacollector.model_reporters)
        for label, key in LIVE_SURVEY.items():
            reporters[label] = (lambda m, k=key: m.live[k])
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.datacollector.collect(self)

    def live_survey(self) -> dict[str, float]:
        """The cohort's expected survey answers now: as reported and from real change alone."""
        live = expected_shares(self.survey, self)
        real = expected_shares(self.survey, self, without_shift=True)
        live.update({f"{k}_real_change": v for k, v in real.items()})
        return live

    def step(self) -> None:
        self.live = self.live_survey()
        super().step()


@solara.component
def NetworkView(model: ExplorerModel):
    """Strong ties (cross-organisation ones in red); nodes by organisation or by orientation."""
    update_counter.get()
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    t = model.ties
    sel = t.w >= model.params.strong_tie
    pos = model.layout
    for mask, colour, width in ((sel & ~t.cross, "#cccccc", 0.3), (sel & t.cross, "#b2182b", 0.9)):
        for a, b in zip(t.u[mask], t.v[mask]):
            ax.plot(*zip(pos[a], pos[b]), color=colour, lw=width, zorder=1)
    L = model.leaders
    if model.colour_by == "system orientation":
        colours = dict(c=L.orientation, cmap="RdYlGn", vmin=0.2, vmax=0.8)
    else:
        colours = dict(c=L.org, cmap=plt.get_cmap("tab20", int(L.org.max()) + 1))
    sc = ax.scatter(pos[:, 0], pos[:, 1], s=16, edgecolors=np.where(L.participant, "black", "none"),
                    linewidths=0.8, zorder=2, **colours)
    if model.colour_by == "system orientation":
        fig.colorbar(sc, ax=ax, shrink=0.6, label="system orientation")
    ax.set_title(f"week {model.week}: {int((sel & t.cross).sum())} strong cross-organisation ties")
    ax.set_aspect("equal")
    ax.axis("off")
    solara.FigureMatplotlib(fig)
    plt.close(fig)


@solara.component
def Headline(model: ExplorerModel):
    update_counter.get()
    live = model.live
    solara.Markdown(
        f"**Week {model.week}.** Programme participants (ringed): "
        f"{live['network_agree']:.0%} would say they have a strong network in the system "
        f"({live['network_agree_real_change']:.0%} from real change alone; the rest is response shift, "
        "an assumption from other studies, not a finding); "
        f"{live['influence_disagree']:.0%} would disagree that they can influence it. "
        f"System-first choices in the last month: {model.metrics['system_first_share']:.0%}."
    )


model_params = {
    "cohort_size": {"type": "SliderInt", "value": 60, "label": "People on the programme", "min": 0, "max": 120,
                    "step": 5},
    "who_we_pick": {"type": "Select", "value": "at random", "label": "Who we pick", "values": list(WHO_WE_PICK)},
    "programme_months": {"type": "SliderInt", "value": 6, "label": "Programme length (months)", "min": 1, "max": 12,
                         "step": 1},
    "statutory_pressure": {"type": "SliderFloat", "value": 1.0, "label": "Statutory pressure (1 = as now)",
                           "min": 0.0, "max": 1.4, "step": 0.2},
    "coaching": {"type": "Checkbox", "value": True, "label": "Coaching and mentoring"},
    "mixing": {"type": "Checkbox", "value": True, "label": "Mix people across organisations"},
    "colour_by": {"type": "Select", "value": "organisation", "label": "Colour leaders by",
                  "values": ["organisation", "system orientation"]},
    "rng": {"type": "InputText", "value": 42, "label": "Random seed"},
}

SystemFirstPlot = make_plot_component({"system_first_share": "#1b7837"})
SurveyPlot = make_plot_component({label: colour for label, colour in
                                  zip(LIVE_SURVEY, ("#1b7837", "#7fbc41", "#2166ac", "#d6604d"))})

model = ExplorerModel()
page = SolaraViz(model, components=[(NetworkView, 0), (Headline, 0), SystemFirstPlot, SurveyPlot],
                 model_params=model_params, name="Collaboration explorer: a system leadership programme")
page  # noqa: B018
