# coopnum — the two commands: `make run` and `make test`. Needs only Python 3.11 (python3.11 or python3).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
# in parallel by default (pytest-xdist, one worker per core); `make test PYTEST_ARGS=…` overrides
PYTEST_ARGS ?= -n auto --dist loadgroup

.PHONY: run test install i18n lint bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

coopnum/translations/en/LC_MESSAGES/messages.mo: $(STAMP) coopnum/translations/en/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile --use-fuzzy -d coopnum/translations -f

install: $(STAMP) coopnum/translations/en/LC_MESSAGES/messages.mo

## make run: install, migrate the SQLite database, load the demo if empty, serve on http://127.0.0.1:5000 with the
## scheduler beside it (mails of the outbox every minute, reminders, exports…)
run: install
	$(BIN)/coopnum db upgrade
	$(BIN)/coopnum seed-demo --if-empty
	$(BIN)/coopnum scheduler & scheduler=$$!; trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/coopnum run --host $(HOST) --port $(PORT)

## make test: install and run the whole suite in parallel (SQLite; set COOPNUM_TEST_DATABASE_URL for PostgreSQL,
## COOPNUM_TEST_TODAY=YYYY-MM-DD to replay a day)
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

## make i18n: extract the messages and update the English catalogue (then translate the empty entries)
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o coopnum/translations/messages.pot .
	$(BIN)/pybabel update -i coopnum/translations/messages.pot -d coopnum/translations --no-fuzzy-matching -w 120
	$(BIN)/pybabel compile -d coopnum/translations -f

## make bench: install, then measure the application served by gunicorn on 1, 5 and 10 years of data, on SQLite
## and PostgreSQL (databases built once, then reused); writes bench/results.md and bench/results.json.
## `make bench BENCH_ARGS="--years 1 --backend sqlite"` for a quick pass (`coopnum bench --help`: the options)
bench: install
	$(BIN)/coopnum bench $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
