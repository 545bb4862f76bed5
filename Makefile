# Two commands do everything on a fresh clone:  make run   and   make test
# The virtual environment is (re)built when missing, when it is not Python 3.12,
# or when pyproject.toml or the lock file changed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EXTRAS ?= all
ARGS   ?=

.PHONY: all run test venv lock bench calibrate cohort regress report notebooks explorer slurm clean help

help:
	@echo "make run [ARGS='key=value ...']  run the main job (Hydra overrides in ARGS)"
	@echo "make test                        run the test suite"
	@echo "make calibrate [ARGS='--quick']   ABC-SMC calibration to the case's survey figures"
	@echo "make cohort ARGS='scenario_file=... network_file=... cohort.size=60'  recommend a cohort"
	@echo "make regress [ARGS='--exact']     has the model's behaviour changed since the committed reference?"
	@echo "make report DIR=outputs/...       a shareable HTML report of a finished run"
	@echo "make notebooks                   open the notebooks in Jupyter"
	@echo "make explorer                    open the interactive explorer (http://localhost:8765)"
	@echo "make slurm                       start a single-node SLURM on loopback (root), for the cluster test"
	@echo "make bench                       time the model and a sweep (docs/performance.md)"
	@echo "make lock                        re-pin requirements.lock from the current venv"

$(STAMP): pyproject.toml requirements.lock
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then \
		echo "venv is not Python 3.12: rebuilding"; rm -rf $(VENV); fi
	@if [ ! -x $(PY) ]; then \
		$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' || \
		{ echo "error: $(PYTHON) is not Python 3.12 (pyenv reads .python-version; or make PYTHON=python3.12)"; exit 1; }; \
		$(PYTHON) -m venv $(VENV); fi
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e '.[$(EXTRAS)]'
	@# Solara's front end comes from a CDN this kind of machine cannot reach: take it from npm
	@if command -v npm >/dev/null 2>&1 && $(PY) -c 'import solara' 2>/dev/null; then \
		$(PY) scripts/solara_assets.py >/dev/null || echo "warning: could not fetch Solara's assets from npm"; fi
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) -m experiments.run $(ARGS)

test: $(STAMP)
	$(PY) -m pytest $(ARGS)

calibrate: $(STAMP)
	$(PY) -m experiments.calibrate $(ARGS)

cohort: $(STAMP)
	$(PY) -m experiments.cohort $(ARGS)

regress: $(STAMP)
	$(PY) -m experiments.regress $(ARGS)

report: $(STAMP)
	$(PY) -m experiments.report $(DIR) $(ARGS)

notebooks: $(STAMP)
	$(PY) -m jupytext --sync notebooks/*.py >/dev/null
	cd notebooks && ../$(PY) -m notebook

explorer: $(STAMP)
	$(PY) -m solara run experiments/app.py --host 127.0.0.1 --port 8765

slurm:
	bash scripts/slurm_up.sh

bench: $(STAMP)
	$(PY) -m benchmarks.bench_model $(ARGS)
	$(PY) -m benchmarks.bench_sweep

lock: $(STAMP)
	$(PY) -m pip freeze --exclude-editable | grep -v '^pip==' > requirements.lock

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache
