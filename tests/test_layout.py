"""experiments/ is laid out by concern with no import cycle: each module imports on its own, the
package's import graph (every import, including those inside functions) is acyclic, and the
thin modules at the top level (the command names) are entry points that nothing imports."""

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "experiments"
SUBPACKAGES = ("running", "inference", "analysis", "outputs", "interfaces")


def modules() -> dict[str, Path]:
    """{dotted name: file} of every module of the experiments package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The experiments modules a file imports anywhere in it (module level or inside functions),
    with the packages each import runs on the way."""
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in known)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(path, set(known)) - {name} for name, path in known.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_import_graph_of_experiments_has_no_cycle():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_every_module_lives_in_a_subpackage_or_is_a_thin_entry_point_nothing_imports():
    edges = graph()
    top = {name for name in edges if name.count(".") == 1}
    assert {name.split(".")[1] for name in edges if name.count(".") >= 2} == set(SUBPACKAGES)
    for name in top:
        if name.split(".")[1] in SUBPACKAGES:
            continue
        assert len(modules()[name].read_text().splitlines()) <= 15, f"{name} is more than a thin entry point"
        importers = sorted(other for other, targets in edges.items() if name in targets)
        assert not importers, f"{name} is an entry point, yet {', '.join(importers)} import it"


# Each module imports on its own: a child forked from an interpreter that has loaded the third-party
# libraries the package uses (numpy, pandas, hydra, matplotlib, sim, ...) but no module of experiments
# imports exactly one module (forking spares each child the ~1.5 s those libraries take to import).
CHILD = r"""
import importlib, os, sys, traceback
names, third_party = sys.argv[1].split(","), sys.argv[2].split(",")
for lib in third_party:
    try:
        importlib.import_module(lib)
    except ImportError:
        pass
assert not [m for m in sys.modules if m == "experiments" or m.startswith("experiments.")]
for name in names:
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and not exc.name.startswith("experiments"):
                print(f"{name}: skipped (needs {exc.name})", flush=True)
                os._exit(0)
            traceback.print_exc()
            os._exit(1)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    print(f"{name}: {'ok' if status == 0 else 'FAILED'}", flush=True)
"""


def test_each_module_imports_on_its_own():
    known = modules()
    third_party = set()
    for path in known.values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                third_party.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                third_party.add(node.module)
    third_party = sorted(t for t in third_party if t.split(".")[0] != "experiments")
    res = subprocess.run([sys.executable, "-c", CHILD, ",".join(sorted(known)), ",".join(third_party)], cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    failed = [line for line in res.stdout.splitlines() if line.endswith("FAILED")]
    assert not failed, "\n".join(failed) + "\n" + res.stderr[-3000:]
    assert len(res.stdout.splitlines()) == len(known)
