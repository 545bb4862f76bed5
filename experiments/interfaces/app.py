"""Interactive explorer (Mesa SolaraViz): the programme's levers as sliders, the leader
network, and live plots of system-first choices and the survey items.

    make explorer                      # opens http://localhost:8765
    solara run experiments/app.py      # the same
    # in Jupyter:  from experiments.app import page; page

The model is the case study's (calibrated behaviour and survey), with the levers
of the leadership programme exposed as plain keyword arguments.
"""

from __future__ import annotations

import io
import logging

import matplotlib
import matplotlib.ticker
import mesa
import numpy as np
import PIL.Image
import solara
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from experiments.running.config import apply_overrides
from experiments.interfaces.explore import case_study
from experiments.interfaces.glossary import WHO_WE_PICK, people_range, to_overrides
from experiments.outputs.plots import organisation_layout
from sim import CollaborationModel
from sim.survey import expected_shares

logging.getLogger("MESA").setLevel(logging.WARNING)

LIVE_SURVEY = {
    "say they have a strong network (as they report it)": "network_agree",
    "would say so from real change alone": "network_agree_real_change",
    "strongly agree they see the system better": "see_system_strongly_agree",
    "disagree they can influence the system (lower is better)": "influence_disagree",
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
        spec = config.spec.replace(burn_in_weeks=burn_in_weeks)
        super().__init__(**spec.arguments(int(rng), weeks=104))
        self.colour_by = colour_by
        self.layout = organisation_layout(self.leaders.org)
        self.programme_last_week = config.programme_end
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


DPI = 72
"""Figures are redrawn every step: a screen resolution keeps a step (model and both figures) fast."""


class _LiveFigure:
    """A figure whose axes, ticks, keys and labels do not change while its `moving` artists (lines,
    dots, a title) do. `png()` draws the still part once, keeps it as a bitmap, and then on each
    call pastes it back and draws only the moving artists on it (matplotlib's blitting)."""

    def __init__(self, fig: Figure, moving: list, update):
        self.fig, self.moving, self.update = fig, moving, update
        self.canvas = FigureCanvasAgg(fig)
        self.still = None

    def png(self) -> bytes:
        if self.still is None:
            for artist in self.moving:
                artist.set_visible(False)
            self.canvas.draw()
            self.still = self.canvas.copy_from_bbox(self.fig.bbox)
            for artist in self.moving:
                artist.set_visible(True)
        else:
            self.canvas.restore_region(self.still)
        for artist in self.moving:
            self.fig.draw_artist(artist)
        out = io.BytesIO()
        PIL.Image.fromarray(np.asarray(self.canvas.buffer_rgba())).save(out, format="png", compress_level=1)
        return out.getvalue()


def _live(model: ExplorerModel, key, build) -> _LiveFigure:
    """The model's live figure for `key` (built once by `build(model)`), updated to this week."""
    cache = model.__dict__.setdefault("_figures", {})
    if key not in cache:
        cache[key] = _LiveFigure(*build(model))
    live = cache[key]
    live.update(model)
    return live


def network_figure(model: ExplorerModel) -> Figure:
    """Strong ties (cross-organisation ones in red) as lines, leaders coloured by
    organisation (with a key) or by system orientation; participants ringed."""
    return _live(model, ("network", model.colour_by), _build_network).fig


def network_png(model: ExplorerModel) -> bytes:
    """The network figure at this week as PNG, drawing only what changed since the still part."""
    return _live(model, ("network", model.colour_by), _build_network).png()


def _segments(pos: np.ndarray, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of the segments pos[u]-pos[v] as one polyline broken by NaNs (one path to draw,
    not one per tie)."""
    xy = np.full((3 * u.size, 2), np.nan)
    xy[0::3], xy[1::3] = pos[u], pos[v]
    return xy[:, 0], xy[:, 1]


def _build_network(model: ExplorerModel):
    fig = Figure(figsize=(6.2, 5.0), dpi=DPI)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.01, right=0.72, top=0.93, bottom=0.01)
    pos = model.layout
    (inside,) = ax.plot([], [], color="#cccccc", lw=0.3, zorder=1, label="strong tie inside an organisation")
    (across,) = ax.plot([], [], color="#b2182b", lw=0.9, zorder=1, label="strong tie across organisations")
    L = model.leaders
    by_orientation = model.colour_by == "system orientation"
    if by_orientation:
        dots = ax.scatter(pos[:, 0], pos[:, 1], s=16, c=L.orientation, cmap="RdYlGn", vmin=0, vmax=1,
                          linewidths=0.8, zorder=2)
        fig.colorbar(dots, ax=ax, orientation="horizontal", shrink=0.7, pad=0.02,
                     label="system orientation (0 own organisation first, 1 system first)")
    else:
        cmap = matplotlib.colormaps["tab20"].resampled(len(model.organisations.names))
        dots = ax.scatter(pos[:, 0], pos[:, 1], s=16, c=cmap(L.org), linewidths=0.8, zorder=2)
    # the key's markers are free-standing Line2D handles: empty scatters in the axes cost a draw each
    key = [inside, across]
    if not by_orientation:
        key += [Line2D([], [], ls="", marker="o", ms=4, color=cmap(k), label=name.replace("_", " "))
                for k, name in enumerate(model.organisations.names)]
    key.append(Line2D([], [], ls="", marker="o", ms=4, markerfacecolor="white", markeredgecolor="black",
                      label="programme participant"))
    ax.legend(handles=key, fontsize=5.5, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    # a figure text at a fixed place (an axes title is placed during the axes' own draw)
    title = fig.text(0.36, 0.965, "", fontsize=10, ha="center", va="top")
    margin = 0.05 * np.ptp(pos, axis=0).max()
    ax.set_xlim(pos[:, 0].min() - margin, pos[:, 0].max() + margin)
    ax.set_ylim(pos[:, 1].min() - margin, pos[:, 1].max() + margin)
    ax.set_aspect("equal")
    ax.axis("off")

    def update(m: ExplorerModel) -> None:
        t = m.ties
        strong = t.w >= m.params.strong_tie
        for line, mask in ((inside, strong & ~t.cross), (across, strong & t.cross)):
            line.set_data(*_segments(pos, t.u[mask], t.v[mask]))
        if by_orientation:
            dots.set_array(m.leaders.orientation)
        dots.set_edgecolors(np.where(m.leaders.participant[:, None], (0.0, 0.0, 0.0, 1.0), (0.0, 0.0, 0.0, 0.0)))
        title.set_text(f"week {m.week}: {int((strong & t.cross).sum())} strong ties across organisations")

    return fig, [inside, across, dots, title], update


@solara.component
def NetworkView(model: ExplorerModel):
    update_counter.get()
    png = solara.use_memo(lambda: network_png(model), dependencies=[model.week, model.colour_by, id(model)])
    solara.Image(png, format="png")


def over_time_figure(model: ExplorerModel) -> Figure:
    """Two panels against weeks: system-first choices, and the survey answers the cohort would give
    now (as reported, and from real change alone)."""
    return _live(model, "over time", _build_over_time).fig


def over_time_png(model: ExplorerModel) -> bytes:
    """The over-time figure at this week as PNG, drawing only the lines on the still axes."""
    return _live(model, "over time", _build_over_time).png()


def _build_over_time(model: ExplorerModel):
    fig = Figure(figsize=(10, 4.2), dpi=DPI)
    axes = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.1, right=0.98, top=0.92, bottom=0.36, wspace=0.32)
    ax = axes[0]
    (choices,) = ax.plot([], [], color="#1b7837")
    ax.set_ylabel("share of choices, last 4 weeks")
    ax.set_title("How often leaders put the system first", fontsize=9)
    ax = axes[1]
    answers = {label: ax.plot([], [], color=colour, ls=style, label=label)[0]
               for label, colour, style in zip(LIVE_SURVEY, ("#1b7837", "#7fbc41", "#2166ac", "#d6604d"),
                                               ("-", "--", "-", "-"))}
    ax.set_ylabel("share of participants")
    ax.set_title("What participants would answer now", fontsize=9)
    # below the panel, in a fixed place: "best" searches the lines on every redraw
    ax.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncols=1, frameon=False)
    end = model.programme_last_week
    for ax in axes:
        ax.set_xlabel("week")
        # the whole run from the start: the axes (and their tick labels) stay put while the lines grow
        ax.set_xlim(0, max(model.n_weeks, end or 0))
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        if end:
            ax.axvspan(0, end, color="#fee08b", alpha=0.3, lw=0, label="_programme")

    def update(m: ExplorerModel) -> None:
        df = m.datacollector.get_model_vars_dataframe()
        weeks = np.arange(len(df))
        choices.set_data(weeks, df["system_first_share"].to_numpy())
        for label, line in answers.items():
            line.set_data(weeks, df[label].to_numpy())

    return fig, [choices, *answers.values()], update


@solara.component
def OverTime(model: ExplorerModel):
    update_counter.get()
    png = solara.use_memo(lambda: over_time_png(model), dependencies=[model.week, id(model)])
    solara.Image(png, format="png")


@solara.component
def Headline(model: ExplorerModel):
    update_counter.get()
    # one page only: Mesa's page tabs ("Page 0") say nothing here
    solara.Style(".v-tabs { display: none !important; }")
    live = model.live
    solara.Markdown(
        f"**Week {model.week}** (the programme runs in the yellow band). Programme participants (ringed): "
        f"{live['network_agree']:.0%} would say they have a strong network in the system; "
        f"{live['network_agree_real_change']:.0%} would from real change alone (the rest is response shift, an "
        "assumption from other studies, not a finding); "
        f"{live['influence_disagree']:.0%} would disagree that they can influence it. "
        f"System-first choices in the last month: {model.metrics['system_first_share']:.0%}."
    )


FEWEST, MOST = people_range(case_study())  # the schema's and the partnership's bounds, not the explorer's
model_params = {
    "cohort_size": {"type": "SliderInt", "value": 60, "label": "People on the programme", "min": FEWEST,
                    "max": MOST, "step": 1},
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

model = ExplorerModel()
page = SolaraViz(model, components=[Headline, NetworkView, OverTime], model_params=model_params,
                 name="Collaboration explorer: a system leadership programme")
page  # noqa: B018
