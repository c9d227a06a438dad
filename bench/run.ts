import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeEnvironment } from './lib/environment.js';
import { REPO_ROOT } from './lib/paths.js';
import { printTable, type Row, type Scenario } from './lib/report.js';
import { ensureInfrastructure, KAFKA_BROKERS, REDIS_URL } from './lib/stack.js';
import { clusterScenario } from './scenarios/cluster.js';
import { costScenario } from './scenarios/cost.js';
import { endToEndScenario } from './scenarios/end-to-end.js';
import { ingestScenario } from './scenarios/ingest.js';
import { publishScenario } from './scenarios/publish.js';
import { replicatedScenario } from './scenarios/replicated.js';
import { retentionScenario } from './scenarios/retention.js';
import { screenScenario } from './scenarios/screen.js';
import { searchScenario } from './scenarios/search.js';
import { soakScenario } from './scenarios/soak.js';
import { steadyScenario } from './scenarios/steady.js';
import { viewScenario } from './scenarios/view.js';

const SCENARIOS: Record<string, Scenario> = {
  publish: publishScenario,
  cost: costScenario,
  ingest: ingestScenario,
  e2e: endToEndScenario,
  view: viewScenario,
  screen: screenScenario,
  search: searchScenario,
  steady: steadyScenario,
  replicated: replicatedScenario,
  cluster: clusterScenario,
  retention: retentionScenario,
  soak: soakScenario,
};
/**
 * `all` runs these; the replicated topology is measured with TOPOLOGY=replicated or by name, the cluster topology's
 * store (SCENARIO=cluster) and the soak (6 min) by name.
 */
const DEFAULT_SCENARIOS = [
  'publish',
  'cost',
  'ingest',
  'e2e',
  'view',
  'screen',
  'steady',
  'retention',
  ...(process.env.TOPOLOGY === 'replicated' ? ['replicated'] : []),
];

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const names = values.scenario === 'all' ? DEFAULT_SCENARIOS : (values.scenario ?? '').split(',');
for (const name of names) {
  if (!SCENARIOS[name]) {
    process.stderr.write(`unknown scenario '${name}'; one of: ${Object.keys(SCENARIOS).join(', ')}, all\n`);
    process.exit(2);
  }
}
// Quick runs prove the harness (the suite runs one); one second per load is enough for that.
const params = { quick: values.quick, durationSeconds: values.quick ? 1 : 15, connections: 50 };

await ensureInfrastructure();
const environment = await describeEnvironment(REDIS_URL);
process.stdout.write(
  `EventStreamApp bench — ${environment.date}\n` +
    `machine: ${environment.cores} cores (${environment.cpu}), ${environment.memoryGiB} GiB\n` +
    `versions: Node ${environment.node}, Apache Kafka ${environment.kafka} (kafkajs ${environment.kafkajs}), Redis \
${environment.redis}, ${environment.java}\n` +
    `infrastructure: Kafka ${KAFKA_BROKERS}, Redis ${REDIS_URL}\n` +
    `parameters: ${JSON.stringify(params)}${
      values.quick ? ' (quick: proves the harness, numbers are not meaningful)' : ''
    }\n\n`,
);

const results: { scenario: string; parameters: Record<string, unknown>; errors: number; rows: Row[] }[] = [];
for (const name of names) {
  process.stdout.write(`running ${name}…\n`);
  const result = await SCENARIOS[name]!(params);
  process.stdout.write(`  ${name}: ${JSON.stringify(result.parameters)}\n`);
  results.push({ scenario: name, ...result });
}
process.stdout.write('\n');
printTable(results.flatMap((r) => r.rows));

const out = values.out ?? `${REPO_ROOT}bench/results/bench-${environment.date.replace(/[:.]/g, '-')}.json`;
mkdirSync(`${REPO_ROOT}bench/results`, { recursive: true });
writeFileSync(out, `${JSON.stringify({ environment, params, results }, null, 2)}\n`);
const errors = results.reduce((sum, r) => sum + r.errors, 0);
process.stdout.write(`\nresults: ${out}\nerrors: ${errors}\n`);
process.exit(errors === 0 ? 0 : 1);
