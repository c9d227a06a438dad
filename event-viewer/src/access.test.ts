import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccess, hashPasswordLine, readUsersFile } from './access.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function usersFile(lines: string[]): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'viewer-users-')), 'users');
  writeFileSync(path, `# viewer users\n${lines.join('\n')}\n`);
  return path;
}

describe('viewer access', () => {
  it('accepts a user of the file with the right password and refuses a wrong one or an unknown user', async () => {
    const access = createAccess({
      users: readUsersFile(await usersFile([await hashPasswordLine('ada', 'correct horse')])),
      maxFailuresPerMinute: 10,
    });
    expect(access.enabled).toBe(true);
    expect(access.challenge).toBe('Basic realm="EventStreamApp", charset="UTF-8"');
    expect(await access.check(basic('ada', 'correct horse'), 'a')).toEqual({ ok: true });
    expect(await access.check(basic('ada', 'wrong'), 'a')).toEqual({ ok: false, reason: 'wrong' });
    expect(await access.check(basic('bob', 'correct horse'), 'a')).toEqual({ ok: false, reason: 'wrong' });
    expect(await access.check(undefined, 'a')).toEqual({ ok: false, reason: 'missing' });
  });

  it('accepts the bearer token and nothing like it', async () => {
    const access = createAccess({ token: 't'.repeat(32), maxFailuresPerMinute: 10 });
    expect(await access.check(`Bearer ${'t'.repeat(32)}`, 'a')).toEqual({ ok: true });
    expect(await access.check(`Bearer ${'t'.repeat(31)}`, 'a')).toMatchObject({ ok: false });
    expect(await access.check(basic('t', 't'.repeat(32)), 'a')).toMatchObject({ ok: false });
    expect(access.challenge).toBe('Bearer realm="EventStreamApp"');
  });

  it('refuses an address past its failed attempts for the rest of the minute, right credentials included, and no other', async () => {
    let clock = 0;
    const access = createAccess({ token: 'k'.repeat(16), maxFailuresPerMinute: 3, now: () => clock });
    for (let i = 0; i < 3; i++) expect(await access.check('Bearer nope', 'attacker')).toMatchObject({ reason: 'wrong' });
    expect(await access.check(`Bearer ${'k'.repeat(16)}`, 'attacker')).toEqual({
      ok: false,
      reason: 'too_many_failures',
      retryAfterSeconds: 60,
    });
    expect(await access.check(`Bearer ${'k'.repeat(16)}`, 'someone else')).toEqual({ ok: true });
    clock += 60_000;
    expect(await access.check(`Bearer ${'k'.repeat(16)}`, 'attacker')).toEqual({ ok: true });
  });

  it('names the line of a users file that is not a hashed password', async () => {
    const path = await usersFile(['ada:plaintext-password']);
    expect(() => readUsersFile(path)).toThrow(/users:2: not a "user:scrypt\$N\$r\$p\$salt\$hash" line/);
  });
});
