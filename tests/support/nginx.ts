import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './wait.js';

export interface Nginx {
  /** Where browsers reach it: http://127.0.0.1:<port>. */
  origin: string;
  stop(): Promise<void>;
}

/**
 * Debian's nginx as a reverse proxy on loopback in front of `upstream`, with `directives` added to its one
 * location (none: nginx's defaults, which send the upstream's name as Host). One process (no master), its
 * files in a folder of its own; `port` when the test had to know it before the upstream started.
 */
export async function startNginx(upstream: string, directives = '', port?: number): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'eventstreamapp-nginx-'));
  const listen = port ?? (await freePort());
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `${kind}_temp_path ${dir}/${kind};`)
    .join(' ');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off; master_process off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events {}
http {
  access_log off; ${temp}
  server { listen 127.0.0.1:${listen}; location / { proxy_pass ${upstream}; ${directives} } }
}
`,
  );
  const nginx = process.env.NGINX ?? '/usr/sbin/nginx';
  const child: ChildProcess = spawn(nginx, ['-p', dir, '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const origin = `http://127.0.0.1:${listen}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}: ${stderr.trim()}`);
        return fetch(`${origin}/healthz`).then(
          () => true,
          () => false,
        );
      },
      10_000,
      `nginx on ${origin}`,
    );
  } catch (err) {
    child.kill('SIGKILL');
    const log = readFileSync(join(dir, 'error.log'), 'utf8');
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  return {
    origin,
    async stop() {
      child.kill('SIGQUIT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
