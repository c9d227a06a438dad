/**
 * `make dlq-replay` (README, "Operating it"): sends the dead letters that now pass back to the events
 * topic, with the consumer's own configuration (the same environment), and prints what it did.
 *
 *   node dist/dlq-replay-cli.js [--dry-run] [--from-offset N] [--to-offset N] [--partition P] [--reason CODE[,CODE]]
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { redisKeys } from '@eventstreamapp/event-schema';
import { formatReport, type ReplayOptions, replayDeadLetters } from '@eventstreamapp/pipeline';
import {
  createLogger,
  createStoreClient,
  loadConfigOrExit,
  serviceKafka,
  USAGE_EXIT,
} from '@eventstreamapp/service-kit';
import { loadConfig } from './config.js';

const USAGE = [
  'usage: dlq-replay [--dry-run] [--from-offset N] [--to-offset N]',
  '[--partition P] [--reason CODE[,CODE…]]',
].join(' ');

function parseOptions(argv: string[]): ReplayOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      'dry-run': { type: 'boolean', default: false },
      'from-offset': { type: 'string' },
      'to-offset': { type: 'string' },
      partition: { type: 'string' },
      reason: { type: 'string', multiple: true },
    },
    strict: true,
  });
  const whole = (name: string, raw: string | undefined) => {
    if (raw === undefined) return undefined;
    if (!/^\d{1,15}$/.test(raw)) throw new Error(`--${name} must be a whole number, not ${JSON.stringify(raw)}`);
    return Number(raw);
  };
  const fromOffset = whole('from-offset', values['from-offset']);
  const toOffset = whole('to-offset', values['to-offset']);
  const partition = whole('partition', values.partition);
  const reasons = values.reason?.flatMap((r) => r.split(',')).filter(Boolean);
  return {
    dryRun: values['dry-run'],
    ...(fromOffset === undefined ? {} : { fromOffset }),
    ...(toOffset === undefined ? {} : { toOffset }),
    ...(partition === undefined ? {} : { partition }),
    ...(reasons?.length ? { reasons } : {}),
  };
}

let options: ReplayOptions;
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
  process.exit(USAGE_EXIT);
}
const config = loadConfigOrExit('dlq-replay', loadConfig);
// The report goes to stdout; the clients' own complaints (a broker away) to stderr, as warnings only.
const logger = createLogger('dlq-replay', config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, process.stderr);
const kafka = serviceKafka('dlq-replay', config, logger, { retries: 5 });
const redis = createStoreClient(config, {
  connectionName: 'dlq-replay',
  commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
});
try {
  await redis.connect();
  const report = await replayDeadLetters(
    {
      kafka,
      redis,
      keys: redisKeys(config.REDIS_KEY_PREFIX),
      clusterBuckets: config.REDIS_CLUSTER_BUCKETS,
      holder: `make dlq-replay, pid ${process.pid} on ${hostname()}`,
      topics: { events: config.KAFKA_TOPIC, dlq: config.KAFKA_DLQ_TOPIC },
      maxEventBytes: config.MAX_EVENT_BYTES,
      maxFutureMs: config.TIMESTAMP_MAX_FUTURE_MS,
    },
    options,
  );
  process.stdout.write(`${formatReport(report, config.KAFKA_DLQ_TOPIC)}\n`);
} catch (err) {
  process.stderr.write(`dlq-replay failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  redis.disconnect();
}
