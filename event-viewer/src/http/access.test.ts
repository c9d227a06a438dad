import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccess } from './access.js';
import { hashPasswordLine, readUsersFile } from './users-file.js';

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
    expect(await access.check(basic('ada', 'correct horse'), 'a')).toMatchObject({ ok: true });
    expect(await access.check(basic('ada', 'wrong'), 'a')).toEqual({ ok: false, reason: 'wrong' });
    expect(await access.check(basic('bob', 'correct horse'), 'a')).toEqual({ ok: false, reason: 'wrong' });
    expect(await access.check(undefined, 'a')).toEqual({ ok: false, reason: 'missing' });
  });

  it('accepts the bearer token and nothing like it', async () => {
    const access = createAccess({ token: 't'.repeat(32), maxFailuresPerMinute: 10 });
    expect(await access.check(`Bearer ${'t'.repeat(32)}`, 'a')).toMatchObject({ ok: true });
    expect(await access.check(`Bearer ${'t'.repeat(31)}`, 'a')).toMatchObject({ ok: false });
    expect(await access.check(basic('t', 't'.repeat(32)), 'a')).toMatchObject({ ok: false });
    expect(access.challenge).toBe('Bearer realm="EventStreamApp"');
  });

  it('refuses an address past its failures for the rest of the minute, right credentials too; no other', async () => {
    let clock = 0;
    const access = createAccess({ token: 'k'.repeat(16), maxFailuresPerMinute: 3, now: () => clock });
    for (let i = 0; i < 3; i++)
      expect(await access.check('Bearer nope', 'attacker')).toMatchObject({ reason: 'wrong' });
    expect(await access.check(`Bearer ${'k'.repeat(16)}`, 'attacker')).toEqual({
      ok: false,
      reason: 'too_many_failures',
      retryAfterSeconds: 60,
    });
    expect(await access.check(`Bearer ${'k'.repeat(16)}`, 'someone else')).toMatchObject({ ok: true });
    clock += 60_000;
    expect(await access.check(`Bearer ${'k'.repeat(16)}`, 'attacker')).toMatchObject({ ok: true });
  });

  it('counts attempts sent together: of 60 wrong passwords at once, only the limit is checked', async () => {
    const access = createAccess({
      users: readUsersFile(await usersFile([await hashPasswordLine('ada', 'correct horse')])),
      maxFailuresPerMinute: 10,
    });
    const decisions = await Promise.all(
      Array.from({ length: 60 }, (_, i) => access.check(basic('ada', `guess-${i}`), 'attacker')),
    );
    const reasons = decisions.map((d) => (d.ok ? 'ok' : d.reason));
    expect(reasons.filter((r) => r === 'wrong')).toHaveLength(10);
    expect(reasons.filter((r) => r === 'too_many_failures')).toHaveLength(50);
    // A right password counted as an attempt in flight is given back: it does not use up the limit.
    const other = await Promise.all(
      Array.from({ length: 12 }, () => access.check(basic('ada', 'correct horse'), 'user')),
    );
    expect(other.every((d) => d.ok)).toBe(true);
  });

  it('accepts a header proven right before, even from an address past its limit (scrape beside a flood)', async () => {
    const token = 's'.repeat(20);
    const access = createAccess({ token, maxFailuresPerMinute: 2 });
    expect(await access.check(`Bearer ${token}`, 'shared')).toMatchObject({ ok: true });
    for (let i = 0; i < 2; i++) await access.check('Bearer wrong', 'shared');
    expect(await access.check('Bearer wrong', 'shared')).toMatchObject({ reason: 'too_many_failures' });
    expect(await access.check(`Bearer ${token}`, 'shared')).toMatchObject({ ok: true });
    expect(await access.check(`bearer ${token}`, 'shared')).toMatchObject({ ok: true });
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
    const decisions = await Promise.all(
      Array.from({ length: 20 }, (_, i) => access.check(basic('ada', `nope-${i}`), `address-${i}`)),
    );
    clearInterval(sampler);
    const reasons = decisions.map((d) => (d.ok ? 'ok' : d.reason));
    expect(reasons.filter((r) => r === 'wrong')).toHaveLength(6);
    expect(reasons.filter((r) => r === 'busy')).toHaveLength(14);
    expect(decisions.find((d) => !d.ok && d.reason === 'busy')).toMatchObject({ retryAfterSeconds: 1 });
    expect(most).toBe(1);
    // A busy refusal is not a failed sign-in: the address may try again at once.
    expect(await access.check(basic('ada', 'correct horse'), 'address-19')).toMatchObject({ ok: true });
  });

  it('answers busy (429), not wrong (401), to every request that shared a check refused as busy', async () => {
    const access = createAccess({
      users: readUsersFile(await usersFile([await hashPasswordLine('ada', 'correct horse')])),
      maxFailuresPerMinute: 10,
      passwordChecksInFlight: 1,
      passwordChecksWaiting: 1,
    });
    // One check running and one waiting: the line is full.
    const ahead = [access.check(basic('ada', 'nope-1'), 'a'), access.check(basic('ada', 'nope-2'), 'b')];
    // A page's requests sent together with the right header share one check, refused as busy.
    const page = await Promise.all(Array.from({ length: 3 }, () => access.check(basic('ada', 'correct horse'), 'c')));
    expect(page).toEqual(Array.from({ length: 3 }, () => ({ ok: false, reason: 'busy', retryAfterSeconds: 1 })));
    await Promise.all(ahead);
    expect(await access.check(basic('ada', 'correct horse'), 'c')).toMatchObject({ ok: true });
  });

  it('reads the scheme in any letter case (RFC 9110): bearer, BASIC', async () => {
    const access = createAccess({
      token: 'q'.repeat(16),
      users: readUsersFile(await usersFile([await hashPasswordLine('ada', 'correct horse')])),
      maxFailuresPerMinute: 10,
    });
    expect(await access.check(`bearer ${'q'.repeat(16)}`, 'a')).toMatchObject({ ok: true });
    expect(await access.check(`BEARER ${'q'.repeat(16)}`, 'a')).toMatchObject({ ok: true });
    expect(await access.check(basic('ada', 'correct horse').replace('Basic', 'BASIC'), 'a')).toMatchObject({
      ok: true,
    });
    expect(await access.check(basic('ada', 'correct horse').replace('Basic', 'basic'), 'b')).toMatchObject({
      ok: true,
    });
    expect(await access.check(`Token ${'q'.repeat(16)}`, 'c')).toMatchObject({ ok: false, reason: 'wrong' });
  });

  it('refuses a user named as the audit log names a token, in a users file and in make viewer-user', async () => {
    for (const name of ['token', 'operator-token']) {
      const line = (await hashPasswordLine('ada', 'pw')).replace(/^ada:/, `${name}:`);
      const refusal = new RegExp(`users:1: the user name "${name}" is reserved`);
      expect(() => readUsersFile(awaitedFile(line)), name).toThrow(refusal);
      await expect(hashPasswordLine(name, 'pw')).rejects.toThrow(/is reserved/);
    }
    expect(readUsersFile(awaitedFile(await hashPasswordLine('tokens', 'pw'))).has('tokens')).toBe(true);
  });

  it('names the line of a users file that is not a hashed password', async () => {
    const path = await usersFile(['ada:plaintext-password']);
    expect(() => readUsersFile(path)).toThrow(
      /users:2: not a "user:scrypt\$N\$r\$p\$salt\$hash\[:reader\|operator\]" line/,
    );
  });
});

describe('viewer roles', () => {
  it('names who signed in and their role: each user as the file says, a line without a role a reader', async () => {
    const ada = await hashPasswordLine('ada', 'pw', 'operator');
    const bob = await hashPasswordLine('bob', 'pw');
    expect(ada).toMatch(/:operator$/);
    expect(bob).toMatch(/:reader$/);
    const users = readUsersFile(
      await usersFile([ada, bob, (await hashPasswordLine('cy', 'pw')).replace(/:reader$/, '')]),
    );
    expect([...users].map(([name, stored]) => [name, stored.role])).toEqual([
      ['ada', 'operator'],
      ['bob', 'reader'],
      ['cy', 'reader'],
    ]);
    const access = createAccess({ users, maxFailuresPerMinute: 10 });
    expect(await access.check(basic('ada', 'pw'), 'a')).toEqual({
      ok: true,
      principal: { name: 'ada', role: 'operator' },
    });
    expect(await access.check(basic('bob', 'pw'), 'a')).toEqual({
      ok: true,
      principal: { name: 'bob', role: 'reader' },
    });
    // Remembered with its role, not re-derived.
    expect(await access.check(basic('ada', 'pw'), 'a')).toEqual({
      ok: true,
      principal: { name: 'ada', role: 'operator' },
    });
  });

  it('gives requests sent together with one header the same answer, principal included', async () => {
    const users = readUsersFile(await usersFile([await hashPasswordLine('ada', 'pw', 'operator')]));
    const access = createAccess({ users, maxFailuresPerMinute: 10 });
    const together = await Promise.all([access.check(basic('ada', 'pw'), 'a'), access.check(basic('ada', 'pw'), 'a')]);
    expect(together).toStrictEqual([
      { ok: true, principal: { name: 'ada', role: 'operator' } },
      { ok: true, principal: { name: 'ada', role: 'operator' } },
    ]);
    const wrong = await Promise.all([access.check(basic('ada', 'no'), 'b'), access.check(basic('ada', 'no'), 'b')]);
    expect(wrong).toStrictEqual([
      { ok: false, reason: 'wrong' },
      { ok: false, reason: 'wrong' },
    ]);
  });

  it('refuses a role that is neither reader nor operator, in the file and when writing a line', async () => {
    const line = await hashPasswordLine('ada', 'pw');
    expect(() => readUsersFile(awaitedFile(line.replace(/:reader$/, ':admin')))).toThrow(/not a "user:scrypt/);
    await expect(hashPasswordLine('ada', 'pw', 'admin' as 'reader')).rejects.toThrow(
      'a role is reader or operator, not "admin"',
    );
  });

  it('makes VIEWER_TOKEN a reader and VIEWER_OPERATOR_TOKEN an operator', async () => {
    const access = createAccess({ token: 'r'.repeat(20), operatorToken: 'o'.repeat(20), maxFailuresPerMinute: 10 });
    expect(access.enabled).toBe(true);
    expect(await access.check(`Bearer ${'r'.repeat(20)}`, 'a')).toEqual({
      ok: true,
      principal: { name: 'token', role: 'reader' },
    });
    expect(await access.check(`Bearer ${'o'.repeat(20)}`, 'a')).toEqual({
      ok: true,
      principal: { name: 'operator-token', role: 'operator' },
    });
    expect(await access.check(`Bearer ${'x'.repeat(20)}`, 'a')).toEqual({ ok: false, reason: 'wrong' });
    const operatorOnly = createAccess({ operatorToken: 'o'.repeat(20), maxFailuresPerMinute: 10 });
    expect(operatorOnly.enabled).toBe(true);
    expect(operatorOnly.challenge).toBe('Bearer realm="EventStreamApp"');
  });
});

describe('viewer access, at its edges', () => {
  const token = 't'.repeat(20);

  it('makes user lines only for names of 1 to 64 characters without ":" or spaces', async () => {
    expect(await hashPasswordLine('a'.repeat(64), 'p')).toMatch(
      /^a{64}:scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:reader$/,
    );
    for (const name of ['', 'a'.repeat(65), 'a:b', 'a b', ' a', 'a ']) {
      await expect(hashPasswordLine(name, 'p'), JSON.stringify(name)).rejects.toThrow(
        'a user name is 1 to 64 characters, without ":" or spaces',
      );
    }
  });

  it('reads a users file line by line: trimmed, comments and blank lines skipped, each line whole', async () => {
    const line = await hashPasswordLine('ada', 'pw');
    const users = readUsersFile(await usersFile([`   ${line}   `, '', '   # a comment']));
    expect([...users.keys()]).toEqual(['ada']);
    expect(users.get('ada')).toMatchObject({ N: 16384, r: 8, p: 1 });
    for (const broken of [
      line.replace('ada:', ':'),
      `${line} trailing`,
      `prefix ${line}`,
      line.replace('$8$', '$x$'),
    ]) {
      expect(() => readUsersFile(awaitedFile(broken)), broken.slice(0, 30)).toThrow(
        /not a "user:scrypt\$N\$r\$p\$salt\$hash/,
      );
    }
  });

  it('is on with a token or at least one user, else off; its challenge names each scheme it takes', async () => {
    expect(createAccess({ maxFailuresPerMinute: 1 }).enabled).toBe(false);
    expect(createAccess({ users: new Map(), maxFailuresPerMinute: 1 }).enabled).toBe(false);
    const users = readUsersFile(await usersFile([await hashPasswordLine('ada', 'pw')]));
    expect(createAccess({ users, maxFailuresPerMinute: 1 }).enabled).toBe(true);
    expect(createAccess({ token, users, maxFailuresPerMinute: 1 }).challenge).toBe(
      'Basic realm="EventStreamApp", charset="UTF-8", Bearer realm="EventStreamApp"',
    );
  });

  it('counts an address’s failures for exactly a minute from the first, and says how long is left', async () => {
    let clock = 0;
    const access = createAccess({ token, maxFailuresPerMinute: 2, now: () => clock });
    await access.check('Bearer a', 'x');
    clock = 1_000;
    await access.check('Bearer b', 'x');
    clock = 10_000;
    expect(await access.check('Bearer c', 'x')).toEqual({
      ok: false,
      reason: 'too_many_failures',
      retryAfterSeconds: 50,
    });
    clock = 59_999;
    expect(await access.check('Bearer c', 'x')).toMatchObject({ reason: 'too_many_failures', retryAfterSeconds: 1 });
    clock = 60_000;
    expect(await access.check('Bearer c', 'x')).toEqual({ ok: false, reason: 'wrong' });
  });

  it('remembers a verified header for five minutes, not longer', async () => {
    let clock = 0;
    const access = createAccess({ token, maxFailuresPerMinute: 1, now: () => clock });
    expect(await access.check(`Bearer ${token}`, 'x')).toMatchObject({ ok: true });
    clock = 299_000;
    await access.check('Bearer wrong', 'x');
    clock = 299_999;
    expect(await access.check(`Bearer ${token}`, 'x')).toMatchObject({ ok: true });
    clock = 300_000;
    expect(await access.check(`Bearer ${token}`, 'x')).toMatchObject({ reason: 'too_many_failures' });
  });

  it('gives back the failure it counted for an attempt that turned out right', async () => {
    const users = readUsersFile(
      await usersFile([await hashPasswordLine('ada', 'pw'), await hashPasswordLine('bob', 'pw')]),
    );
    const access = createAccess({ users, maxFailuresPerMinute: 2 });
    expect(await access.check(basic('ada', 'nope'), 'x')).toEqual({ ok: false, reason: 'wrong' });
    expect(await access.check(basic('ada', 'pw'), 'x')).toMatchObject({ ok: true });
    expect(await access.check(basic('bob', 'pw'), 'x')).toMatchObject({ ok: true });
    expect(await access.check(basic('ada', 'nope2'), 'x')).toEqual({ ok: false, reason: 'wrong' });
    expect(await access.check(basic('ada', 'nope3'), 'x')).toMatchObject({ reason: 'too_many_failures' });
  });

  it('checks one password at a time by default', async () => {
    const access = createAccess({
      users: readUsersFile(await usersFile([await hashPasswordLine('ada', 'pw')])),
      maxFailuresPerMinute: 10,
    });
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, access.passwordChecksRunning);
    }, 1);
    await Promise.all(Array.from({ length: 6 }, (_, i) => access.check(basic('ada', `x${i}`), `a${i}`)));
    clearInterval(sampler);
    expect(most).toBe(1);
  });

  it('forgets failing addresses whose minute is over once it counts more than 10,000', async () => {
    let clock = 0;
    const access = createAccess({ token, maxFailuresPerMinute: 5, now: () => clock });
    for (let i = 0; i <= 10_000; i++) await access.check('Bearer no', `address-${i}`);
    expect(access.failingAddresses).toBe(10_001);
    clock = 59_999;
    await access.check('Bearer no', 'one-more');
    expect(access.failingAddresses).toBe(10_002);
    clock = 60_000;
    await access.check('Bearer no', 'after-the-minute');
    expect(access.failingAddresses).toBe(2);
  });

  it('takes Basic only as base64 of user:password, and a bearer token only as a bearer token', async () => {
    const users = readUsersFile(await usersFile([await hashPasswordLine('ada', 'pw')]));
    const both = createAccess({ token, users, maxFailuresPerMinute: 100 });
    expect(await both.check(`Basic ${Buffer.from('ada-pw').toString('base64')}`, 'x')).toEqual({
      ok: false,
      reason: 'wrong',
    });
    expect(await both.check(`Basic ${Buffer.from('ada:pw').toString('base64')}!`, 'x')).toEqual({
      ok: false,
      reason: 'wrong',
    });
    expect(await both.check(`Basic !${Buffer.from('ada:pw').toString('base64')}`, 'x')).toEqual({
      ok: false,
      reason: 'wrong',
    });
    expect(await both.check(`Bearer ${Buffer.from('ada:pw').toString('base64')}`, 'x')).toEqual({
      ok: false,
      reason: 'wrong',
    });
    expect(await both.check(`Basic ${token}`, 'x')).toEqual({ ok: false, reason: 'wrong' });
    const usersOnly = createAccess({ users, maxFailuresPerMinute: 100 });
    expect(await usersOnly.check(`Bearer ${token}`, 'x')).toEqual({ ok: false, reason: 'wrong' });
    const tokenOnly = createAccess({ token, maxFailuresPerMinute: 100 });
    expect(await tokenOnly.check(basic('ada', 'pw'), 'x')).toEqual({ ok: false, reason: 'wrong' });
  });
});

function awaitedFile(line: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'viewer-users-')), 'users');
  writeFileSync(path, `${line}\n`);
  return path;
}
