import { createHash, timingSafeEqual } from 'node:crypto';
import { createLru, parseAuthorization } from '@eventstreamapp/service-kit';
import { createReadLimiter } from './read-limiter.js';
import { type Role, type StoredPassword, TOKEN_PRINCIPALS, verifyPassword } from './users-file.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Who made a request, as the audit log names them: a user of VIEWER_USERS_FILE, or `token` / `operator-token`. */
export interface Principal {
  name: string;
  role: Role;
}

export interface AccessOptions {
  /** VIEWER_TOKEN: a reader. */
  token?: string;
  /** VIEWER_OPERATOR_TOKEN: an operator. */
  operatorToken?: string;
  users?: Map<string, StoredPassword>;
  /** Failed attempts one address may make per minute before it is answered 429. */
  maxFailuresPerMinute: number;
  /**
   * Password checks running at once. scrypt runs on libuv's thread pool (4 threads), which compression
   * and file reads share: one at a time leaves the others to the pages of those already signed in.
   */
  passwordChecksInFlight?: number;
  /** Password checks that may wait for their turn; more are refused at once ('busy'), not queued. */
  passwordChecksWaiting?: number;
  now?: () => number;
}

export type AccessDecision =
  | { ok: true; principal: Principal }
  | { ok: false; reason: 'missing' | 'wrong' | 'too_many_failures' | 'busy'; retryAfterSeconds?: number };

/** Failed sign-ins counted per address over a minute, in `failures` (which the caller reports the size of). */
function failureCounter(failures: Map<string, { count: number; since: number }>, now: () => number) {
  const recentFailures = (address: string) => {
    const entry = failures.get(address);
    if (!entry || now() - entry.since >= 60_000) return undefined;
    return entry;
  };
  /**
   * Counts an attempt as failed before it is checked, in the same turn of the event loop as the check of
   * the limit: attempts sent together cannot all pass the limit while their checks are still running.
   * Returns the refund for an attempt that turns out right (or was never checked).
   */
  const reserveFailure = (address: string) => {
    const entry = recentFailures(address) ?? { count: 0, since: now() };
    entry.count++;
    failures.set(address, entry);
    // The map holds at most a minute of distinct failing addresses; old ones go as they expire.
    if (failures.size > 10_000) for (const [a, e] of failures) if (now() - e.since >= 60_000) failures.delete(a);
    return () => {
      entry.count--;
    };
  };
  return { recentFailures, reserveFailure };
}

/** HTTP Basic credentials checked against the users file (scrypt: the slow part, run in limited numbers). */
async function checkBasic(users: AccessOptions['users'], encoded: string): Promise<Principal | undefined> {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const name = decoded.slice(0, colon);
  const stored = users?.get(name);
  return (await verifyPassword(stored, decoded.slice(colon + 1))) && stored ? { name, role: stored.role } : undefined;
}

/**
 * Who may read the viewer: a bearer token (VIEWER_TOKEN) and users with scrypt-hashed passwords
 * (VIEWER_USERS_FILE), checked in constant time. A verified Authorization header is remembered (by its
 * SHA-256) for five minutes, so a page's requests and its live feed do not each pay scrypt's cost;
 * failed attempts are counted per address, and past the limit refused before any check.
 */
export function createAccess(options: AccessOptions) {
  const now = options.now ?? Date.now;
  const bearer = (token: string | undefined, role: Role) => {
    const principal = { name: TOKEN_PRINCIPALS[role], role };
    return token === undefined ? [] : [{ digest: digest(`bearer ${token}`), principal }];
  };
  const tokens = [...bearer(options.token, 'reader'), ...bearer(options.operatorToken, 'operator')];
  const verified = createLru<{ until: number; principal: Principal }>(1_000);
  const failures = new Map<string, { count: number; since: number }>();
  const passwordChecks = createReadLimiter(options.passwordChecksInFlight ?? 1, options.passwordChecksWaiting ?? 64);
  const checking = new Map<string, Promise<Principal | undefined | 'busy'>>();

  const { recentFailures, reserveFailure } = failureCounter(failures, now);

  /** Every token compared (each in constant time), so the time taken does not tell which one was close. */
  const checkBearer = (key: Buffer): Principal | undefined => {
    let found: Principal | undefined;
    for (const token of tokens) if (timingSafeEqual(key, token.digest)) found = token.principal;
    return found;
  };

  return {
    enabled: tokens.length > 0 || (options.users?.size ?? 0) > 0,
    /** Addresses whose failures are counted now: at most those of the last minute, beyond 10,000. */
    get failingAddresses(): number {
      return failures.size;
    },
    /** Password checks running now: at most passwordChecksInFlight. */
    get passwordChecksRunning(): number {
      return passwordChecks.inFlight;
    },
    /** WWW-Authenticate for a 401: the schemes this viewer accepts. */
    challenge: [
      ...(options.users?.size ? ['Basic realm="EventStreamApp", charset="UTF-8"'] : []),
      ...(tokens.length > 0 ? ['Bearer realm="EventStreamApp"'] : []),
    ].join(', '),

    async check(authorization: string | undefined, address: string): Promise<AccessDecision> {
      const parsed = parseAuthorization(authorization);
      const key = parsed && digest(`${parsed.scheme} ${parsed.credentials}`);
      // A header proven right within five minutes costs nothing to accept again, even from an address past
      // its limit: Prometheus, or a signed-in page, beside someone guessing from the same address.
      const known = key && verified.get(key.toString('base64'));
      if (known && known.until > now()) return { ok: true, principal: known.principal };
      const failed = recentFailures(address);
      if (failed && failed.count >= options.maxFailuresPerMinute) {
        return {
          ok: false,
          reason: 'too_many_failures',
          retryAfterSeconds: Math.ceil((failed.since + 60_000 - now()) / 1000),
        };
      }
      if (!authorization) return { ok: false, reason: 'missing' };
      // Requests sent together with one header (a page's assets, its live feed) share one check.
      const same = key && checking.get(key.toString('base64'));
      if (same) {
        const principal = await same;
        // A check refused as busy said nothing about these credentials: 429 for every request that shared it.
        if (principal === 'busy') return { ok: false, reason: 'busy', retryAfterSeconds: 1 };
        return principal ? { ok: true, principal } : { ok: false, reason: 'wrong' };
      }
      const refund = reserveFailure(address);
      let ok: Principal | undefined | 'busy';
      if (tokens.length > 0 && key && parsed?.scheme === 'bearer') ok = checkBearer(key);
      else if (
        key &&
        options.users?.size &&
        parsed?.scheme === 'basic' &&
        /^[A-Za-z0-9+/=]{1,1024}$/.test(parsed.credentials)
      ) {
        const check = passwordChecks.run(() => checkBasic(options.users, parsed.credentials));
        checking.set(key.toString('base64'), check);
        ok = await check.finally(() => checking.delete(key.toString('base64')));
      }
      if (ok === 'busy') {
        refund();
        return { ok: false, reason: 'busy', retryAfterSeconds: 1 };
      }
      if (ok && key) {
        refund();
        verified.set(key.toString('base64'), { until: now() + 300_000, principal: ok });
        return { ok: true, principal: ok };
      }
      return { ok: false, reason: 'wrong' };
    },
  };
}

export type Access = ReturnType<typeof createAccess>;
