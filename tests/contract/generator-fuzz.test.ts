import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGenerator, waitFor } from '../../event-generator/test/helpers.js';
import { createTestTopics, type TestTopics } from '../support/kafka.js';
import { REPO_ROOT } from '../support/paths.js';

const run = promisify(execFile);
const API_KEY = 'contract-fuzz-key-0123456789';
/** Examples per operation: a few dozen in `make test`; `make fuzz-api` asks for many more. */
const EXAMPLES = Number(process.env.FUZZ_API_EXAMPLES ?? 40);

/** Schemathesis against a running service: its document, with credentials, a fixed seed and bounded examples. */
async function schemathesis(url: string, headers: string[], examples: number) {
  const args = ['run', `${url}/openapi.json`];
  args.push('--max-examples', String(examples), '--seed', '4601', '--mode', 'all', '--workers', '1');
  for (const h of headers) args.push('--header', h);
  try {
    const { stdout } = await run(join(REPO_ROOT, 'scripts/schemathesis.sh'), args, { maxBuffer: 64 << 20 });
    return { ok: true, output: stdout };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}` };
  }
}

describe('Schemathesis against event-generator', () => {
  let topics: TestTopics;
  let generator: Awaited<ReturnType<typeof startGenerator>>;

  beforeAll(async () => {
    topics = await createTestTopics('contract-fuzz');
    generator = await startGenerator({ KAFKA_TOPIC: topics.events, PUBLISH_API_KEY: API_KEY, MAX_BULK_EVENTS: '20' });
    await waitFor(async () => (await fetch(`${generator.url}/readyz`)).status === 200, 20_000, 'readiness');
  });

  afterAll(async () => {
    await generator?.stop();
    await topics?.remove();
  });

  it('finds no server error, no undocumented status, header or body, and no accepted invalid input', async () => {
    const result = await schemathesis(generator.url, [`Authorization: Bearer ${API_KEY}`], EXAMPLES);
    console.info(result.output.split('\n').slice(-25).join('\n'));
    expect(result.ok, result.output.slice(-8_000)).toBe(true);
  }, 3_600_000);
});
