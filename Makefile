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
# Citus (distributed PostgreSQL): pinned source next to the repository, built under /tmp.
CITUS_VERSION   ?= 13.2.2
CITUS_SHA256    ?= dd2453caec20a830e5e63f1def5c5a98cb6f57ae510407cdcd800916fcdab430
CITUS_VENDOR    ?= $(CURDIR)/../shared/vendor
CITUS_BUILD_DIR ?= /tmp/indb_ml-citus

.PHONY: setup setup-apt setup-pgvector setup-c setup-server-python install-extension venv \
        demo test lint build-sql check-sql bench clean docs

## make setup: everything the demo and the tests need; safe to run again.
setup: setup-apt setup-pgvector setup-c setup-citus setup-server-python install-extension venv

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

## Citus from ../shared/vendor (the registries here do not carry it). A no-op when Citus
## $(CITUS_VERSION) is installed for this server (its stamp, or citus.so naming the version).
## The patch is for PostgreSQL 15.20+ headers, which declare have_createdb_privilege.
.PHONY: setup-citus
setup-citus: setup-apt
	@ext="$$($(PG_CONFIG) --sharedir)/extension"; lib="$$($(PG_CONFIG) --pkglibdir)"; \
	stamp="$(CITUS_BUILD_DIR)/installed-$(CITUS_VERSION)-pg$(PG_MAJOR)"; \
	installed() { [ -f "$$ext/citus.control" ] && [ -f "$$lib/citus.so" ] && \
	  { [ -f "$$stamp" ] || grep -aqF 'Citus $(CITUS_VERSION) ' "$$lib/citus.so"; }; }; \
	if installed; then exit 0; fi; \
	tarball="$(CITUS_VENDOR)/citus-$(CITUS_VERSION).tar.gz"; \
	if [ ! -f "$$tarball" ]; then echo "$$tarball not found: set CITUS_VENDOR=<dir with citus-$(CITUS_VERSION).tar.gz>" >&2; exit 1; fi; \
	if ! echo "$(CITUS_SHA256)  $$tarball" | sha256sum -c --status -; then \
	  echo "$$tarball: sha256 is not $(CITUS_SHA256); refusing to build it" >&2; exit 1; fi; \
	missing=""; for p in libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev; do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "apt-get install$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi; \
	mkdir -p "$(CITUS_BUILD_DIR)"; exec 9>"$(CITUS_BUILD_DIR)/lock"; flock 9; \
	if installed; then exit 0; fi; \
	src="$(CITUS_BUILD_DIR)/citus-$(CITUS_VERSION)"; rm -rf "$$src"; \
	tar xzf "$$tarball" -C "$(CITUS_BUILD_DIR)"; cd "$$src"; \
	patchfile="$(CITUS_VENDOR)/citus-pg15.20.patch"; \
	if grep -qs have_createdb_privilege "$$($(PG_CONFIG) --includedir-server)/commands/dbcommands.h"; then \
	  if patch -p1 --forward --dry-run -s <"$$patchfile" >/dev/null 2>&1; then patch -p1 -s <"$$patchfile"; \
	    echo "applied $$(basename $$patchfile) (these server headers declare have_createdb_privilege)"; \
	  else echo "note: $$(basename $$patchfile) does not apply to Citus $(CITUS_VERSION); building without it"; fi; fi; \
	echo "building Citus $(CITUS_VERSION) for PostgreSQL $(PG_MAJOR) in $$src (a few minutes; logs there)"; \
	if ! ./configure PG_CONFIG=$(PG_CONFIG) >configure.log 2>&1; then tail -20 configure.log >&2; echo "Citus configure failed: $$src/configure.log" >&2; exit 1; fi; \
	if ! make -j2 >build.log 2>&1; then grep -m20 -E 'error|Error' build.log >&2 || tail -20 build.log >&2; echo "Citus build failed: $$src/build.log" >&2; exit 1; fi; \
	$(SUDO) make install >install.log 2>&1 || { tail -20 install.log >&2; exit 1; }; \
	touch "$$stamp"; echo "Citus $(CITUS_VERSION) installed for PostgreSQL $(PG_MAJOR)"

## The C module (src/, PGXS): per-row aggregate steps and predictions. Rebuilt when a source
## changed; installed into the server's pkglibdir as indb_ml.so ($$libdir/indb_ml).
setup-c: setup-apt
	@$(MAKE) -s -C src PG_CONFIG=$(PG_CONFIG) >/dev/null
	@$(SUDO) $(MAKE) -s -C src install PG_CONFIG=$(PG_CONFIG) >/dev/null
	@echo "C module installed into $$($(PG_CONFIG) --pkglibdir)"

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
	@$(VENV)/bin/pip install -q -e '.[client,test,docs,plots]'
	@touch $@

## Apache Superset for tests/test_superset.py (BI tools): its own virtualenv, outside the
## repository so that clones share it, and Debian's headless Chromium with its driver for
## selenium. A no-op when the stamp lists the same pins. apache-superset 6.1.0 does not declare
## rich and cachetools (it imports both) and breaks with flask-caching 2.4+ (the metastore cache's
## ignore_delete_many_errors); sqlglot, which re-renders every SQL Lab query, is the test's
## (it turns "FROM indb_ml.predict(...)" into BigQuery ML's PREDICT); the rest pip resolved.
SUPERSET_VERSION ?= 6.1.0
SUPERSET_VENV    ?= /opt/indb_ml-superset-$(SUPERSET_VERSION)
SUPERSET_PINS    := apache-superset==$(SUPERSET_VERSION) psycopg2-binary==2.9.13 selenium==4.51.0 \
                    flask-caching==2.3.1 rich==15.0.0 cachetools==8.0.2 sqlglot==28.10.1
.PHONY: setup-superset
setup-superset: setup-apt
	@missing=""; for p in chromium chromium-driver; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "apt-get install$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi
	@stamp="$(SUPERSET_VENV)/.indb_ml-pins"; \
	if [ -x "$(SUPERSET_VENV)/bin/superset" ] && [ "$$(cat "$$stamp" 2>/dev/null)" = "$(SUPERSET_PINS)" ]; then exit 0; fi; \
	echo "installing Apache Superset $(SUPERSET_VERSION) into $(SUPERSET_VENV) (a few minutes; log $(SUPERSET_VENV).log)"; \
	$(SUDO) rm -rf "$(SUPERSET_VENV)"; \
	$(SUDO) $(SERVER_PY) -m venv "$(SUPERSET_VENV)"; \
	if ! $(SUDO) "$(SUPERSET_VENV)/bin/pip" install --root-user-action=ignore $(SUPERSET_PINS) 2>&1 \
	     | $(SUDO) tee "$(SUPERSET_VENV).log" >/dev/null; then \
	  grep -v 'is ignored' "$(SUPERSET_VENV).log" | tail -20 >&2; echo "pip install failed: $(SUPERSET_VENV).log" >&2; exit 1; fi; \
	$(SUDO) "$(SUPERSET_VENV)/bin/pip" check; \
	home="$$(mktemp -d)"; trap 'rm -rf "$$home"' EXIT; \
	if ! $(SUDO) env SUPERSET_HOME="$$home" SUPERSET_SECRET_KEY=setup-check "$(SUPERSET_VENV)/bin/python" -c \
	     "from superset.app import create_app; create_app().app_context().push(); \
	      import superset.db_engine_specs.postgres, superset.db_engine_specs.aws_iam, superset.cli.test_db, psycopg2, selenium" \
	     2>&1 | $(SUDO) tee -a "$(SUPERSET_VENV).log" >/dev/null; then \
	  tail -20 "$(SUPERSET_VENV).log" >&2; echo "Superset does not start its app: $(SUPERSET_VENV).log" >&2; exit 1; fi; \
	echo "$(SUPERSET_PINS)" | $(SUDO) tee "$$stamp" >/dev/null; \
	echo "Apache Superset $(SUPERSET_VERSION) installed in $(SUPERSET_VENV)"

demo: setup
	$(VENV)/bin/indb-ml demo

test: setup
	$(VENV)/bin/ruff check indb_ml tests bench
	$(VENV)/bin/python -m pytest -q tests

lint: venv
	$(VENV)/bin/ruff check indb_ml tests bench

## make docs: the documentation site (docs/, MkDocs + Material) into site/, warnings as errors.
## The reference pages' signatures come from the installed catalog: indb_ml/docs_gen.py starts a
## temporary embedded server, reads pg_proc into build/docs/catalog.json and fails when a function
## of schema indb_ml is on no page; mkdocs then inserts them (the same file is its hook).
docs: setup
	$(VENV)/bin/python -m indb_ml.docs_gen --out build/docs/catalog.json
	NO_MKDOCS_2_WARNING=1 INDB_ML_DOCS_CATALOG=build/docs/catalog.json $(VENV)/bin/mkdocs build --strict --site-dir site

## migrations/indb_ml--X.Y.Z.sql is generated from sql/*.sql, and the upgrade scripts to it,
## migrations/indb_ml--A--X.Y.Z.sql, from sql/upgrade/A--X.Y.Z.sql too; commit them all. Released
## install scripts (migrations/indb_ml--0.1.0.sql) are frozen. install-extension installs every one.
build-sql:
	@$(SERVER_PY) -m indb_ml.build_sql --write

check-sql:
	@$(SERVER_PY) -m indb_ml.build_sql --check

bench: setup
	$(VENV)/bin/python bench/run_aggregates.py
	$(VENV)/bin/python bench/run_linregr.py

clean:
	rm -rf $(VENV) build site *.egg-info
	$(MAKE) -s -C src clean PG_CONFIG=$(PG_CONFIG)
