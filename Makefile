# 党建工作管理平台 — everyday commands. `make help` lists them.
#
# The Quick start is two commands: `make run` (install, migrate, demo data, worker, server on
# http://127.0.0.1:8000) and `make test` (the whole test suite on the embedded default).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install run serve worker migrate seed messages compilemessages test test-pg lint \
	migrations-check check-deploy ci clean reset

help: ## List the commands
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@scripts/bootstrap.sh "$(PYTHON)" "$(VENV)"
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its dev tools

run: install ## Quick start: migrate, compile translations, load demo data, start worker + server on :8000
	@VENV=$(VENV) scripts/run.sh

serve: install ## Like `run` without loading demo data (uses whatever database is configured)
	@VENV=$(VENV) PORTAL_SKIP_SEED=1 scripts/run.sh

worker: install ## A Celery worker with embedded beat, in the foreground
	$(VENV)/bin/celery -A config worker -B -l INFO

migrate: install ## Apply database migrations
	$(MANAGE) migrate --noinput

seed: install ## Load the small demo data set (does nothing when the database has data)
	$(MANAGE) seed_demo --scale small

messages: install ## Extract translatable strings into locale/en (Chinese msgids) and compile them
	$(MANAGE) makemessages -l en --no-location --ignore=$(VENV) --ignore=var --ignore=tests --ignore=bench \
		--ignore=node_modules
	@scripts/compile_messages.sh

compilemessages: install ## Compile locale/*.po into .mo (keeps the committed .mo when msgfmt is missing)
	@scripts/compile_messages.sh

test: install ## Quick start: the whole test suite (SQLite; browser tests when Chromium is installed)
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

test-pg: install ## The suite on PostgreSQL with live Celery tests on Redis (DATABASE_URL, CELERY_BROKER_URL)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portal} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/11} \
	CELERY_TASK_ALWAYS_EAGER=true \
	$(PY) -m pytest -n auto --create-db $(PYTEST_ARGS)

lint: install ## ruff
	$(VENV)/bin/ruff check .

migrations-check: install ## Fail when a model change has no migration
	$(MANAGE) makemigrations --check --dry-run

check-deploy: install ## Django's deployment checklist against the production settings
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-check-deploy-$$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')} \
	DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-portal.example.org} \
	$(MANAGE) check --deploy --fail-level WARNING

ci: ## What the CI runs (installs system packages with apt-get; needs root)
	.ci/run

clean: ## Remove the virtualenv (keeps the database in var/)
	rm -rf $(VENV) *.egg-info

reset: ## Delete the local database, broker folders and job files in var/ (start over)
	rm -rf var
