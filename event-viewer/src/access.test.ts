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

  it('counts attempts sent together: of 60 wrong passwords at once from one address, only the limit is checked', async () => {
    const access = createAccess({
      users: readUsersFile(await usersFile([await hashPasswordLine('ada', 'correct horse')])),
      maxFailuresPerMinute: 10,
    });
    const decisions = await Promise.all(Array.from({ length: 60 }, (_, i) => access.check(basic('ada', `guess-${i}`), 'attacker')));
    const reasons = decisions.map((d) => (d.ok ? 'ok' : d.reason));
    expect(reasons.filter((r) => r === 'wrong')).toHaveLength(10);
    expect(reasons.filter((r) => r === 'too_many_failures')).toHaveLength(50);
    // A right password counted as an attempt in flight is given back: it does not use up the limit.
    const other = await Promise.all(Array.from({ length: 12 }, () => access.check(basic('ada', 'correct horse'), 'user')));
    expect(other.every((d) => d.ok)).toBe(true);
  });

  it('accepts a header proven right before, even from an address past its limit (a scrape beside a flood)', async () => {
    const token = 's'.repeat(20);
    const access = createAccess({ token, maxFailuresPerMinute: 2 });
    expect(await access.check(`Bearer ${token}`, 'shared')).toEqual({ ok: true });
    for (let i = 0; i < 2; i++) await access.check('Bearer wrong', 'shared');
    expect(await access.check('Bearer wrong', 'shared')).toMatchObject({ reason: 'too_many_failures' });
    expect(await access.check(`Bearer ${token}`, 'shared')).toEqual({ ok: true });
    expect(await access.check(`bearer ${token}`, 'shared')).toEqual({ ok: true });
  });

  it('checks one password at a time and refuses, as busy, those beyond the waiting line', async () => {
    const access = createAccess({
      users: readUsersFile(await usersFile([await hashPasswordLine('ada', 'correct horse')])),
      maxFailuresPerMinute: 10,
      passwordChecksInFlight: 1,
      passwordChecksWaiting: 5,
    });
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, access.passwordChecksRunning);
    }, 1);
    const decisions = await Promise.all(Array.from({ length: 20 }, (_, i) => access.check(basic('ada', `nope-${i}`), `address-${i}`)));
    clearInterval(sampler);
    const reasons = decisions.map((d) => (d.ok ? 'ok' : d.reason));
    expect(reasons.filter((r) => r === 'wrong')).toHaveLength(6);
    expect(reasons.filter((r) => r === 'busy')).toHaveLength(14);
    expect(decisions.find((d) => !d.ok && d.reason === 'busy')).toMatchObject({ retryAfterSeconds: 1 });
    expect(most).toBe(1);
    // A busy refusal is not a failed sign-in: the address may try again at once.
    expect(await access.check(basic('ada', 'correct horse'), 'address-19')).toEqual({ ok: true });
  });

  it('reads the scheme in any letter case (RFC 9110): bearer, BASIC', async () => {
    const access = createAccess({
      token: 'q'.repeat(16),
      users: readUsersFile(await usersFile([await hashPasswordLine('ada', 'correct horse')])),
      maxFailuresPerMinute: 10,
    });
    expect(await access.check(`bearer ${'q'.repeat(16)}`, 'a')).toEqual({ ok: true });
    expect(await access.check(`BEARER ${'q'.repeat(16)}`, 'a')).toEqual({ ok: true });
    expect(await access.check(basic('ada', 'correct horse').replace('Basic', 'BASIC'), 'a')).toEqual({ ok: true });
    expect(await access.check(basic('ada', 'correct horse').replace('Basic', 'basic'), 'b')).toEqual({ ok: true });
    expect(await access.check(`Token ${'q'.repeat(16)}`, 'c')).toMatchObject({ ok: false, reason: 'wrong' });
  });

  it('names the line of a users file that is not a hashed password', async () => {
    const path = await usersFile(['ada:plaintext-password']);
    expect(() => readUsersFile(path)).toThrow(/users:2: not a "user:scrypt\$N\$r\$p\$salt\$hash" line/);
  });
});
