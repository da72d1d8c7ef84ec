# Rasid: two commands on a fresh machine.
#   make demo   one full cycle over the bundled sample corpus (embedded store, no server)
#   make test   the whole suite: unit, real search engines, real Airflow, fault injection
# Each target installs what it needs itself (Python packages, Debian packages, Maven artifacts).

PYTHON ?= python3
VENV   ?= .venv
AFVENV ?= .venv-airflow
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
AFSTAMP := $(AFVENV)/.installed
AIRFLOW_VERSION ?= 3.3.2
PYTEST_ARGS ?=

.PHONY: demo test test-unit test-engine test-airflow test-faults lint bench eval ner-model install install-airflow system-deps clean help

help:
	@echo "make demo            one full cycle on the bundled sample corpus into data/rasid.db"
	@echo "make install         create .venv and install Rasid + test tools, pinned by requirements.lock"
	@echo "make install-airflow create .venv-airflow with Apache Airflow, pinned by constraints.txt"
	@echo "make system-deps     apt-get the Debian packages the tests need (docker-compose, maven, JDK 17, ...)"
	@echo "make lint            ruff check and ruff format --check"
	@echo "make ner-model       train the optional entity tagger from ANERcorp (needs ../shared)"
	@echo "make eval            quality figures: NER, extraction, places (when ../shared has data), alerts"
	@echo "make test            everything: lint, eval, unit, real search engines, real Airflow, faults"
	@echo "make test-unit       unit tests only (no search engine, no Airflow, no fault injection)"
	@echo "make test-engine     tests against real Elasticsearch/OpenSearch (fetched via Maven)"
	@echo "make test-airflow    tests against real Apache Airflow (in .venv-airflow)"
	@echo "make test-faults     the fault-injection suite (loopback servers)"
	@echo "make bench           the benchmarks in bench/ (BENCH_ARGS=--quick for a smoke run)"
	@echo "make clean           DELETES .venv, .venv-airflow, caches and data/ (the default store,"
	@echo "                     its dedup state, outbox and WebSub db): the indexed articles are lost"
	@echo "make help            this list"

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[test]'
	touch $@

install: $(STAMP)

# Airflow lives in its own venv: its 160 pinned packages must not move the pipeline's.
$(AFSTAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(AFVENV)
	$(AFVENV)/bin/pip install -q --upgrade pip
	$(AFVENV)/bin/pip install -q -c constraints.txt "apache-airflow==$(AIRFLOW_VERSION)" -e '.[test]'
	touch $@

install-airflow: $(AFSTAMP)

# Debian packages the tests use: docker-compose (v1) validates docker-compose.yml without an engine;
# Maven fetches the real Elasticsearch/OpenSearch distributions, which run on Java 17 (javac
# compiles the small analysis plugin the Elasticsearch test zip needs); openssl makes the
# STARTTLS test's certificate.
system-deps:
	@missing=""; \
	command -v docker-compose >/dev/null || missing="$$missing docker-compose"; \
	command -v mvn >/dev/null || missing="$$missing maven"; \
	command -v unzip >/dev/null || missing="$$missing unzip"; \
	command -v javac >/dev/null || missing="$$missing openjdk-17-jdk-headless"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

demo: $(STAMP)
	$(BIN)/rasid demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The optional statistical entity tagger is trained from ANERcorp into the user cache (no
# weights ship); once there, the suite and `rasid eval ner` use it. Skipped without ../shared.
SHARED ?= $(or $(RASID_SHARED_DIR),../shared)
NER_TRAIN := $(SHARED)/data/ner/ANERCorp_train.txt
NER_TEST := $(SHARED)/data/ner/ANERCorp_CamelLab_test.txt
NER_MODEL := $(or $(RASID_CACHE_DIR),$(HOME)/.cache/rasid)/ner/crf_model.pkl

ner-model: $(STAMP)
	@if [ ! -f "$(NER_TRAIN)" ]; then echo "no $(NER_TRAIN): the tagger runs on rules and gazetteers"; \
	elif [ -f "$(NER_MODEL)" ]; then echo "entity model: $(NER_MODEL)"; \
	else $(BIN)/rasid ner train --train "$(NER_TRAIN)"; fi

eval: $(STAMP) ner-model
	@if [ -f "$(NER_TEST)" ]; then $(BIN)/rasid eval ner --data "$(SHARED)/data"; fi
	@if [ -d "$(SHARED)/data/extraction" ]; then $(BIN)/rasid eval extraction --data "$(SHARED)/data"; fi
	@if [ -d "$(SHARED)/data/saudinewsnet" ]; then RASID_DATA_DIR="$(SHARED)/data" $(BIN)/rasid eval places; fi
	$(BIN)/rasid eval alerts

# Quality figures first (they print tables), then the suites, so pytest has the last word.
test: $(STAMP) $(AFSTAMP) system-deps lint eval
	$(BIN)/pytest -m "not airflow" $(PYTEST_ARGS)
	$(AFVENV)/bin/pytest -m airflow $(PYTEST_ARGS)

test-unit: $(STAMP)
	$(BIN)/pytest -m "not airflow and not engine and not faults" $(PYTEST_ARGS)

test-engine: $(STAMP) system-deps
	$(BIN)/pytest -m engine $(PYTEST_ARGS)

test-airflow: $(AFSTAMP)
	$(AFVENV)/bin/pytest -m airflow $(PYTEST_ARGS)

test-faults: $(STAMP) system-deps
	$(BIN)/pytest -m faults $(PYTEST_ARGS)

# Baselines for the pipeline benchmark (newspaper4k) and the profiler; not needed elsewhere.
# Pinned and constrained by the lock: unpinned, newspaper4k 0.9.6 downgraded python-dateutil.
BENCHSTAMP := $(VENV)/.bench-installed
$(BENCHSTAMP): $(STAMP)
	$(BIN)/pip install -q -c requirements.lock newspaper4k==0.9.4.1 pyinstrument==5.1.3
	touch $@

bench: $(STAMP) $(BENCHSTAMP) system-deps
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(AFVENV) .pytest_cache .ruff_cache data
