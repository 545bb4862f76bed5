"""Hydra entry point: one job runs R replicates of one configuration, or a chunk of a design.

    python -m experiments.run                                  # the main job (case study)
    python -m experiments.run experiment=baseline run.replicates=20
    python -m experiments.run -m experiment=cohort_size        # a shipped sweep
    python -m experiments.run -m behaviour.homophily=2,4       # your own sweep (joblib launcher)

Without an intervention a job writes results.parquet (tidy: replicate, seed,
week, metric, value, plus group columns) and provenance.json. With one, each
replicate is a pair (intervention and counterfactual from a shared burn-in) and
the job also writes survey.parquet, summary.csv (effect sizes with 95%
intervals), survey_summary.csv and figures. With a design (design.method), the
job runs its chunk of design rows and writes design_rows.parquet. All files are
written atomically; complete.json, written last, marks a job as done, so a rerun
of a sweep skips finished jobs and runs only the missing ones.

This module is the Hydra job; `python -m experiments.run` (experiments/run.py)
calls its `main`. The work itself lives in library modules beside it:
`config` (checked configuration), `preflight` (bad input before any file),
`execution` (replicates, pairs, designs), `workers` (the worker processes a job
keeps for its whole body) and `jobs` (identity and completion), with the tables
and figures in `experiments.outputs.tables`.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.running.config import CONF_DIR, CheckedConfig, check, pin, register_configs
from experiments.running.execution import run_design_chunk, run_replicates
from experiments.running.jobs import config_hash, is_complete, mark_complete
from experiments.outputs.files import atomic_write_bytes, atomic_write_json, atomic_write_parquet, provenance
from experiments.running.preflight import preflight
from experiments.outputs.tables import format_table, report_paired, summarise
from experiments.running.workers import shared_workers, start
from sim import ConfigError

log = logging.getLogger(__name__)
register_configs()


def _job_name() -> str:
    hc = HydraConfig.get()
    name = hc.job.override_dirname or "(defaults)"
    return f"job {hc.job.num}: {name}" if hc.mode.name == "MULTIRUN" else name


def _swept(cfg: DictConfig) -> dict[str, object]:
    """Group columns for the values this job's overrides set (sweeps aggregate on them):
    the value for a parameter, the option's name for a config group."""
    out = {}
    for o in HydraConfig.get().overrides.task:
        key, _, raw = o.lstrip("+~").partition("=")
        if key.startswith(("hydra", "run.", "experiment")):
            continue
        value = OmegaConf.select(cfg, key)
        out[key] = value if isinstance(value, (int, float, str, bool)) else raw
    return out


def _override_keys() -> set[str]:
    """The dotted settings the command line sets (a posterior draw leaves them as set)."""
    return {o.lstrip("+~").partition("=")[0] for o in HydraConfig.get().overrides.task}


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def job(cfg: DictConfig) -> None:
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    raw = OmegaConf.to_container(cfg, resolve=True)
    try:
        config = pin(check(raw), _override_keys())
    except ConfigError as exc:  # preflight normally catches these before any file exists
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    raw = config.raw  # as checked: a design's `posterior` bounds are the numbers run (provenance, identity)
    out = Path(HydraConfig.get().runtime.output_dir)
    identity = config_hash(raw)
    if config.run.resume and is_complete(out, identity):
        print(f"[skip] {_job_name()}: complete output in {out}")
        return
    with shared_workers():  # every fan-out of the job (replicates, the content curve) uses the same workers
        files = _run_job(cfg, raw, config, out, started, identity)
    seconds = time.perf_counter() - t0
    mark_complete(out, identity, files, seconds)
    print(f"[done] {_job_name()} in {seconds:.1f} s -> {out}")


def _run_job(cfg: DictConfig, raw: dict, config: CheckedConfig, out: Path, started: datetime,
             identity: str) -> list[str]:
    """The job's work and files (the design chunk, the structural study, or the replicates and report)."""
    p, run = config.partnership, config.run
    prov = provenance(raw, list(HydraConfig.get().overrides.task), {}, started, {"config_hash": identity})
    if config.design.method:
        rows = run_design_chunk(config, run.progress)
        atomic_write_parquet(rows, out / "design_rows.parquet")
        files = ["design_rows.parquet"]
    elif config.structural.enabled:
        from experiments.inference.structural import run_job

        files = run_job(config, out)
    else:
        groups = {"scenario": p.name, "label": run.label, **_swept(cfg)}
        end = config.programme_end
        # replicate 0's network at week 0, the programme's end and the last week: the figure and the exports
        capture = tuple(sorted({w for w in (0, end, run.weeks) if w <= run.weeks})) if end else ()
        if config.network is not None:
            print(config.network.summary())
        if raw.get("pseudonym_map"):
            from sim.people import write_pseudonym_map

            print(f"pseudonyms of email ids written to {write_pseudonym_map(p, raw['pseudonym_map'])} (as asked)")
        reps = run_replicates(config, groups, capture, run.progress)
        prov["seeds"] = {str(k): v for k, v in reps.seeds.items()}
        prov["uncertainty"] = reps.uncertainty
        # the tables are written on the job's workers (when it has them) while the report is made
        writes = [start(atomic_write_parquet, reps.results, out / "results.parquet")]
        files = ["results.parquet"]
        mode = (f"paired ({' + '.join(config.interventions)} vs counterfactual)" if config.interventions
                else "plain")
        print(f"\n{p.name}: {p.n_leaders} leaders in {p.n_organisations} organisations, "
              f"{run.replicates} replicates x {run.weeks} weeks, {mode} (label {run.label!r})")
        print(f"intervals across replicates: {reps.uncertainty}")
        if reps.draws:
            writes.append(start(atomic_write_bytes, out / "parameter_draws.csv",
                                reps.draw_table().to_csv(index=False).encode()))
            files.append("parameter_draws.csv")
        if reps.survey is not None:
            survey = reps.survey
            if p.people_listed:  # people by their ids (email ids pseudonymised), beside the integer id
                survey = survey.assign(person=p.public_labels(survey["leader"].to_numpy()))
            writes.append(start(atomic_write_parquet, survey, out / "survey.parquet"))
            files.append("survey.parquet")
            if reps.left is not None and reps.left["left"].any():  # turnover: respondents who left
                atomic_write_bytes(out / "survey_left.csv", reps.left.to_csv(index=False).encode())
                files.append("survey_left.csv")
                last = reps.left[(reps.left["week"] == reps.left["week"].max()) & (reps.left["arm"] == "intervention")]
                print(f"survey: by week {int(last['week'].iloc[0])} a mean of {last['left'].mean():.1f} of "
                      f"{int(last['respondents'].iloc[0])} respondents had left the partnership (turnover); they drop "
                      "out of every later wave and so of paired items (survey_left.csv)")
            if reps.leader_effects is not None and not reps.leader_effects.empty:
                writes.append(start(atomic_write_parquet, reps.leader_effects, out / "leader_effects.parquet"))
                files.append("leader_effects.parquet")
            figure_networks = {k: v for k, v in reps.networks.items() if k in ("week_0", f"week_{end}", "organisations")}
            exports = None
            if reps.networks:  # the network files, written while the workers draw the figures
                from experiments.outputs.networks import write_networks

                def exports() -> list[str]:
                    return write_networks(out, reps.networks, p, config.behaviour.strong_tie)
            files += report_paired(config, out, reps.results, reps.survey, figure_networks, run.figures,
                                   reps.leader_effects, reps.uncertainty, meanwhile=exports)
        else:
            print(format_table(summarise(reps.results)))
        for write in writes:
            write.result()
    atomic_write_json(prov, out / "provenance.json")
    files.append("provenance.json")
    return files


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not any(a in ("--help", "-h", "--hydra-help", "--cfg", "-c", "--info", "--shell-completion", "-sc")
               for a in argv):
        problem = preflight(argv)
        if problem is not None:
            print(f"error: {problem}", file=sys.stderr)
            sys.exit(2)
    sys.argv = [sys.argv[0], *argv]
    job()
