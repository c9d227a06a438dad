// make viewer-user NAME=name ROLE=reader|operator: appends `name:scrypt$…:role` to VIEWER_USERS_FILE (default
// .local/viewer-users), the password read from VIEWER_PASSWORD or, without it, from the first line of standard input.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { hashPasswordLine } from '../event-viewer/dist/http/users-file.js';

const user = process.argv[2] ?? '';
const file = process.argv[3] ?? '.local/viewer-users';
const role = process.argv[4] ?? 'reader';
let password = process.env.VIEWER_PASSWORD;
if (password === undefined) {
  process.stderr.write(`password for ${user}: `);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  password = Buffer.concat(chunks).toString('utf8').split('\n')[0] ?? '';
}
if (password.length < 12) {
  process.stderr.write('viewer-user: a password of at least 12 characters is required\n');
  process.exit(2);
}
try {
  const line = await hashPasswordLine(user, password, role as 'reader' | 'operator');
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${line}\n`, { mode: 0o600 });
  process.stderr.write(
    `viewer-user: ${user} (${role}) added to ${file}; start the viewer with VIEWER_USERS_FILE=${file}\n`,
  );
} catch (err) {
  process.stderr.write(`viewer-user: ${(err as Error).message}\n`);
  process.exit(2);
}
