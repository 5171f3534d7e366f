# The two commands of the README: `make demo` and `make test`.
# Both set the project up first (system packages, .venv, the package itself).
VENV    := .venv
STAMP   := $(VENV)/.installed

.PHONY: demo test test-all setup
demo: setup
	$(VENV)/bin/nianbao demo

test: setup
	$(VENV)/bin/pytest -m "not slow"

test-all: setup
	$(VENV)/bin/pytest

setup: $(STAMP)

$(STAMP): pyproject.toml .ci/setup
	bash .ci/setup
	touch $(STAMP)
