# Every target goes through scripts/dev.py, which sets up a fresh machine on first use.
# Pass extra pytest arguments with ARGS, e.g. `make test ARGS="tests/infra -x"`.
PYTHON ?= python3
DEV := $(PYTHON) scripts/dev.py

.PHONY: up down status test lint bench bootstrap infra-up infra-down test-status test-infra-down

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

# `make test` and `make bench` run on their own infrastructure (.dev/test/, ports 29092,
# 26379, 25432); it keeps running between runs. These show and stop it.
test-status:
	NEWSROOM_DEV_INSTANCE=test $(DEV) status

test-infra-down:
	NEWSROOM_DEV_INSTANCE=test $(DEV) infra-down
