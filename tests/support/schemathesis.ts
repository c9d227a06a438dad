import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';

const run = promisify(execFile);

/** Examples per operation: a few dozen in `make test`; `make fuzz-api` asks for many more. */
export const FUZZ_EXAMPLES = Number(process.env.FUZZ_API_EXAMPLES ?? 40);
/** `make fuzz-api`: each service fuzzed for this long, fuzzing repeated until it is spent. */
const FUZZ_SECONDS = process.env.FUZZ_API_SECONDS;

/**
 * Schemathesis (scripts/schemathesis.sh: the pinned version, tools/schemathesis/schemathesis.toml's checks) against
 * a running service's /openapi.json, with the given headers, a fixed seed and `examples` per operation.
 */
export async function schemathesis(url: string, headers: string[], examples = FUZZ_EXAMPLES) {
  const args = ['run', `${url}/openapi.json`];
  args.push('--max-examples', String(examples), '--seed', '4601', '--mode', 'all', '--workers', '1');
  for (const h of headers) args.push('--header', h);
  if (FUZZ_SECONDS) args.push('--max-time', FUZZ_SECONDS);
  // More options for a run by hand (`FUZZ_API_ARGS="--include-path /events"`).
  if (process.env.FUZZ_API_ARGS) args.push(...process.env.FUZZ_API_ARGS.split(' ').filter(Boolean));
  try {
    const { stdout } = await run(join(REPO_ROOT, 'scripts/schemathesis.sh'), args, { maxBuffer: 64 << 20 });
    return { ok: true, output: stdout };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}` };
  }
}
