# indb_ml: two commands for users (`make demo`, `make test`), the rest for developers.
# Runs as root or with sudo on Debian/Ubuntu with the PostgreSQL server packages.

# Every recipe line fails as a whole: a failing command in a pipeline stops make.
SHELL        := /bin/bash
.SHELLFLAGS  := -eo pipefail -c

PG_MAJOR     ?= $(shell ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
PG_CONFIG    ?= /usr/lib/postgresql/$(PG_MAJOR)/bin/pg_config
SERVER_PY    ?= /usr/bin/python3
VENV         ?= .venv
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PGVECTOR_DIR ?= /tmp/indb_ml-pgvector

.PHONY: setup setup-apt setup-pgvector setup-server-python install-extension venv \
        demo test lint build-sql check-sql bench clean

## make setup: everything the demo and the tests need; safe to run again.
setup: setup-apt setup-pgvector setup-server-python install-extension venv

setup-apt:
	@if [ -z "$(PG_MAJOR)" ]; then echo "No PostgreSQL server found under /usr/lib/postgresql: install postgresql (>= 15) first." >&2; exit 1; fi
	@missing=""; for p in postgresql-plpython3-$(PG_MAJOR) postgresql-server-dev-$(PG_MAJOR) python3-pip python3-venv dpkg-dev make gcc; do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "apt-get install$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

## pgvector: Debian 12 has no binary package; build Debian's source package with PGXS.
## OPTFLAGS="" drops pgvector's default -march=native: the binary runs on any x86-64/arm64
## (the Docker image is built on one machine and run on others).
setup-pgvector:
	@if [ -f "$$($(PG_CONFIG) --sharedir)/extension/vector.control" ]; then exit 0; fi; \
	if ! apt-get source --print-uris pgvector >/dev/null 2>&1; then \
	  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
	    | $(SUDO) tee /etc/apt/sources.list.d/indb-ml-pgvector-src.sources >/dev/null; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq; fi; \
	rm -rf $(PGVECTOR_DIR); mkdir -p $(PGVECTOR_DIR); cd $(PGVECTOR_DIR); \
	if ! apt-get source -qq pgvector >source.log 2>&1; then \
	  cat source.log >&2; echo "apt-get source pgvector failed (see above)" >&2; exit 1; fi; \
	cd $(PGVECTOR_DIR)/pgvector-*/; \
	make -s OPTFLAGS="" PG_CONFIG=$(PG_CONFIG) >/dev/null; \
	$(SUDO) make -s install OPTFLAGS="" PG_CONFIG=$(PG_CONFIG) >/dev/null; \
	echo "pgvector installed for PostgreSQL $(PG_MAJOR)"

## The server's Python (the one plpython3u uses): numpy with OpenBLAS, pyarrow, scipy, indb_ml.
setup-server-python:
	@$(SUDO) $(SERVER_PY) -m pip install -q --break-system-packages --root-user-action=ignore \
	  --upgrade --no-warn-script-location 'numpy>=2,<3' 'pyarrow>=14,<30' 'scipy>=1.10,<2'
	@$(SUDO) $(SERVER_PY) -m pip install -q --break-system-packages --root-user-action=ignore \
	  --no-deps --no-build-isolation --force-reinstall --no-warn-script-location .
	@$(SERVER_PY) -c "import indb_ml, numpy, pyarrow, scipy; print('server Python:', indb_ml.__version__, 'numpy', numpy.__version__, 'pyarrow', pyarrow.__version__)"

## The extension's control file and install/upgrade scripts into the server's share dir.
install-extension: check-sql
	@$(SUDO) install -m 644 indb_ml.control migrations/indb_ml--*.sql "$$($(PG_CONFIG) --sharedir)/extension/"
	@echo "extension files installed into $$($(PG_CONFIG) --sharedir)/extension"

## The client's virtualenv with the command line and the test tools.
venv: $(VENV)/.installed
$(VENV)/.installed: setup.py
	@[ -x $(VENV)/bin/python ] || $(SERVER_PY) -m venv $(VENV)
	@$(VENV)/bin/pip install -q -e '.[client,test]'
	@touch $@

demo: setup
	$(VENV)/bin/indb-ml demo

test: setup
	$(VENV)/bin/ruff check indb_ml tests bench
	$(VENV)/bin/python -m pytest -q tests

lint: venv
	$(VENV)/bin/ruff check indb_ml tests bench

## migrations/indb_ml--X.Y.Z.sql is generated from sql/*.sql; commit both.
build-sql:
	@$(SERVER_PY) -m indb_ml.build_sql --write

check-sql:
	@$(SERVER_PY) -m indb_ml.build_sql --check

bench: setup
	$(VENV)/bin/python bench/run_linregr.py

clean:
	rm -rf $(VENV) build *.egg-info
