# EventStreamApp — see README.md.
#   RUNTIME=docker  docker compose (project `eventstreamapp`)
#   RUNTIME=local   Kafka, Redis and the four services as native processes (scripts/local-runtime.sh)
# Default: docker when a Docker engine answers, else local.
SHELL := /bin/bash
.DEFAULT_GOAL := help
RUNTIME ?= $(shell docker info >/dev/null 2>&1 && echo docker || echo local)
COMPOSE ?= docker compose
SCENARIO ?= all
# Targets that need Node put Node 24 first on PATH (scripts/ensure-node.sh fetches it from the
# npm registry into .tools/ when the machine's node is older).
WITH_NODE = PATH="$$(scripts/ensure-node.sh):$$PATH"
LOCAL = $(WITH_NODE) scripts/local-runtime.sh

ifeq ($(filter $(RUNTIME),docker local),)
$(error RUNTIME must be docker or local, not '$(RUNTIME)')
endif

.PHONY: help install build lint test bench up down ps logs start-generator stop-generator restart-generator \
        logs-generator status redis-cli kafka-consume infra-up infra-down infra-wipe docker-check

help: ## list the targets (RUNTIME=docker|local, now: $(RUNTIME))
	@echo "RUNTIME=$(RUNTIME)"
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package-lock.json
	@$(WITH_NODE) npm ci --no-audit --no-fund

install: node_modules/.package-lock.json ## install the workspace's dependencies (npm ci)

build: ## build: docker images, or (local) type-check and compile every workspace to dist/
ifeq ($(RUNTIME),docker)
	$(COMPOSE) build
else
	@$(MAKE) --no-print-directory install
	@$(WITH_NODE) npm run build
endif

lint: install ## lint and format check (Biome)
	@$(WITH_NODE) npm run lint

test: install ## build, lint, then every test against a real Kafka and Redis (ends with "N passed, N failed")
	@$(WITH_NODE) npm run build
	@$(WITH_NODE) npm run lint
	@$(WITH_NODE) NODE_OPTIONS=--disable-warning=TimeoutNegativeWarning npm test

bench: install ## measure the pipeline against ceilings measured in the same run (SCENARIO=publish|ingest|e2e|view|steady|all)
	@$(WITH_NODE) npm run build
	@$(WITH_NODE) npx tsx bench/run.ts --scenario $(SCENARIO) $(BENCH_ARGS)

ifeq ($(RUNTIME),docker)
up: ## start everything and wait until every service is ready
	$(COMPOSE) up -d
	@# Waits on the four services' healthchecks (not on kafka-init, which exits when its topics exist).
	$(COMPOSE) up -d --wait event-generator automatic-generator event-consumer event-viewer
down: ## stop and remove everything (data volumes kept)
	$(COMPOSE) down
ps: ## list the services and their state
	$(COMPOSE) ps
logs: ## recent logs of every service
	$(COMPOSE) logs --tail=100
start-generator: ## start the automatic generator
	$(COMPOSE) start automatic-generator
stop-generator: ## stop the automatic generator
	$(COMPOSE) stop automatic-generator
restart-generator: ## restart the automatic generator
	$(COMPOSE) restart automatic-generator
logs-generator: ## the automatic generator's logs
	$(COMPOSE) logs --tail=100 automatic-generator
status: ## print "automatic-generator: running" or "automatic-generator: stopped"
	@if [ -n "$$($(COMPOSE) ps --status running --quiet automatic-generator 2>/dev/null)" ]; then echo "automatic-generator: running"; else echo "automatic-generator: stopped"; fi
redis-cli: ## a redis-cli on the pipeline's Redis
	$(COMPOSE) exec redis redis-cli
kafka-consume: ## print the topic `events` from the beginning (KAFKA_CONSUME_ARGS="--max-messages 10")
	$(COMPOSE) exec kafka kafka-console-consumer.sh --bootstrap-server kafka:9092 --topic events --from-beginning --property print.key=true $(KAFKA_CONSUME_ARGS)
else
up: build
	@$(LOCAL) up
down:
	@$(LOCAL) down
ps:
	@$(LOCAL) ps
logs:
	@$(LOCAL) logs
start-generator:
	@$(LOCAL) start automatic-generator
stop-generator:
	@$(LOCAL) stop automatic-generator
restart-generator:
	@$(LOCAL) stop automatic-generator
	@$(LOCAL) start automatic-generator
logs-generator:
	@$(LOCAL) logs automatic-generator
status:
	@$(LOCAL) status automatic-generator
redis-cli:
	redis-cli -p $${REDIS_PORT:-6379}
kafka-consume:
	@KAFKA_CONSUME_ARGS="$(KAFKA_CONSUME_ARGS)" infra/kafka/kafka.sh consume events
endif

infra-up: ## (local) start only Kafka and Redis
	@infra/kafka/kafka.sh start
	@infra/redis/redis.sh start

infra-down: ## (local) stop Kafka (data kept) and a Redis this project started
	@infra/kafka/kafka.sh stop
	@infra/redis/redis.sh stop

infra-wipe: ## (local) stop them and delete their data
	@infra/kafka/kafka.sh wipe
	@infra/redis/redis.sh wipe

docker-check: ## check the Docker files without an engine (compose file, contexts, commands)
	@$(WITH_NODE) npx vitest run --project unit tests/static
