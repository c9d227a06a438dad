# EventStreamApp — see README.md. Targets that need Node put Node 24 first on PATH
# (scripts/ensure-node.sh installs it into .tools/ when the machine's node is older).
SHELL := /bin/bash
.DEFAULT_GOAL := help
WITH_NODE = PATH="$$(scripts/ensure-node.sh):$$PATH"

.PHONY: help install build lint test infra-up infra-down infra-wipe

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package-lock.json
	@$(WITH_NODE) npm ci --no-audit --no-fund

install: node_modules/.package-lock.json ## install the workspace's dependencies (npm ci)

build: install ## type-check and compile every workspace to dist/
	@$(WITH_NODE) npm run build

lint: install ## lint and format check (Biome)
	@$(WITH_NODE) npm run lint

test: build lint ## build, lint, then every test against a real Kafka and Redis
	@$(WITH_NODE) npm test

infra-up: ## start the local runtime's Kafka and Redis (idempotent)
	@infra/kafka/kafka.sh start
	@infra/redis/redis.sh start

infra-down: ## stop the local Kafka (keeps its data) and a Redis this project started
	@infra/kafka/kafka.sh stop
	@infra/redis/redis.sh stop

infra-wipe: ## stop them and delete their data
	@infra/kafka/kafka.sh wipe
	@infra/redis/redis.sh wipe
