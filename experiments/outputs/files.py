"""Writing results: atomic files, tidy tables and provenance."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PACKAGES = ("mesa", "numpy", "pandas", "scipy", "networkx", "hydra-core", "omegaconf", "pyarrow",
            "matplotlib", "hydra-joblib-launcher")
REPO = Path(__file__).resolve().parents[2]


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def publish(tmp: str | Path, path: Path) -> None:
    """Give a finished temporary file the usual permissions and rename it over `path`."""
    os.chmod(tmp, _umask_mode())
    os.replace(tmp, path)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same directory, then rename over the target."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        publish(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_parquet(df: pd.DataFrame, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False, engine="pyarrow")
        publish(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_json(obj: Any, path: Path) -> None:
    """JSON in the object's own key order (a design's parameter order matters)."""
    atomic_write_bytes(path, (json.dumps(obj, indent=2, default=str) + "\n").encode())


RESUMABLE = "resumable.json"
"""The record, in a resumable study's folder, of the settings its kept pieces were made with."""


def claim_for_resuming(folder: Path, identity: dict[str, Any], kept: str) -> None:
    """Make `folder` the home of a resumable study with these settings (`identity`: everything its
    results depend on, as plain data), or check that it already is: pieces kept there by a study
    of other settings, or by one that recorded none, must not be taken for this one's. `kept`
    names the pieces (a subfolder or file pattern) that mean a study was begun there; a folder
    without them is simply (re)claimed. Raises a one-line ConfigError naming the folder and the
    first setting that differs; writes nothing then."""
    from sim.schema import ConfigError

    folder = Path(folder)
    record = folder / RESUMABLE
    wanted = json.loads(json.dumps(identity, default=str))
    begun = any(folder.glob(kept))
    if record.is_file() and begun:
        try:
            found = json.loads(record.read_text())
        except ValueError:
            found = None
        if found == wanted:
            return
        found = found if isinstance(found, dict) else {}
        differs = next((k for k in [*wanted, *found] if found.get(k) != wanted.get(k)), "its record")
        raise ConfigError(f"{folder}: holds a study begun with other settings ({differs} differs); give another "
                          "output folder, or delete that one to start again")
    if begun:
        raise ConfigError(f"{folder}: holds pieces of a study ({kept}) with no record of their settings; give "
                          "another output folder, or delete that one to start again")
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_json(wanted, record)


def git_state() -> dict[str, Any]:
    def git(*args):
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10)

    try:
        head = git("rev-parse", "HEAD")
        if head.returncode != 0:
            return {"commit": None, "dirty": None}
        dirty = git("status", "--porcelain", "--untracked-files=no")
        return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def package_versions() -> dict[str, str | None]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def provenance(config: dict[str, Any], overrides: list[str], seeds: dict[int, int],
               started: datetime, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "config": config,
        "overrides": list(overrides),
        "seeds": {str(k): v for k, v in seeds.items()},
        "git": git_state(),
        "packages": package_versions(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "started": started.isoformat(),
        "finished": datetime.now(timezone.utc).isoformat(),
        **(extra or {}),
    }


def tidy(wide: pd.DataFrame | dict, replicate: int, seed: int, groups: dict[str, Any]) -> pd.DataFrame:
    """Weekly metrics in long form: one row per (metric, week), metrics in column order.

    `wide` is a DataFrame (one column per metric, one row per week) or a collector's
    `model_vars` dict {metric: [value per week]} (no DataFrame built on the way)."""
    if isinstance(wide, pd.DataFrame):
        names, weeks = list(wide.columns), wide.index.to_numpy()
        values = wide.to_numpy(dtype=float)
    else:
        names = list(wide)
        values = np.array([wide[k] for k in names], dtype=float).T
        weeks = np.arange(values.shape[0])
    n_weeks = values.shape[0]
    long = pd.DataFrame({"replicate": np.full(values.size, replicate, np.int64),
                         "seed": np.full(values.size, seed, np.int64),
                         "week": np.tile(np.asarray(weeks, np.int64), len(names)),
                         "metric": np.repeat(np.array(names, dtype=object), n_weeks),
                         "value": values.T.ravel()})
    for k, v in groups.items():
        long[k] = v
    return long
