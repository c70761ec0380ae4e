# Mesokube developer entry points.
#   make dev    build, then run a whole cluster in one process (`mesokube dev`)
#   make test   everything CI runs: deps, build, unit tests, lint, end-to-end tests
#   make e2e    only the end-to-end suite (assumes `swift build` was done); PYTEST_ARGS="-k drf -x" narrows it
#   make lint   scripts/lint, when the repo has one
#   make bench-smoke   every benchmark of mesokube-bench at a small size (docs/benchmarks.md has the real runs)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

SWIFT ?= swift
VENV_PYTHON := .venv/bin/python
PYTEST_ARGS ?=
DEV_ARGS ?=

section = @printf '\n==================== %s ====================\n' "$(1)"

.PHONY: build dev deps-build deps-test build-tests unit lint bench-smoke e2e test

deps-build:
	$(call section,build prerequisites (apt))
	bash scripts/install-test-deps --build

deps-test:
	$(call section,test dependencies (apt + .venv))
	bash scripts/install-test-deps

build: deps-build
	$(call section,swift build)
	$(SWIFT) build

dev: build
	$(call section,mesokube dev)
	.build/debug/mesokube dev $(DEV_ARGS)

build-tests:
	$(call section,swift build --build-tests)
	$(SWIFT) build --build-tests

# scripts/unit-tests runs the compaction test alone after the rest and repeats failures at the end.
unit:
	$(call section,swift test)
	SWIFT=$(SWIFT) bash scripts/unit-tests

lint:
	$(call section,lint)
	if [ -x scripts/lint ]; then scripts/lint; \
	elif [ -f scripts/lint ]; then bash scripts/lint; \
	else echo "scripts/lint does not exist yet: nothing to lint"; fi

# The harness must keep working; its figures at these sizes, in a debug build, are not the results.
bench-smoke:
	$(call section,benchmark harness smoke run (mesokube-bench smoke))
	.build/debug/mesokube-bench smoke

e2e: deps-test
	$(call section,end-to-end tests (pytest tests/e2e))
	$(VENV_PYTHON) -m pytest tests/e2e $(PYTEST_ARGS)

# Sequential on purpose: each step needs the one before, and `make -j` must not reorder them.
test:
	$(MAKE) --no-print-directory deps-test
	$(MAKE) --no-print-directory build
	$(MAKE) --no-print-directory build-tests
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory bench-smoke
	$(MAKE) --no-print-directory e2e
	$(call section,all tests passed)
