"""Job bookkeeping: a job's identity, and the marker that says it is complete.

A job's identity is a hash of its resolved config (minus settings that do not
change results) and of the contents of the input files it names; `complete.json`, written last, names that identity and the
size of every file the job wrote, so a rerun of an interrupted sweep skips the
finished jobs and recomputes the rest, including any whose files were damaged.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from experiments.outputs.files import atomic_write_json

COMPLETE = "complete.json"
NOT_RESULTS = ("workers", "progress", "figures", "resume")
"""Run settings that do not change a job's results."""


def input_files(raw: dict) -> dict[str, str]:
    """{dotted key: path} of the input files a resolved config names (the partnership, a measured
    network, a named cohort, the posterior the replicates draw from)."""
    found = {k: raw.get(k) for k in ("scenario_file", "network_file")}
    for name, settings in (raw.get("intervention") or {}).items():
        if isinstance(settings, dict):
            found[f"intervention.{name}.cohort_file"] = settings.get("cohort_file")
    found["uncertainty.posterior_file"] = (raw.get("uncertainty") or {}).get("posterior_file")
    return {k: str(v) for k, v in found.items() if v}


def _digest(path: str) -> str:
    from experiments.running.uncertainty import resolve

    try:
        return hashlib.sha256(resolve(path).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def code_digest() -> str:
    """A digest of the model's and the experiments' source (`sim/` and `experiments/`): a study's
    kept pieces made by other code are not this code's."""
    from pathlib import Path

    from sim.kernel_cache import PACKAGE_DIR, source_digest

    return source_digest(PACKAGE_DIR) + source_digest(Path(__file__).resolve().parents[1])


def config_hash(raw: dict) -> str:
    """A job's identity: a hash of its resolved config, minus settings that do not change results,
    and of the contents of the input files it names, so a rerun after a file was edited runs
    again rather than skipping as complete."""
    c = json.loads(json.dumps(raw, default=str))
    for k in NOT_RESULTS:
        c.get("run", {}).pop(k, None)
    c["input_file_contents"] = {k: _digest(v) for k, v in input_files(raw).items()}
    # key order is part of the identity: a design's parameter order is its sampling order
    return hashlib.sha256(json.dumps(c, default=str).encode()).hexdigest()[:16]


def is_complete(out: Path, identity: str) -> bool:
    """A job is complete if its marker names the same config and every file it lists is intact."""
    marker = out / COMPLETE
    try:
        info = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    if info.get("config_hash") != identity:
        return False
    for name, size in info.get("files", {}).items():
        f = out / name
        if not f.is_file() or f.stat().st_size != size:
            return False
        if name.endswith(".parquet"):
            try:
                import pyarrow.parquet as pq

                pq.read_metadata(f)
            except Exception:
                return False
    return True


def complete_jobs(root: Path) -> list[Path]:
    """The directories of the complete jobs below a sweep's directory (those with complete.json), in
    order; exits with one line if there are none."""
    jobs = sorted(p.parent for p in Path(root).rglob(COMPLETE))
    if not jobs:
        raise SystemExit(f"error: {root}: no complete jobs found (no {COMPLETE} below it)")
    return jobs


def mark_complete(out: Path, identity: str, files: list[str], seconds: float) -> None:
    atomic_write_json({"config_hash": identity, "seconds": round(seconds, 3),
                       "files": {f: (out / f).stat().st_size for f in files}}, out / COMPLETE)
