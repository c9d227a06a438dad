import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { createLru } from '@eventstreamapp/service-kit';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

/** scrypt's cost for new hashes: about 50 ms and 16 MiB per check (OWASP's minimum is N=2^17 with r=8, p=1). */
const SCRYPT = { N: 2 ** 14, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

/** One line of VIEWER_USERS_FILE: `user:scrypt$N$r$p$<salt base64>$<hash base64>`. */
export async function hashPasswordLine(user: string, password: string): Promise<string> {
  if (!/^[^:\s]{1,64}$/.test(user)) throw new Error('a user name is 1 to 64 characters, without ":" or spaces');
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, KEY_BYTES, { ...SCRYPT, maxmem: 64 * 1024 * 1024 });
  return `${user}:scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export interface StoredPassword {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** Reads VIEWER_USERS_FILE; throws naming the line that is not `user:scrypt$…` (so the service stops at start). */
export function readUsersFile(path: string): Map<string, StoredPassword> {
  const users = new Map<string, StoredPassword>();
  for (const [i, raw] of readFileSync(path, 'utf8').split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([^:\s]{1,64}):scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match) throw new Error(`${path}:${i + 1}: not a "user:scrypt$N$r$p$salt$hash" line (make viewer-user writes them)`);
    const [, user, N, r, p, salt, hash] = match;
    users.set(user!, { N: Number(N), r: Number(r), p: Number(p), salt: Buffer.from(salt!, 'base64'), hash: Buffer.from(hash!, 'base64') });
  }
  return users;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

export interface AccessOptions {
  token?: string;
  users?: Map<string, StoredPassword>;
  /** Failed attempts one address may make per minute before it is answered 429. */
  maxFailuresPerMinute: number;
  now?: () => number;
}

export type AccessDecision = { ok: true } | { ok: false; reason: 'missing' | 'wrong' | 'too_many_failures'; retryAfterSeconds?: number };

/**
 * Who may read the viewer: a bearer token (VIEWER_TOKEN) and users with scrypt-hashed passwords
 * (VIEWER_USERS_FILE), checked in constant time. A verified Authorization header is remembered (by its
 * SHA-256) for five minutes, so a page's requests and its live feed do not each pay scrypt's cost;
 * failed attempts are counted per address, and past the limit refused before any check.
 */
export function createAccess(options: AccessOptions) {
  const now = options.now ?? Date.now;
  const tokenDigest = options.token === undefined ? undefined : digest(`Bearer ${options.token}`);
  const verified = createLru<number>(1_000);
  const failures = new Map<string, { count: number; since: number }>();

  const recentFailures = (address: string) => {
    const entry = failures.get(address);
    if (!entry || now() - entry.since >= 60_000) return undefined;
    return entry;
  };
  const fail = (address: string) => {
    const entry = recentFailures(address) ?? { count: 0, since: now() };
    entry.count++;
    failures.set(address, entry);
    // The map holds at most a minute of distinct failing addresses; old ones go as they expire.
    if (failures.size > 10_000) for (const [a, e] of failures) if (now() - e.since >= 60_000) failures.delete(a);
  };

  async function checkBasic(encoded: string): Promise<boolean> {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const stored = options.users?.get(decoded.slice(0, colon));
    // An unknown user costs the same scrypt as a known one: timing does not tell which names exist.
    const { N, r, p, salt, hash } = stored ?? { ...SCRYPT, salt: Buffer.alloc(16), hash: Buffer.alloc(KEY_BYTES) };
    const given = await scryptAsync(decoded.slice(colon + 1), salt, hash.length, { N, r, p, maxmem: 256 * 1024 * 1024 });
    return stored !== undefined && timingSafeEqual(given, hash);
  }

  return {
    enabled: tokenDigest !== undefined || (options.users?.size ?? 0) > 0,
    /** WWW-Authenticate for a 401: the schemes this viewer accepts. */
    challenge: [
      ...(options.users?.size ? ['Basic realm="EventStreamApp", charset="UTF-8"'] : []),
      ...(tokenDigest ? ['Bearer realm="EventStreamApp"'] : []),
    ].join(', '),

    async check(authorization: string | undefined, address: string): Promise<AccessDecision> {
      const failed = recentFailures(address);
      if (failed && failed.count >= options.maxFailuresPerMinute) {
        return { ok: false, reason: 'too_many_failures', retryAfterSeconds: Math.ceil((failed.since + 60_000 - now()) / 1000) };
      }
      if (!authorization) return { ok: false, reason: 'missing' };
      const key = digest(authorization).toString('base64');
      const until = verified.get(key);
      if (until !== undefined && until > now()) return { ok: true };
      let ok = false;
      if (tokenDigest && authorization.startsWith('Bearer ')) ok = timingSafeEqual(digest(authorization), tokenDigest);
      else if (options.users?.size && /^Basic [A-Za-z0-9+/=]{1,1024}$/.test(authorization)) ok = await checkBasic(authorization.slice(6));
      if (ok) {
        verified.set(key, now() + 300_000);
        return { ok: true };
      }
      fail(address);
      return { ok: false, reason: 'wrong' };
    },
  };
}

export type Access = ReturnType<typeof createAccess>;
