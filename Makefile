# Targets shared by README and CI. `make install` is idempotent.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo serve lint test eval bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	@$(BIN)/eligate normalize samples/*.271

serve: install
	$(BIN)/eligate serve

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/mypy bench
	$(BIN)/lint-imports

test: install lint
	@mkdir -p reports
	$(BIN)/eligate eval --min-precision 1.0 --max-false-accepts 0 --report reports/eval-rules.json
	$(BIN)/pytest --cov --cov-report=term --cov-fail-under=85

eval: install
	@mkdir -p reports
	$(BIN)/eligate eval --report reports/eval-rules.json

bench: install
	$(BIN)/python bench/bench_normalize.py
	BENCH_SCALE_SIZES=10000 BENCH_SCALE_EXTERNAL=0 BENCH_SCALE_SERVICE=0 BENCH_SCALE_SHAPES=0 \
		$(BIN)/python bench/bench_scale.py

# Big files (1 to 100,000 patients, dangling-HL, many-ISA, corpus) beside other readers,
# and the service under wrk. BENCH_SCALE_SIZES=1,1000,10000 leaves out the 100,000 file.
.PHONY: bench-scale
bench-scale: install
	$(BIN)/python bench/bench_scale.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage

# The result cache and the audit store (needs the local Redis and PostgreSQL).
.PHONY: bench-store
bench-store: install
	$(BIN)/python bench/bench_store.py

# Payer isolation benchmark: four simulated payers, one sick (30% 500s, 11 s answers).
.PHONY: bench-isolation
bench-isolation: install
	$(BIN)/python bench/bench_isolation.py

# Service: HTTP overhead of the app under uvicorn around an instant core.
.PHONY: bench-service
bench-service: install
	$(BIN)/python bench/bench_service.py

# Service-level isolation: `eligate serve` (real composition) against the simulator over HTTP.
# ARGS="--postgres --redis" uses the local PostgreSQL and Redis.
.PHONY: bench-service-isolation
bench-service-isolation: install
	$(BIN)/python bench/bench_service_isolation.py $(ARGS)

# Onboarding: a 100-page companion guide to a draft payer file, beside plain text extraction.
.PHONY: bench-onboarding
bench-onboarding: install
	$(BIN)/python bench/bench_onboarding.py $(ARGS)

# Onboarding: per-field precision, recall, share cited and false accepts over the guides
# with truth files (tests/fixtures/guides, and the real guide in ../shared when present).
.PHONY: eval-onboarding
eval-onboarding: install
	@mkdir -p reports
	$(BIN)/eligate eval onboarding --max-false-accepts 0 --report reports/eval-onboarding.json

# The night run: 1/2/4 `eligate worker` processes on the Redis stream broker, PostgreSQL,
# the payer simulator (one payer slow, failing 30%); paced run; SIGKILLed workers.
# ARGS="--items 20000" for a smaller run.
.PHONY: bench-batch
bench-batch: install
	$(BIN)/python bench/bench_batch.py $(ARGS)

# The rolling latency window over a million checks: memory flat, beside the old behaviour.
.PHONY: bench-window
bench-window: install
	$(BIN)/python bench/bench_window.py
# FHIR R4 Bundle output beside plain JSON output, 10,000 synthetic patients (BENCH_PATIENTS=N).
.PHONY: bench-fhir
bench-fhir: install
	$(BIN)/python bench/bench_fhir.py

# Chaos runs (bounded, loopback, its own PostgreSQL and Redis): store/Redis down and frozen,
# a payer answering garbage, a restart mid-outage; 5xx, audit records lost, healthy p95.
.PHONY: chaos
chaos: install
	$(BIN)/python bench/chaos.py $(ARGS)

# A longer fuzzing run for a person (CI runs 600 examples, about a minute).
.PHONY: fuzz
fuzz: install
	ELIGATE_FUZZ_EXAMPLES=$${ELIGATE_FUZZ_EXAMPLES:-20000} $(BIN)/pytest tests/normalizer/test_fuzz_corpus.py tests/service/test_fuzz.py -q -p no:cacheprovider

# Watching it live: webhook delivery latency (event -> receiver, Redis stream + PostgreSQL
# outbox) beside a plain POST, and the dashboard's first paint in headless Chromium.
.PHONY: bench-live
bench-live: install
	$(BIN)/python bench/bench_live.py $(ARGS)
