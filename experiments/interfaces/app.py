"""Interactive explorer (Solara, with Mesa's model controller): the programme's levers as
sliders that show their values, the leader network, and live plots of system-first choices and
the survey items, with the programme and without it.

    make explorer                      # opens http://localhost:8765
    solara run experiments/app.py      # the same
    # in Jupyter:  from experiments.app import page; page

The model is the case study's (calibrated behaviour and survey), with the levers of the
leadership programme exposed as plain keyword arguments. Beside it runs the same partnership
without the programme: the counterfactual arm from the same seed and the same burn-in (common
random numbers, as `RunSpec.pair` builds it), so the difference is the programme's doing in this
one simulated future. A changed setting takes effect at once: the run restarts at week 0 with a
one-line notice (the colouring of the network changes mid-run). Only the controls an OD lead
needs are shown (run, pause, step, reset; Mesa's developer controls are left out).
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
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import force_update, update_counter

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
WITHOUT = {  # recorded from the counterfactual arm: label -> its metric or survey share
    "system-first, participants, without the programme": "system_first_participants",
    "system-first, others, without the programme": "system_first_others",
    "strong network, without the programme": "network_agree",
}


class ExplorerModel(CollaborationModel):
    """The case study's model with the programme's main levers as keyword arguments, and beside it
    the same partnership without the programme (`self.without`), stepped week by week with it."""

    def __init__(self, cohort_size: int = 60, who_we_pick: str = "at random", programme_months: int = 6,
                 statutory_pressure: float = 1.0, coaching: bool = True, mixing: bool = True,
                 colour_by: str = "organisation", rng=42, burn_in_weeks: int = 52):
        config = apply_overrides(case_study(), to_overrides({
            "people_on_programme": int(cohort_size), "who_we_pick": who_we_pick,
            "programme_months": int(programme_months), "coaching_and_mentoring": bool(coaching),
            "mix_people_across_organisations": bool(mixing), "statutory_pressure": float(statutory_pressure)}))
        spec = config.spec.replace(burn_in_weeks=burn_in_weeks)
        # the two arms of RunSpec.pair: this model is the programme's arm (the explorer's own class);
        # the counterfactual starts from its burned-in state with the same seed
        super().__init__(**spec.arguments(int(rng), weeks=104, keep_burn_in=True))
        self.without = spec.model(int(rng), arm="counterfactual", weeks=104, start_state=self.burn_in_state)
        self.burn_in_state = None
        self.settings = {"cohort_size": int(cohort_size), "who_we_pick": who_we_pick,
                         "programme_months": int(programme_months), "statutory_pressure": float(statutory_pressure),
                         "coaching": bool(coaching), "mixing": bool(mixing)}
        self.colour_by = colour_by
        self.layout = organisation_layout(self.leaders.org)
        self.programme_first_week = config.interventions["leadership_programme"].start_week
        self.programme_last_week = config.programme_end
        self.live = self.live_survey()
        self.live_without = expected_shares(self.without.survey, self.without)
        reporters = dict(self.datacollector.model_reporters)
        for label, key in LIVE_SURVEY.items():
            reporters[label] = (lambda m, k=key: m.live[k])
        for label, key in WITHOUT.items():
            reporters[label] = (lambda m, k=key: m.live_without[k] if k in m.live_without else m.without.metrics[k])
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.datacollector.collect(self)

    @property
    def participants(self) -> int:
        """How many leaders are on the programme now (the model's cohort)."""
        return int(self.leaders.participant.sum())

    def live_survey(self) -> dict[str, float]:
        """The cohort's expected survey answers now: as reported and from real change alone."""
        live = expected_shares(self.survey, self)
        real = expected_shares(self.survey, self, without_shift=True)
        live.update({f"{k}_real_change": v for k, v in real.items()})
        return live

    def step(self) -> None:
        self.live = self.live_survey()
        self.live_without = expected_shares(self.without.survey, self.without)
        self.without.step()
        super().step()


DPI = 80
"""Figures are redrawn every step: a screen resolution keeps a step (model and both figures) fast;
sizes and fonts are chosen so text reads at 11-13 px."""


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
    fig = Figure(figsize=(10.5, 6.2), dpi=DPI)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.01, right=0.66, top=0.93, bottom=0.01)
    pos = model.layout
    (inside,) = ax.plot([], [], color="#cccccc", lw=0.4, zorder=1, label="strong tie inside an organisation")
    (across,) = ax.plot([], [], color="#b2182b", lw=1.0, zorder=1, label="strong tie across organisations")
    L = model.leaders
    by_orientation = model.colour_by == "system orientation"
    if by_orientation:
        dots = ax.scatter(pos[:, 0], pos[:, 1], s=22, c=L.orientation, cmap="RdYlGn", vmin=0, vmax=1,
                          linewidths=1.0, zorder=2)
        bar = fig.colorbar(dots, ax=ax, orientation="horizontal", shrink=0.7, pad=0.02)
        bar.set_label("system orientation (0 own organisation first, 1 system first)", fontsize=11)
        bar.ax.tick_params(labelsize=10)
    else:
        cmap = matplotlib.colormaps["tab20"].resampled(len(model.organisations.names))
        dots = ax.scatter(pos[:, 0], pos[:, 1], s=22, c=cmap(L.org), linewidths=1.0, zorder=2)
    # the key's markers are free-standing Line2D handles: empty scatters in the axes cost a draw each
    key = [inside, across]
    if not by_orientation:
        key += [Line2D([], [], ls="", marker="o", ms=6, color=cmap(k), label=name.replace("_", " "))
                for k, name in enumerate(model.organisations.names)]
    key.append(Line2D([], [], ls="", marker="o", ms=6, markerfacecolor="white", markeredgecolor="black",
                      label="programme participant"))
    ax.legend(handles=key, fontsize=12, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    # a figure text at a fixed place (an axes title is placed during the axes' own draw)
    title = fig.text(0.34, 0.975, "", fontsize=13, ha="center", va="top")
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
        title.set_text(f"Week {m.week}: {int((strong & t.cross).sum())} strong ties across organisations "
                       "(with the programme)")

    return fig, [inside, across, dots, title], update


@solara.component
def NetworkView(model: ExplorerModel):
    update_counter.get()
    png = solara.use_memo(lambda: network_png(model), dependencies=[model.week, model.colour_by, id(model)])
    solara.Image(png, format="png", width="100%")


def over_time_figure(model: ExplorerModel) -> Figure:
    """Two panels against weeks: system-first choices with and without the programme, and the
    survey answers the cohort would give now (as reported, from real change alone, without the
    programme)."""
    return _live(model, "over time", _build_over_time).fig


def over_time_png(model: ExplorerModel) -> bytes:
    """The over-time figure at this week as PNG, drawing only the lines on the still axes."""
    return _live(model, "over time", _build_over_time).png()


def _build_over_time(model: ExplorerModel):
    fig = Figure(figsize=(13, 6.2), dpi=DPI)
    axes = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.07, right=0.99, top=0.92, bottom=0.4, wspace=0.22)
    ax = axes[0]
    lines = {
        "system_first_participants": ax.plot([], [], color="#1b7837", lw=2, label="participants, with the programme")[0],
        "system-first, participants, without the programme": ax.plot(
            [], [], color="#1b7837", lw=1.6, ls="--", label="participants, without it")[0],
        "system_first_others": ax.plot([], [], color="#2166ac", lw=2, label="everyone else, with the programme")[0],
        "system-first, others, without the programme": ax.plot(
            [], [], color="#2166ac", lw=1.6, ls="--", label="everyone else, without it")[0],
    }
    ax.set_ylabel("share of decisions, last 4 weeks", fontsize=14)
    ax.set_title("Decisions on shared issues that put the system first", fontsize=15)
    ax.legend(fontsize=13, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncols=2, frameon=False)
    ax = axes[1]
    for label, colour, style in (("say they have a strong network (as they report it)", "#1b7837", "-"),
                                 ("would say so from real change alone", "#7fbc41", "-"),
                                 ("strong network, without the programme", "#636363", "--"),
                                 ("disagree they can influence the system (lower is better)", "#d6604d", "-")):
        words = {"strong network, without the programme": "would say so without the programme"}.get(label, label)
        lines[label] = ax.plot([], [], color=colour, ls=style, lw=2, label=words)[0]
    ax.set_ylabel("share of participants", fontsize=14)
    ax.set_title("What participants would answer now", fontsize=15)
    # below the panel, in a fixed place: "best" searches the lines on every redraw
    ax.legend(fontsize=13, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncols=1, frameon=False)
    end = model.programme_last_week
    for ax in axes:
        ax.set_xlabel("week (the yellow band is the programme)", fontsize=14)
        ax.tick_params(labelsize=13)
        # the whole run from the start: the axes (and their tick labels) stay put while the lines grow
        ax.set_xlim(0, max(model.n_weeks, end or 0))
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        if end:
            ax.axvspan(model.programme_first_week - 1, end, color="#fee08b", alpha=0.35, lw=0, label="_programme")

    def update(m: ExplorerModel) -> None:
        df = m.datacollector.get_model_vars_dataframe()
        weeks = np.arange(len(df))
        for label, line in lines.items():
            line.set_data(weeks, df[label].to_numpy())

    return fig, list(lines.values()), update


@solara.component
def OverTime(model: ExplorerModel):
    update_counter.get()
    png = solara.use_memo(lambda: over_time_png(model), dependencies=[model.week, id(model)])
    solara.Image(png, format="png", width="100%")


def _share(x: float) -> str:
    return "-" if not np.isfinite(x) else f"{x:.0%}"


def _points(a: float, b: float) -> str:
    return "-" if not np.isfinite(a - b) else f"{(a - b) * 100:+.0f} points"


def when(model: ExplorerModel) -> str:
    """Where the week stands against the programme, in words that follow the week."""
    first, last, week = model.programme_first_week, model.programme_last_week, model.week
    if week < first:
        return (f"**Week {week}.** The programme has not started: it runs from week {first} to week {last} (the "
                "yellow band). Press ▶ to run.")
    if week <= last:
        return f"**Week {week}**, week {week - first + 1} of the programme's {last - first + 1} (the yellow band)."
    ago = week - last
    return (f"**Week {week}.** The programme ended in week {last}, {ago} week{'s' if ago != 1 else ''} ago: "
            "what is left is what lasts.")


def headline(model: ExplorerModel) -> str:
    """The headline's sentences for this week (also what the browser test reads)."""
    live, without, m, w = model.live, model.live_without, model.metrics, model.without.metrics
    n = model.participants
    p, p0 = m["system_first_participants"], w["system_first_participants"]
    o, o0 = m["system_first_others"], w["system_first_others"]
    return (
        f"{when(model)} **{n} people on the programme** (ringed in the network).\n\n"
        f"Decisions on shared issues that put the system first, last 4 weeks: participants {_share(p)} against "
        f"{_share(p0)} without the programme (**{_points(p, p0)}**); everyone else {_share(o)} against {_share(o0)} "
        f"(**{_points(o, o0)}**). One simulated future: the weekly figures jump about; the report averages many.\n\n"
        f"Participants would answer now: {_share(live['network_agree'])} say they have a strong network in the "
        f"system ({_share(live['network_agree_real_change'])} from real change alone, the rest is response shift, "
        f"an assumption from other studies; {_share(without['network_agree'])} without the programme); "
        f"{_share(live['influence_disagree'])} disagree that they can influence it."
    )


@solara.component
def Headline(model: ExplorerModel):
    update_counter.get()
    solara.Markdown(headline(model), style={"font-size": "17px", "line-height": "1.5"})


FEWEST, MOST = people_range(case_study())  # the schema's and the partnership's bounds, not the explorer's
DEFAULTS = {"cohort_size": 60, "who_we_pick": "at random", "programme_months": 6, "statutory_pressure": 1.0,
            "coaching": True, "mixing": True, "colour_by": "organisation", "rng": 42}
LABELS = {"cohort_size": "People on the programme", "who_we_pick": "Who we pick",
          "programme_months": "Programme length (months)", "statutory_pressure": "Statutory pressure (1 = as now)",
          "coaching": "Coaching and mentoring", "mixing": "Mix people across organisations",
          "colour_by": "Colour leaders by", "rng": "Random seed (another simulated future)"}
MID_RUN = {"colour_by"}
"""Settings that change only the picture, so they apply mid-run; every other one restarts the run."""


def _shown(name: str, value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if name == "statutory_pressure":
        return f"{float(value):.1f}"
    return str(value)


def restart_notice(name: str, old, new, model: ExplorerModel) -> str:
    """The one line shown when a setting restarts the run."""
    return (f"Restarted at week 0: {LABELS[name].split(' (')[0].lower()} changed from {_shown(name, old)} to "
            f"{_shown(name, new)}; the model now has {model.participants} people on the programme.")


def _slider(name: str, label: str, kind, value, low, high, step, on_value) -> None:
    """A slider the width of the panel, its label and current value above it, its range at its ends."""
    with solara.Div(classes=[f"setting-{name}"], style={"margin-top": "14px"}):
        solara.Div(children=[label], style={"font-size": "15px", "margin-bottom": "30px"})
        kind("", value=value, min=low, max=high, step=step, on_value=on_value, thumb_label="always",
             tick_labels="end_points")


@solara.component
def Settings(model: solara.Reactive, params: solara.Reactive, notice: solara.Reactive):
    """The levers, each showing its value; a change rebuilds the model (a restart) with a notice."""

    def change(name, value):
        old = params.value[name]
        if value == old:
            return
        if name == "rng":
            try:
                value = int(str(value).strip())
            except ValueError:
                notice.set(f"Random seed {value!r}: give a whole number, e.g. 42 (the run goes on unchanged).")
                return
        params.set({**params.value, name: value})
        if name in MID_RUN:
            model.value.colour_by = value
            notice.set(f"Now colouring leaders by {value} (the run goes on).")
            force_update()
            return
        model.set(ExplorerModel(**params.value))
        notice.set(restart_notice(name, old, value, model.value))

    v = params.value
    _slider("cohort_size", f"{LABELS['cohort_size']}: {v['cohort_size']}", solara.SliderInt, v["cohort_size"],
            FEWEST, MOST, 1, lambda x: change("cohort_size", int(x)))
    solara.Select(LABELS["who_we_pick"], values=list(WHO_WE_PICK), value=v["who_we_pick"],
                  on_value=lambda x: change("who_we_pick", x))
    _slider("programme_months", f"{LABELS['programme_months']}: {v['programme_months']}", solara.SliderInt,
            v["programme_months"], 1, 12, 1, lambda x: change("programme_months", int(x)))
    _slider("statutory_pressure", f"{LABELS['statutory_pressure']}: {v['statutory_pressure']:.1f}",
            solara.SliderFloat, v["statutory_pressure"], 0.0, 1.4, 0.2,
            lambda x: change("statutory_pressure", round(float(x), 1)))
    solara.Checkbox(label=LABELS["coaching"], value=v["coaching"], on_value=lambda x: change("coaching", bool(x)))
    solara.Checkbox(label=LABELS["mixing"], value=v["mixing"], on_value=lambda x: change("mixing", bool(x)))
    solara.Select(LABELS["colour_by"], values=["organisation", "system orientation"], value=v["colour_by"],
                  on_value=lambda x: change("colour_by", x))
    solara.InputText(LABELS["rng"], value=str(v["rng"]), on_value=lambda x: change("rng", x), continuous_update=False)


@solara.component
def Status(model: ExplorerModel):
    update_counter.get()
    solara.Markdown(f"Week **{model.week}** of {model.n_weeks} · participants in the model: "
                    f"**{model.participants}**")


TITLE = "Collaboration explorer: a system leadership programme"


@solara.component
def Page():
    first = solara.use_memo(lambda: ExplorerModel(**DEFAULTS), dependencies=[])
    model = solara.use_reactive(first)
    params = solara.use_reactive(dict(DEFAULTS))
    notice = solara.use_reactive("")
    play_interval = solara.use_reactive(150)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    solara.Title(TITLE)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run"):
            # Mesa's controller (reset, run/pause, step); its developer settings stay at fixed values
            ModelController(model, model_parameters=params, play_interval=play_interval,
                            render_interval=render_interval, use_threads=use_threads)
            Status(model.value)
        with solara.Card("The programme"):
            Settings(model, params, notice)
    with solara.Column(style={"max-width": "1300px"}):
        if notice.value:
            solara.Info(notice.value, dense=True)
        with solara.Card():
            Headline(model.value)
        with solara.Card("Over time, with and without the programme"):
            OverTime(model.value)
        with solara.Card("The leaders and their strong ties"):
            NetworkView(model.value)


page = Page()
