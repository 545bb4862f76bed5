"""Job bookkeeping: a job's identity, and the marker that says it is complete.

A job's identity is a hash of its resolved config (minus settings that do not
change results); `complete.json`, written last, names that identity and the
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


def config_hash(raw: dict) -> str:
    """A job's identity: a hash of its resolved config, minus settings that do not change results."""
    c = json.loads(json.dumps(raw, default=str))
    for k in NOT_RESULTS:
        c.get("run", {}).pop(k, None)
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
