import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isAlive, terminate } from '../../scripts/launcher/process-state.ts';
import { REPO_ROOT } from '../support/paths.js';

// "stopped" is a promise that the process is gone: a `make up` right after must not meet its ports or its
// data directory's lock. After SIGKILL a process can still exist for a while — the kernel gives a JVM's
// gigabytes back after the signal, and a task in uninterruptible sleep takes it only when it wakes — and
// `make down` once returned with a broker alive. Here the process is held past SIGKILL on purpose: frozen
// by the cgroup v1 freezer, which keeps even SIGKILL waiting until the cgroup is thawed (this machine kind
// has it; without it, a process holding 1 GiB, which dies slowly, stands in).

const FREEZER = '/sys/fs/cgroup/freezer';

interface Victim {
  pid: number;
  dir: string;
  pidFile: string;
  /** Releases the process (thaws its cgroup) so that the SIGKILL already sent takes effect. */
  release(): void;
}

async function victim(): Promise<Victim> {
  const dir = mkdtempSync(join(tmpdir(), 'stop-scripts-'));
  const frozen = existsSync(join(FREEZER, 'cgroup.procs')) && process.getuid?.() === 0;
  const held = frozen ? 1 : 2 ** 30;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-e',
      `process.on('SIGTERM', () => {}); const held = Buffer.alloc(${held}, 1); ` +
        "console.log('ready', held.length); setInterval(() => {}, 1000);",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().startsWith('ready') && resolve());
    child.on('error', reject);
  });
  const pid = child.pid!;
  const pidFile = join(dir, 'kafka.pid');
  writeFileSync(pidFile, String(pid));
  let release = () => {};
  if (frozen) {
    const cgroup = join(FREEZER, `eventstreamapp-stop-test-${pid}`);
    mkdirSync(cgroup);
    writeFileSync(join(cgroup, 'cgroup.procs'), String(pid));
    writeFileSync(join(cgroup, 'freezer.state'), 'FROZEN');
    release = () => writeFileSync(join(cgroup, 'freezer.state'), 'THAWED');
    onTestFinished(async () => {
      release();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      rmdirSync(cgroup);
    });
  }
  onTestFinished(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  return { pid, dir, pidFile, release };
}

/** Runs a stop, releases the victim once the stop has had time to send SIGKILL; says what the stop reported before. */
async function stopAcrossRelease(
  v: Victim,
  stop: () => Promise<string>,
): Promise<{ beforeRelease: string | 'pending'; output: string }> {
  let settled: string | undefined;
  const running = stop().then((output) => {
    settled = output;
    return output;
  });
  await new Promise((r) => setTimeout(r, 2_500));
  const beforeRelease = settled ?? 'pending';
  v.release();
  return { beforeRelease, output: await running };
}

function bash(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`bash ${args.join(' ')} exited ${code}: ${output}`)),
    );
  });
}

describe('a stop that says stopped only once the process is gone, SIGKILL included', { timeout: 60_000 }, () => {
  it("infra/lib.sh's stop_pid (Kafka, Redis, Sentinels, Prometheus), past its grace period", async () => {
    const v = await victim();
    const { beforeRelease, output } = await stopAcrossRelease(v, () =>
      bash(['-c', `source infra/lib.sh; stop_pid "${v.pidFile}" victim 1`]),
    );
    expect(beforeRelease).toBe('pending');
    expect(output).toMatch(/victim: still running after 1s, killing\nvictim: stopped/);
    expect(isAlive(v.pid)).toBe(false);
  });

  it('infra/kafka/kafka.sh kill (a broker killed on purpose)', async () => {
    const v = await victim();
    const { beforeRelease } = await stopAcrossRelease(v, () =>
      bash(['infra/kafka/kafka.sh', 'kill'], { ...process.env, KAFKA_STATE_DIR: v.dir }),
    );
    expect(beforeRelease).toBe('pending');
    expect(isAlive(v.pid)).toBe(false);
  });

  it("the launcher's terminate (make down of the local services)", async () => {
    const v = await victim();
    const { beforeRelease } = await stopAcrossRelease(v, async () =>
      String(await terminate(v.pid, () => isAlive(v.pid), 500)),
    );
    expect(beforeRelease).toBe('pending');
    expect(isAlive(v.pid)).toBe(false);
  });
});
