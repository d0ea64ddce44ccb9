# Set-up and everyday commands. `make demo` and `make test` install into .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench clean install i18n

# The emulator (discord_emulator/) and medalbot in one pip command, so that the local emulator
# satisfies medalbot[demo].
$(STAMP): pyproject.toml discord_emulator/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ./discord_emulator -e '.[test,postgres,demo]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/medalbot demo

lint: $(STAMP)
	$(BIN)/ruff check medalbot tests bench tools discord_emulator
	$(BIN)/ruff format --check medalbot tests bench tools discord_emulator

typecheck: $(STAMP)
	$(BIN)/mypy --strict medalbot discord_emulator/src/discord_emulator tests bench tools \
		discord_emulator/tests

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

# Extract the messages marked in the code, merge them into every catalogue (translations kept,
# new entries empty, stale ones dropped), then check the catalogues: the test fails while any
# language misses a message, has a fuzzy or empty one, or changes a placeholder.
i18n: $(STAMP)
	mkdir -p build
	$(BIN)/pybabel --quiet extract -F medalbot/i18n/babel.cfg -k pN_:1c,2 --no-location --sort-output \
		--project=medalbot -o build/medalbot.pot --width=100 medalbot
	$(BIN)/pybabel --quiet update -i build/medalbot.pot -d medalbot/locale -D medalbot --ignore-obsolete \
		--no-fuzzy-matching --ignore-pot-creation-date --width=100
	$(BIN)/python -m pytest -q tests/i18n

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info discord_emulator/build discord_emulator/src/*.egg-info \
		.pytest_cache .mypy_cache .ruff_cache
