"""The kernel cache is keyed by the package's source, so an edit to one file never leaves a
kernel in another file running the old code it compiled in (`sim.kernel_cache`)."""

import subprocess
import sys
from pathlib import Path

import numba

from sim import kernel_cache

KERNEL_CACHE = Path(kernel_cache.__file__)

CALLEE = "from numba import njit\n\n@njit(cache=True)\ndef callee():\n    return {}\n"
CALLER = ("from numba import njit\nfrom pkg.callee import callee\n\n"
          "@njit(cache=True)\ndef caller():\n    return callee() + 10\n")
RUN = """
import importlib.util, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("kernel_cache", {kernel_cache!r})
kc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(kc)
package = Path({package!r})
kc.use_source_keyed_cache(package)
sys.path.insert(0, str(package.parent))
from pkg.caller import caller
print(caller())
"""


def _package(root: Path, callee_returns: int) -> Path:
    package = root / "pkg"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "callee.py").write_text(CALLEE.format(callee_returns))
    (package / "caller.py").write_text(CALLER)
    return package


def _run(package: Path) -> int:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(package.parent)}  # no NUMBA_CACHE_DIR
    out = subprocess.run([sys.executable, "-c", RUN.format(kernel_cache=str(KERNEL_CACHE), package=str(package))],
                         capture_output=True, text=True, check=True, env=env)
    return int(out.stdout.split()[-1])


def test_the_cache_directory_follows_every_source_file(tmp_path):
    package = _package(tmp_path, 1)
    first = kernel_cache.cache_dir(package)
    assert kernel_cache.cache_dir(package) == first  # the same source, the same directory
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "x.py").write_text("ignored")
    assert kernel_cache.cache_dir(package) == first  # compiled files do not count
    (package / "callee.py").write_text(CALLEE.format(2))
    assert kernel_cache.cache_dir(package) != first
    assert kernel_cache.cache_dir(package).parent == package / "__pycache__"


def test_a_kernel_never_runs_the_stale_copy_of_a_callee_from_another_file(tmp_path):
    # numba checks only the caller's own file, so without the keyed directory the second run
    # loads the cached caller with the old callee compiled in and prints 11
    package = _package(tmp_path, 1)
    assert _run(package) == 11
    assert _run(package) == 11  # from the cache
    assert any(kernel_cache.cache_dir(package).rglob("*.nbi"))
    (package / "callee.py").write_text(CALLEE.format(2))
    assert _run(package) == 12


def test_a_cache_directory_the_user_chose_is_kept(monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/somewhere")
    assert kernel_cache.use_source_keyed_cache() is None
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setattr(numba.config, "CACHE_DIR", "/elsewhere")
    assert kernel_cache.use_source_keyed_cache() is None
    assert numba.config.CACHE_DIR == "/elsewhere"


def test_the_package_uses_the_keyed_directory():
    out = subprocess.run([sys.executable, "-c", "import numba, sim; print(numba.config.CACHE_DIR)"],
                         capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"}, cwd=str(KERNEL_CACHE.parents[1]))
    assert out.stdout.strip() == str(kernel_cache.cache_dir())


def test_saves_into_the_cache_wait_for_each_other(tmp_path):
    """A save holds the folder's lock: while another process holds it, numba's save (index, then
    data file) does not start; once it is released, the save completes. Without the serialising
    wrapper the index would be written at once (the test fails)."""
    import fcntl
    import threading
    import time

    from numba.core.caching import IndexDataCacheFile

    assert kernel_cache.serialise_cache_saves()
    cache = IndexDataCacheFile(str(tmp_path), "kernel", ("stamp", 1))
    held = open(tmp_path / kernel_cache.SAVE_LOCK, "a")
    fcntl.flock(held, fcntl.LOCK_EX)
    saver = threading.Thread(target=cache.save, args=(("sig",), ("code",)))
    saver.start()
    time.sleep(0.3)
    assert not (tmp_path / "kernel.nbi").exists()  # waiting for the lock
    fcntl.flock(held, fcntl.LOCK_UN)
    held.close()
    saver.join(timeout=10)
    assert (tmp_path / "kernel.nbi").exists() and cache.load(("sig",)) == ("code",)
