"""Where numba caches the compiled kernels: a directory keyed by the package's source.

Numba decides whether a cached kernel is still valid from the modification time
and size of the kernel's own file only. A kernel that calls kernels in other
files (the tie-strength process calls the tie table's removal, the issues process
its row lookup, almost every process the keyed draws of `sim.streams`) carries
compiled copies of them, so after an edit to a callee's file, or a checkout of
another commit that changes it, numba goes on loading the stale caller: the run
silently mixes old and new code. Keying the cache directory by a digest of every
source file of the package makes any change to any of them start from an empty
cache (the first run then compiles: about 16 s on one core, 12 s where a second process
compiles ahead, `sim.compile_ahead`).

A user who sets `NUMBA_CACHE_DIR` (or `numba.config.CACHE_DIR`) keeps numba's own
behaviour, with that caveat.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def source_digest(package_dir: Path = PACKAGE_DIR) -> str:
    """A digest of the package's Python sources (every `*.py` below `package_dir`, by relative
    path and content)."""
    h = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        h.update(path.relative_to(package_dir).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def cache_dir(package_dir: Path = PACKAGE_DIR) -> Path:
    """The kernel cache of this exact source: `__pycache__/numba-<digest>` in the package."""
    return package_dir / "__pycache__" / f"numba-{source_digest(package_dir)}"


def use_source_keyed_cache(package_dir: Path = PACKAGE_DIR) -> str | None:
    """Point numba's cache at `cache_dir(package_dir)` unless the user chose a cache directory.
    Must run before any kernel of the package is defined (numba picks a kernel's cache
    location when it is decorated). Returns the directory used, or None if left alone."""
    import numba

    if os.environ.get("NUMBA_CACHE_DIR") or numba.config.CACHE_DIR:
        return None
    path = str(cache_dir(package_dir))
    numba.config.CACHE_DIR = path
    return path


SAVE_LOCK = ".save.lock"
"""The lock file, in each cache folder numba writes, held while a compiled version is saved."""


def serialise_cache_saves() -> bool:
    """Make numba's saves into its cache one at a time across processes. Numba picks a new entry's
    data file by reading the function's index, taking the first free number and writing the index
    back, with no lock: two processes saving two versions of one function at once (a model and
    `sim.compile_ahead`'s helper, or two workers on a cold cache) could give both the same file,
    and one version would then load the other's machine code. Each save now holds an exclusive
    lock on the folder's `SAVE_LOCK` file. Returns whether saves are serialised (not on a system
    without `fcntl`)."""
    try:
        import fcntl
    except ImportError:
        return False
    from numba.core.caching import IndexDataCacheFile

    if getattr(IndexDataCacheFile.save, "serialised", False):
        return True
    numba_save = IndexDataCacheFile.save

    def save(self, key, data):
        with open(os.path.join(self._cache_path, SAVE_LOCK), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                numba_save(self, key, data)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    save.serialised = True
    save.__doc__ = numba_save.__doc__
    IndexDataCacheFile.save = save
    return True

