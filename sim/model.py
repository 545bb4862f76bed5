"""CollaborationModel: the Mesa wiring of the leaders' week.

The model builds the state (`sim.initialisation`), burns it in, starts the
interventions, then steps through the week's processes in their fixed order
(`sim.processes`, the ODD's section 3) and collects the observed metrics with
Mesa's DataCollector. Everything the processes touch lives in one
`sim.state.ModelState`; each leader is also a Mesa agent (`sim.agents.Leader`),
the user's window on that state.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim import compile_ahead, compiled_weeks
from sim.agents import Leader
from sim.initialisation import build_state
from sim.interventions import build_interventions, check_interventions
from sim.mechanisms import Mechanisms, mechanisms_of
from sim.metrics import GROUP_METRICS, GROUPS, METRICS
from sim.params import BehaviourParams
from sim.population import TRAITS
from sim.processes import resolve_processes
from sim.scenario import Partnership, load_partnership
from sim.schema import ConfigError
from sim.state import STREAMS, ModelState, Process, Week
from sim.streams import Stream
from sim.survey import Survey, SurveyParams


log = logging.getLogger(__name__)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


@dataclass(frozen=True)
class BurnIn:
    """The state after the burn-in, with what it depends on (to share it between the arms
    of a paired comparison: `CollaborationModel(start_state=other.burn_in_state)`)."""

    params: BehaviourParams
    partnership: Partnership
    burn_in_weeks: int
    state: ModelState
    mechanisms: Mechanisms = field(default_factory=Mechanisms)
    network: Any = None
    """The measured network the run started from (`sim.network_io.MeasuredNetwork`), or None."""


class CollaborationModel(mesa.Model):
    """Leaders in a partnership of organisations; one step is one week.

    Args:
        scenario: a built-in scenario name (`"bnssg"`, `"small"`), a YAML path,
            a mapping, or a `Partnership` (e.g. from `sim.synthetic_partnership`).
        n_weeks: the model stops (``running = False``) after this many weeks.
        behaviour: a `BehaviourParams`; individual fields can also be passed as
            keyword arguments, which take precedence (so Mesa's `batch_run` can
            sweep them).
        burn_in_weeks: weeks the processes run before week 0, without
            interventions or records, so that week 0 is the model's own
            quasi-stationary network rather than the scenario's rough starting guess.
        interventions: a mapping {name: settings} of registered interventions
            (`sim.interventions`), or a sequence of intervention settings objects
            (each with `start(model)`).
        survey: `SurveyParams` (or a mapping, or True for the defaults) to run
            the survey instrument; None for no survey.
        rng: seed (int or `numpy.random.SeedSequence`) or Generator.
        start_state: a `burn_in_state` (`BurnIn`) from another model of the same
            scenario and parameters: start from it instead of building and burning
            in (the two arms of a paired comparison then share their burn-in).
        keep_burn_in: keep the state after the burn-in as ``self.burn_in_state``.
        processes: replace processes of the week by slot name ({"orientation":
            MyRule()}), or give the whole sequence (`sim.processes`).
        mechanisms: which rule runs in the influence, game, content and listening
            slots (`sim.mechanisms.Mechanisms` or a mapping; None: the defaults).
        observe: False skips the observation processes and the DataCollector: no weekly
            metrics are recorded, and nothing else changes (the other processes, their
            random draws and the survey are the same). For callers that read only the
            survey or the state, such as the calibration's simulator.
        compiled: False runs every week through the processes' own steps instead of the
            compiled week (`sim.compiled_weeks`); the results are the same, bit for bit
            (for tests, and for stepping through a rule in a debugger).
        network: a measured network to start from (`sim.network_io.MeasuredNetwork`, or the path of
            an edge list, GraphML or GEXF file of the partnership's people): the burn-in starts from
            it and, at its end, the ties are set back to it (`sim.initialisation.start_from_measured`),
            so week 0 begins from the measured network (docs/ODD.md 5.1).

    When the run follows named people (a partnership that lists its people, a measured network
    or a programme with a named cohort), nobody leaves during the burn-in (turnover starts at
    week 1): the burn-in is not real time, and the people at week 0 are the people named.
    """

    def __init__(self, scenario: str | Path | dict | Partnership = "bnssg", *, n_weeks: int = 104,
                 burn_in_weeks: int = 104, behaviour: BehaviourParams | dict | None = None,
                 interventions: Mapping[str, Any] | Sequence[Any] | None = None,
                 survey: SurveyParams | dict | bool | None = None,
                 rng: Any = None, start_state: BurnIn | None = None, keep_burn_in: bool = False,
                 processes: Mapping[str, Process] | Sequence[Process] | None = None,
                 mechanisms: Mechanisms | Mapping[str, Any] | None = None, observe: bool = True,
                 compiled: bool = True, network: Any = None, **params: Any):
        super().__init__(rng=rng)
        base = behaviour.to_dict() if isinstance(behaviour, BehaviourParams) else dict(behaviour or {})
        self.params = BehaviourParams.from_dict({**base, **params})
        self.partnership = load_partnership(scenario)
        for name, value, low in (("n_weeks", n_weeks, 1), ("burn_in_weeks", burn_in_weeks, 0)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ConfigError(f"{name}={value!r}: must be a whole number >= {low}")
        self.n_weeks = int(n_weeks)
        self.burn_in_weeks = int(burn_in_weeks)
        if self.params.orgs_per_issue > self.partnership.n_organisations:
            raise ConfigError(f"behaviour.orgs_per_issue={self.params.orgs_per_issue}: more than the "
                              f"scenario's {self.partnership.n_organisations} organisations")
        if network is not None and not hasattr(network, "u"):
            from sim.network_io import read_network

            network = read_network(network, self.partnership)
        if network is not None and network.n_people != self.partnership.n_leaders:
            raise ConfigError(f"network: measured among {network.n_people} people, the partnership has "
                              f"{self.partnership.n_leaders}")
        self.measured_network = network
        """The measured network the run started from, or None (synthetic start)."""
        self.mechanisms = mechanisms_of(mechanisms)
        self.processes = resolve_processes(processes, self.mechanisms)
        self.observe = bool(observe)
        self.compiled = bool(compiled)
        self._stepped_plan = None  # (process, step, stream name, runs in the burn-in), made once
        self._may_idle = None  # the processes whose `idle` is their own, found once
        self._prepared: dict = {}  # (recording, idle flags) -> (processes, compiled loop), or None: stepped
        if isinstance(interventions, Mapping):
            interventions = build_interventions(interventions)
        else:
            interventions = {_snake(type(s).__name__): s for s in (interventions or ())}
        # what could not take effect in this partnership is an error (the run's length is checked by
        # the experiments' configuration: a model may be built short and stepped on)
        check_interventions(interventions, self.partnership, None)
        self.intervention_settings = list(interventions.values())

        # independent streams from one SeedSequence (common random numbers)
        if isinstance(rng, np.random.SeedSequence):
            root = rng
        elif isinstance(rng, (int, np.integer)):
            root = np.random.SeedSequence(int(rng))
        else:
            root = np.random.SeedSequence(int(self.rng.integers(2**63)))
        self.seed_sequence = root

        # on a cold kernel cache, a second process compiles the week's kernels too (sim.compile_ahead)
        ahead = compile_ahead.start(self.processes) if self.compiled else None
        try:
            if start_state is not None:
                self.state = self._restore(start_state)
            else:
                streams = {name: Stream.spawn(name, c) for name, c in zip(STREAMS, root.spawn(len(STREAMS)))}
                traits = TRAITS + tuple(t for p in self.processes for t in getattr(p, "traits", ()))
                self.state = build_state(self.partnership, self.params, streams, traits, network)
        except BaseException:
            if ahead is not None:
                ahead.cancel()
            raise
        if ahead is not None:
            ahead.send(self)
        if start_state is None:
            self._burn_in(self.burn_in_weeks)
            if network is not None:
                from sim.initialisation import start_from_measured

                start_from_measured(self.state, network, self.params)
        if keep_burn_in:
            self.burn_in_state = BurnIn(self.params, self.partnership, self.burn_in_weeks, self.state.snapshot(),
                                        self.mechanisms, network)

        for settings in self.intervention_settings:  # in order: a running part may use its position
            self.state.interventions.append(settings.start(self))
        self.has_cohort = bool(self.state.leaders.participant.any())
        if survey is True:
            survey = SurveyParams()
        elif isinstance(survey, dict):
            survey = SurveyParams.from_dict(survey)
        self.survey = Survey(survey) if survey else None
        if self.survey is not None:
            self.survey.setup(self)

        self._leader_agents: list[Leader] | None = None  # created when first asked for
        self._agents_seen = -1  # the population's next id when the agents were last made
        names = list(METRICS)
        if self.has_cohort:
            names += [f"{m}_{g}" for g in GROUPS for m in GROUP_METRICS]
        self.datacollector = MetricsCollector(names)
        self.running = True
        if self.observe:
            for process in self.processes:  # week 0 observes the last burn-in week
                if process.observation:
                    process.step(self.state, self.params, self.state.last_week, None)
            self.datacollector.collect(self)

    # ------------------------------------------------------------------ the agents
    @property
    def leader_agents(self) -> list[Leader]:
        """The Leader agents, in slot order: the leaders now in the partnership. They are views of
        the state, made the first time anyone asks for them (a run that only records metrics never
        needs them); after turnover, leavers' agents are removed and newcomers' added."""
        population = self.state.leaders
        if self._leader_agents is None or self._agents_seen != population.next_id:
            known = {a.leader_id: a for a in (self._leader_agents or ())}
            current = set(population.ids.tolist())
            for leader_id, agent in known.items():
                if leader_id not in current:
                    agent.remove()
            self._leader_agents = [known.get(int(i)) or Leader(self, int(i)) for i in population.ids]
            self._agents_seen = population.next_id
        return self._leader_agents

    @property
    def agents(self):
        if getattr(self, "_leader_agents", False) is None:
            self.leader_agents  # noqa: B018 (creates them)
        return super().agents

    @property
    def agents_by_type(self):
        self.agents  # noqa: B018
        return super().agents_by_type

    # ------------------------------------------------------------------ convenience views of the state
    @property
    def leaders(self):
        return self.state.leaders

    @property
    def ties(self):
        return self.state.ties

    @property
    def organisations(self):
        return self.state.organisations

    @property
    def forums(self):
        return self.state.forums

    @property
    def metrics(self) -> dict[str, float]:
        return self.state.metrics

    @property
    def week(self) -> int:
        """Weeks completed (0 before the first step)."""
        return self.steps

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """One week: the processes in order, then the DataCollector and the survey."""
        week = self._advance(recording=True)
        if self.observe:
            self.datacollector.collect(self)
        if self.survey is not None:
            self.survey.observe(self)
        if week.number >= self.n_weeks:
            self.running = False

    def _burn_in(self, weeks: int) -> None:
        """The burn-in's weeks: through the compiled week when every process of the week has a
        kernel (`sim.compiled_weeks`, the same state bit for bit), else stepped; the last week's
        record stays for the week-0 observation. Nobody leaves in the burn-in of a run that follows
        named people (`names_people`)."""
        if weeks <= 0:
            return
        if self.params.turnover_rate > 0 and self.names_people:
            params = self.params
            self.params = params.replace(turnover_rate=0.0)
            try:
                self._weeks(weeks, recording=False)
            finally:
                self.params = params
            return
        self._weeks(weeks, recording=False)

    @property
    def names_people(self) -> bool:
        """Whether the run follows named people: a partnership that lists them, a measured network,
        or an intervention with a named cohort (`cohort_people`)."""
        return (self.partnership.people_listed or self.measured_network is not None
                or any(getattr(s, "cohort_people", ()) for s in self.intervention_settings))

    def _advance(self, recording: bool) -> Week:
        """One week of the processes, the observation included in a recorded week."""
        return self._weeks(1, recording)

    def _weeks(self, weeks: int, recording: bool) -> Week:
        """Run `weeks` weeks: compiled when every process that acts in them can be
        (`_compiled_week`), else each process's own step, in order."""
        prepared = self._compiled_week(recording) if self.compiled else None
        if prepared is not None:
            return compiled_weeks.run_weeks(self, *prepared, weeks)
        state, params = self.state, self.params
        if self._stepped_plan is None:
            self._stepped_plan = [(p, p.step, p.stream, p.during_burn_in, p.observation) for p in self.processes
                                  if self.observe or not p.observation]
        streams = state.streams
        for _ in range(weeks):
            state.clock += 1
            week = Week(state.clock - self.burn_in_weeks, state.clock, params.orgs_per_issue)
            for process, step, stream, during_burn_in, observation in self._stepped_plan:
                if (recording or (during_burn_in and not observation)) and not process.idle(state, params):
                    step(state, params, week, streams[stream] if stream else None)
            state.last_week = week
        return week

    def _compiled_week(self, recording: bool):
        """(processes, compiled loop) for this week, or None when a process that acts this week
        cannot run compiled (the reason logged once). Made once per set of idle processes."""
        state, params = self.state, self.params
        if self._may_idle is None:  # the processes that can be idle: the others never are
            self._may_idle = [p for p in self.processes if type(p).idle is not Process.idle]
        key = (recording, *[p.idle(state, params) for p in self._may_idle])
        prepared = self._prepared.get(key, False)
        if prepared is False:
            processes, why = compiled_weeks.plan(self, recording)
            if processes is None:
                log.info("the week runs stepped, not compiled: %s", why)
                prepared = None
            else:
                prepared = (processes, compiled_weeks.loop_for(processes, state))
            self._prepared[key] = prepared
        return prepared

    def _restore(self, start: BurnIn) -> ModelState:
        for key, mine in (("params", "params"), ("partnership", "partnership"), ("burn_in_weeks", "burn_in_weeks"),
                          ("mechanisms", "mechanisms"), ("network", "measured_network")):
            if getattr(start, key) != getattr(self, mine):
                raise ConfigError(f"start_state: its {key} differs from this model's")
        return start.state.snapshot()

    # ------------------------------------------------------------------ helpers for users
    def network(self, min_strength: float = 0.0):
        """The leader network as a networkx Graph (nodes carry organisation and orientation)."""
        from sim.network import leader_graph

        return leader_graph(self.state, min_strength)

    def run(self) -> "CollaborationModel":
        """Run until `n_weeks` (what remains of it) and return self."""
        self.run_for(self.n_weeks - self.steps)
        return self


def _metric_reporter(name: str):
    def report(model: CollaborationModel) -> float:
        return model.state.metrics[name]

    report.__name__ = name
    return report


class MetricsCollector(mesa.DataCollector):
    """Mesa's DataCollector over the model's metrics. It records the observed floats directly
    (Mesa's own collect deep-copies every value, which costs more than the week's metrics);
    with any other reporter added, Mesa's collect runs as usual."""

    def __init__(self, names):
        super().__init__(model_reporters={name: _metric_reporter(name) for name in names})
        self._names = tuple(names)

    def collect(self, model) -> None:
        if self.agent_reporters or self.agenttype_reporters or len(self.model_reporters) != len(self._names):
            return super().collect(model)
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        metrics = model.state.metrics
        try:
            for name in self._names:
                self.model_vars[name].append(metrics[name])
        except KeyError as exc:
            raise KeyError(f"metric {exc.args[0]!r} was not observed this week: a replacement observation "
                           "process must fill every metric of sim.metrics") from None
