# The two commands of the README: `make run` and `make test`. Both set the machine up first.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup run test server bench demo-cache

setup:
	@bash scripts/setup.sh

# the demo city built and loaded once into var/cache/demo (a no-op when it is there): first starts copy it
demo-cache: setup
	@$(PY) -m server_stub.citydata.demo_cache

run: setup demo-cache
	$(PY) -m app --demo

server: setup demo-cache
	$(PY) -m server_stub --demo

test: setup
	@OCC_TEST_PG_URL="$${OCC_TEST_PG_URL:-$$(bash scripts/postgres.sh)}" QT_QPA_PLATFORM=offscreen \
		$(PY) -m pytest -q -rs $(PYTEST_ARGS)

bench: setup
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b; done
