# Set-up and everyday commands. `make demo` and `make test` install into .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench clean install

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
	$(BIN)/mypy --strict medalbot discord_emulator/src/discord_emulator

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info discord_emulator/build discord_emulator/src/*.egg-info \
		.pytest_cache .mypy_cache .ruff_cache
