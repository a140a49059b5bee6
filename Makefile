# Every target goes through scripts/dev.py, which sets up a fresh machine on first use.
# Pass extra pytest arguments with ARGS, e.g. `make test ARGS="tests/infra -x"`.
PYTHON ?= python3
DEV := $(PYTHON) scripts/dev.py

.PHONY: up down status test lint bench bootstrap infra-up infra-down

up:
	$(DEV) up

down:
	$(DEV) down

status:
	$(DEV) status

test:
	$(DEV) test $(ARGS)

lint:
	$(DEV) lint

bench:
	$(DEV) bench $(ARGS)

bootstrap:
	$(DEV) bootstrap

infra-up:
	$(DEV) infra-up

infra-down:
	$(DEV) infra-down
