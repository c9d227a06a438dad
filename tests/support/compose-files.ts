/** The compose files of each topology, in the order Compose merges them (the Makefile's COMPOSE_FILES). */
export const COMPOSE_FILES = {
  single: ['docker-compose.yml'],
  replicated: ['docker-compose.yml', 'docker-compose.kafka-nodes.yml', 'docker-compose.replicated.yml'],
  cluster: ['docker-compose.yml', 'docker-compose.kafka-nodes.yml', 'docker-compose.cluster.yml'],
} as const;

export type ComposeTopology = keyof typeof COMPOSE_FILES;
