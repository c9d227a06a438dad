# EventStreamApp — see README.md.
#   RUNTIME=docker  Docker Compose v2 (`docker compose`; scripts/compose-v2.sh builds it where missing),
#                   project `eventstreamapp`
#   RUNTIME=local   Kafka, Redis and the four services as native processes (scripts/launcher/cli.ts)
# Default: docker when a Docker engine answers and a Compose is installed, else local (saying why).
SHELL := /bin/bash
.DEFAULT_GOAL := help
DETECTED := $(shell scripts/compose.sh runtime 2>/dev/null || echo "local: scripts/compose.sh failed")
RUNTIME ?= $(firstword $(subst :, ,$(DETECTED)))
# Why the default is local, said once by the targets that start or inspect the stack.
ifeq ($(origin RUNTIME),file)
WHY_LOCAL := $(if $(filter local:%,$(DETECTED)),$(DETECTED),)
endif
# TOPOLOGY=replicated: three KRaft nodes, a Redis primary, its replica and three Sentinels (README, "Scaling out").
TOPOLOGY ?= single
export TOPOLOGY
ifeq ($(TOPOLOGY),replicated)
export COMPOSE_FILES := docker-compose.yml docker-compose.kafka-nodes.yml docker-compose.replicated.yml
KAFKA_INFRA = infra/kafka/cluster.sh
REDIS_INFRA = infra/redis/replicated.sh
else ifeq ($(TOPOLOGY),cluster)
# TOPOLOGY=cluster (README "Scaling out"): three KRaft nodes and a Redis Cluster of three masters and three replicas.
export COMPOSE_FILES := docker-compose.yml docker-compose.kafka-nodes.yml docker-compose.cluster.yml
KAFKA_INFRA = infra/kafka/cluster.sh
REDIS_INFRA = infra/redis/cluster.sh
else
KAFKA_INFRA = infra/kafka/kafka.sh
REDIS_INFRA = infra/redis/redis.sh
endif
SCENARIO ?= all
# CREDENTIALS=on: every Redis and Kafka the project starts requires a password (Redis requirepass, Sentinel
# auth, Kafka SASL/SCRAM-SHA-512) and the services get theirs; both runtimes, both topologies. The
# passwords are made once into .local/credentials.env (infra/credentials.sh, README "Security").
CREDENTIALS ?= off
ifeq ($(CREDENTIALS),on)
$(foreach assignment,$(shell infra/credentials.sh env),$(eval export $(assignment)))
endif
# Targets that need Node put Node 24 first on PATH (scripts/ensure-node.sh fetches it from the
# npm registry into .tools/ when the machine's node is older).
WITH_NODE = PATH="$$(scripts/ensure-node.sh):$$PATH"
LOCAL = $(if $(WHY_LOCAL),echo "RUNTIME=$(WHY_LOCAL)" >&2;) $(WITH_NODE) node scripts/launcher/cli.ts
COMPOSE = scripts/compose.sh

# MONITORING=1: `make up` adds Prometheus with the alert rules (README "Operating it"); docker: the compose
# profile `monitoring`, local: Debian's prometheus on PROMETHEUS_PORT (9090).
MONITORING ?= 0
export MONITORING
ifeq ($(MONITORING),1)
export COMPOSE_PROFILES := monitoring
# Prometheus scrapes the viewer with VIEWER_TOKEN; a viewer behind HTTP Basic only gets one made for it.
ifneq ($(VIEWER_USERS_FILE),)
ifeq ($(VIEWER_TOKEN),)
$(foreach assignment,$(shell infra/credentials.sh viewer-token),$(eval export $(assignment)))
endif
endif
endif

ifeq ($(filter $(RUNTIME),docker local),)
$(error RUNTIME must be docker or local, not '$(RUNTIME)')
endif
ifeq ($(filter $(CREDENTIALS),on off),)
$(error CREDENTIALS must be on or off, not '$(CREDENTIALS)')
endif
ifeq ($(filter $(TOPOLOGY),single replicated cluster),)
$(error TOPOLOGY must be single, replicated or cluster, not '$(TOPOLOGY)')
endif

.PHONY: help prerequisites docker-engine images install build lint test test-quick viewer-user mutation fuzz-api \
        chaos chaos-check \
        bench up down ps logs start-generator stop-generator restart-generator \
        logs-generator status redis-cli kafka-consume dlq-replay infra-up infra-down infra-wipe docker-check

help: ## list the targets (RUNTIME=docker|local, now: $(RUNTIME); TOPOLOGY=single|replicated|cluster)
	@echo "RUNTIME=$(RUNTIME) TOPOLOGY=$(TOPOLOGY)"
	@grep -hE '^([a-z-]+:.*## |#\+ )' $(MAKEFILE_LIST) \
		| awk -F':.*## ' '/^#\+ /{printf "  %-18s %s\n", "", substr($$0, 4); next} {printf "  %-18s %s\n", $$1, $$2}'

# patches/: fixes to dependencies, applied by patch-package at every install (patches/README.md).
node_modules/.package-lock.json: package-lock.json $(wildcard patches/*.patch)
	@$(WITH_NODE) npm ci --no-audit --no-fund

install: node_modules/.package-lock.json ## install the workspace's dependencies (npm ci)

prerequisites: ## install the Debian packages the tests need (as root; otherwise name them)
	@scripts/prerequisites.sh install

docker-engine: ## start dockerd when it is installed and not running (root)
	@scripts/prerequisites.sh docker-engine

images: ## the Docker runtime's base images: official when pullable, else stand-ins built here
#+ (scripts/docker-images.sh)
	@scripts/docker-images.sh ensure

build: ## build: docker images, or (local) type-check and compile every workspace to dist/
ifeq ($(RUNTIME),docker)
	@eval "$$(scripts/docker-images.sh ensure)" && $(COMPOSE) build
else
	@$(MAKE) --no-print-directory install
	@$(WITH_NODE) npm run build
endif

lint: install ## lint and format check (Biome)
	@$(WITH_NODE) npm run lint

test: prerequisites install ## install what is missing, build, lint, then every test against a real Kafka and Redis
#+ (ends with "N passed, N failed")
	@scripts/prerequisites.sh docker-engine || echo "test: the Docker runtime's tests will fail (see the line above)" >&2
	@$(WITH_NODE) npm run build
	@$(WITH_NODE) npm run lint
	@$(WITH_NODE) npm test

viewer-user: install ## add a viewer user (NAME=name, ROLE=reader|operator, default reader; password from
#+ VIEWER_PASSWORD or asked) to VIEWER_USERS_FILE (.local/viewer-users)
	@$(WITH_NODE) npm run build >/dev/null
	@$(WITH_NODE) node scripts/viewer-user.ts "$(NAME)" "$${VIEWER_USERS_FILE:-.local/viewer-users}" "$(or $(ROLE),reader)"

test-quick: install ## the edit loop: unit and static tests only, no Kafka or Redis (under a minute)
	@$(WITH_NODE) npm run test:unit

mutation: install ## mutation testing of the pure modules (StrykerJS, stryker.config.mjs; MUTATE=glob[,glob] narrows
#+ it; MUTATION_ARGS=--force re-tests every mutant; report in reports/mutation; not part of make test)
	@$(WITH_NODE) MUTATE="$(MUTATE)" npx stryker run $(MUTATION_ARGS)

fuzz-api: install ## Schemathesis against both services' OpenAPI documents for 10 minutes (FUZZ_API_SECONDS=300
#+ each; FUZZ_API_EXAMPLES=1000 per operation and round; a fixed seed; README "The HTTP contract")
	@$(WITH_NODE) npm run build
	@$(WITH_NODE) FUZZ_API_SECONDS=$(or $(FUZZ_API_SECONDS),300) FUZZ_API_EXAMPLES=$(or $(FUZZ_API_EXAMPLES),1000) \
		npx vitest run tests/contract

chaos: build ## seeded random faults under load, then a check of the history (SEED=, DURATION=2m, RATE=100, TOPOLOGY=,
#+ FAULTS=kill,pause,partition,failover, or diskfull, leader; SABOTAGE=dedup tests the checker; root: iptables)
	@$(WITH_NODE) npx tsx scripts/chaos/cli.ts run --duration $(or $(DURATION),2m) --rate $(or $(RATE),100) \
		--topology $(TOPOLOGY) \
		$(if $(SEED),--seed $(SEED)) $(if $(FAULTS),--faults $(FAULTS)) $(if $(SABOTAGE),--sabotage $(SABOTAGE))

chaos-check: install ## judge a kept chaos run again (RUN=.local/chaos/<run>)
	@$(WITH_NODE) npx tsx scripts/chaos/cli.ts check $(RUN)

bench: install ## measure the pipeline against ceilings measured in the same run
#+ (SCENARIO=publish|ingest|e2e|view|search|screen|steady|cost|cluster|all)
	@$(WITH_NODE) npm run build
	@$(WITH_NODE) npx tsx bench/run.ts --scenario $(SCENARIO) $(BENCH_ARGS)

ifeq ($(RUNTIME),docker)
up: ## start everything and wait until every service is healthy (MONITORING=1: and Prometheus with the alert rules)
	@$(COMPOSE) up
down: ## stop and remove everything (data volumes kept)
	COMPOSE_PROFILES=monitoring $(COMPOSE) down
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
	@$(COMPOSE) status automatic-generator
redis-cli: ## a redis-cli on the pipeline's Redis (REDIS_CLI_ARGS="GET event:alice"; a cluster's redirections followed)
	@$(COMPOSE) exec $(if $(REDIS_PASSWORD),-e REDISCLI_AUTH=$(REDIS_PASSWORD)) redis redis-cli \
		$(if $(filter cluster,$(TOPOLOGY)),-c) $(REDIS_CLI_ARGS)
dlq-replay: ## send dead letters that now pass back to `events`, once each
#+ (DLQ_REPLAY_ARGS="--dry-run --from-offset N --reason too_large")
	@$(COMPOSE) run event-consumer node dist/dlq-replay-cli.js $(DLQ_REPLAY_ARGS)
kafka-consume: ## print the topic `events` from the beginning (KAFKA_CONSUME_ARGS="--max-messages 10")
	@$(COMPOSE) exec kafka kafka-console-consumer.sh --bootstrap-server kafka:9092 \
		--consumer.config /tmp/client.properties --topic events --from-beginning --property print.key=true \
		$(KAFKA_CONSUME_ARGS)
else
up: build
	@$(LOCAL) up
	@$(if $(filter 1,$(MONITORING)),infra/prometheus/prometheus.sh start)
down:
	@infra/prometheus/prometheus.sh stop
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
	@$(LOCAL) restart automatic-generator
logs-generator:
	@$(LOCAL) logs automatic-generator
status:
	@$(LOCAL) status automatic-generator
dlq-replay: build
	@$(LOCAL) dlq-replay $(DLQ_REPLAY_ARGS)
ifeq ($(TOPOLOGY),cluster)
redis-cli:
	@$(if $(REDIS_PASSWORD),REDISCLI_AUTH=$(REDIS_PASSWORD)) redis-cli -c -p $${REDIS_CLUSTER_PORT:-7000} $(REDIS_CLI_ARGS)
else ifeq ($(TOPOLOGY),replicated)
redis-cli:
	@$(if $(REDIS_PASSWORD),REDISCLI_AUTH=$(REDIS_PASSWORD)) redis-cli -p $$(infra/redis/replicated.sh primary-port) \
		$(REDIS_CLI_ARGS)
else
redis-cli:
	@$(if $(REDIS_PASSWORD),REDISCLI_AUTH=$(REDIS_PASSWORD)) redis-cli -p $${REDIS_PORT:-6379} $(REDIS_CLI_ARGS)
endif
ifeq ($(TOPOLOGY),single)
kafka-consume:
	@KAFKA_CONSUME_ARGS="$(KAFKA_CONSUME_ARGS)" infra/kafka/kafka.sh consume events
else
kafka-consume:
	@KAFKA_PORT=$$(infra/kafka/cluster.sh node-port 1) KAFKA_CONSUME_ARGS="$(KAFKA_CONSUME_ARGS)" \
		infra/kafka/kafka.sh consume events
endif
endif

infra-up: ## (local) start only Kafka and Redis (of the TOPOLOGY)
	@$(KAFKA_INFRA) start
	@$(REDIS_INFRA) start

infra-down: ## (local) stop Kafka (data kept) and a Redis this project started
	@$(KAFKA_INFRA) stop
	@$(REDIS_INFRA) stop

ifeq ($(RUNTIME),docker)
infra-wipe: ## stop and delete the data: local, Kafka's and Redis' folders; docker, `down -v`
#+ (every volume of the project)
	COMPOSE_PROFILES=monitoring $(COMPOSE) down -v --remove-orphans
else
infra-wipe:
	@$(KAFKA_INFRA) wipe
	@$(REDIS_INFRA) wipe
endif

docker-check: ## check the Docker files without an engine (compose file, contexts, commands)
	@$(WITH_NODE) npx vitest run --project unit tests/static
