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

# Watching it live: webhook delivery latency (event -> receiver, Redis stream + PostgreSQL
# outbox) beside a plain POST, and the dashboard's first paint in headless Chromium.
.PHONY: bench-live
bench-live: install
	$(BIN)/python bench/bench_live.py $(ARGS)
