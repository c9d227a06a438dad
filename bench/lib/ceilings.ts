import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { REPO_ROOT } from './paths.js';
import { freePort } from './stack.js';

export interface CeilingServer {
  url: string;
  pid: number;
  stop(): void;
}

/**
 * A tiny server in its own process, answering every request with the same status, headers and bytes
 * (a Buffer, encoded once): what the framework alone costs, measured beside the real service in the
 * same run.
 */
export async function startCeilingServer(
  kind: 'node:http' | 'express',
  answer: { status: number; contentType: string; body: string; headers?: Record<string, string> },
): Promise<CeilingServer> {
  const port = await freePort();
  const headers = JSON.stringify({ ...answer.headers, 'content-type': answer.contentType });
  const reply = `res.writeHead(${answer.status}, ${headers}); res.end(BODY);`;
  const source =
    kind === 'node:http'
      ? `const BODY = Buffer.from(${JSON.stringify(answer.body)});
         require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => { ${reply} }); })
           .listen(${port}, '127.0.0.1', () => console.log('ready'));`
      : `const BODY = Buffer.from(${JSON.stringify(answer.body)});
         const express = require('express');
         const app = express();
         app.disable('x-powered-by');
         app.set('etag', false);
         app.use(express.raw({ type: () => true, limit: '1mb' }));
         app.all('/{*path}', (req, res) => { res.status(${answer.status}).set(${headers}).send(BODY); });
         app.listen(${port}, '127.0.0.1', () => console.log('ready'));`;
  const child = spawn(process.execPath, ['-e', source], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => child.kill() };
}
