# The two commands that matter on a fresh machine: `make run` and `make test`.
PY      := .venv/bin/python
PIP     := .venv/bin/pip
PORT    ?= 8000
WORKERS ?= 2
THREADS ?= 4
export MATCHMAKER_DB ?= $(CURDIR)/instance/matchmaker.sqlite3
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test install install-dev browser demo-db intents lint bench clean

# torch first and alone: pinned to the CPU build, so sentence-transformers pulls no CUDA.
.venv/.installed: requirements.txt
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -r requirements.txt
	touch $@

.venv/.installed-dev: .venv/.installed requirements-dev.txt
	$(PIP) install -q -r requirements-dev.txt
	touch $@

install: .venv/.installed
install-dev: .venv/.installed-dev

# Debian's chromium for the browser tests (Playwright drives it; its own download is not used),
# and DejaVu Sans, the Unicode font the PDF exports embed.
browser:
	@{ command -v chromium && test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf; } >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

intents: .venv/.installed
	$(PY) -m matchmaker train-intents

# The chat's intent classifier, trained from data/chat/.
models/intents.joblib: .venv/.installed $(wildcard data/chat/*)
	$(PY) -m matchmaker train-intents

# The pair scorer (partners, competitors), fitted on the labelled sets in data/training/, and
# its likeness model (firms without needs or offers), fitted on real ERDF co-participation.
models/pair_scorer.json: .venv/.installed data/lexicon.json $(wildcard data/training/partners_*.json) data/training/coparticipation_erdf.json matchmaker/matching/scorer.py matchmaker/matching/features.py matchmaker/matching/training.py matchmaker/matching/coparticipation.py matchmaker/reference/markets.py
	$(PY) -m matchmaker train-matcher

# The cohort readers (industry, maturity), fitted on data/training/{industry,maturity}.jsonl.
models/cohort_readers.joblib: .venv/.installed data/training/industry.jsonl data/training/maturity.jsonl
	$(PY) -m matchmaker train-cohorts

demo-db: .venv/.installed models/pair_scorer.json
	@test -f "$(MATCHMAKER_DB)" || $(PY) -m matchmaker demo

# The server purges chat conversations, change log and export log older than
# MATCHMAKER_RETENTION_DAYS (default 365) at start and once a day; cron may also run
# `$(PY) -m matchmaker purge`. gunicorn reads gunicorn.conf.py (access log without private links).
run: .venv/.installed models/pair_scorer.json models/cohort_readers.joblib demo-db
	@test -f models/intents.joblib || $(PY) -m matchmaker train-intents
	@echo "Retention: conversations and logs older than $${MATCHMAKER_RETENTION_DAYS:-365} days are purged daily (python -m matchmaker purge)"
	.venv/bin/gunicorn --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --threads $(THREADS) \
	  --timeout 120 --access-logfile - wsgi:app

test: .venv/.installed-dev browser models/pair_scorer.json models/intents.joblib models/cohort_readers.joblib
	$(PY) -m pytest -q

lint: .venv/.installed-dev
	.venv/bin/ruff check matchmaker web tests bench
	.venv/bin/ruff format --check matchmaker web tests bench
	.venv/bin/lint-imports

bench: .venv/.installed-dev models/pair_scorer.json models/cohort_readers.joblib
	$(PY) bench/representations.py
	$(PY) -m bench.partners
	$(PY) -m bench.learning
	$(PY) -m bench.erdf
	$(PY) bench/proposals.py
	$(PY) bench/roles.py
	$(PY) bench/consortia.py
	$(PY) -m matchmaker train-intents && $(PY) -m bench.chat
	$(PY) -m bench.load
	$(PY) bench/cohorts.py

clean:
	rm -rf .venv instance .pytest_cache
