import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: object,
) => Promise<Buffer>;

/** scrypt's cost for new hashes: about 50 ms and 16 MiB per check (OWASP's minimum is N=2^17 with r=8, p=1). */
const SCRYPT = { N: 2 ** 14, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

/** What a user may do: a reader reads every page; an operator also replays dead letters and reads /audit. */
export type Role = 'reader' | 'operator';
const ROLES: readonly Role[] = ['reader', 'operator'];

/**
 * The names the audit log gives the bearer tokens (VIEWER_TOKEN, VIEWER_OPERATOR_TOKEN): no user may take
 * one, or the log could not tell that user from the token.
 */
export const TOKEN_PRINCIPALS = { reader: 'token', operator: 'operator-token' } as const;
const RESERVED_NAMES: readonly string[] = Object.values(TOKEN_PRINCIPALS);

/** One line of VIEWER_USERS_FILE: `user:scrypt$N$r$p$<salt base64>$<hash base64>:role`. */
export async function hashPasswordLine(user: string, password: string, role: Role = 'reader'): Promise<string> {
  if (!/^[^:\s]{1,64}$/.test(user)) throw new Error('a user name is 1 to 64 characters, without ":" or spaces');
  if (RESERVED_NAMES.includes(user)) throw new Error(reservedMessage(user));
  if (!ROLES.includes(role)) throw new Error(`a role is ${ROLES.join(' or ')}, not ${JSON.stringify(role)}`);
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, KEY_BYTES, { ...SCRYPT, maxmem: 64 * 1024 * 1024 });
  const scrypt = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
  return `${user}:${scrypt}:${role}`;
}

export interface StoredPassword {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
  role: Role;
}

/**
 * Reads VIEWER_USERS_FILE; throws naming the line that is not `user:scrypt$…` (so the service stops at
 * start). A line without a role (written before roles were) is a reader's.
 */
export function readUsersFile(path: string): Map<string, StoredPassword> {
  const users = new Map<string, StoredPassword>();
  for (const [i, raw] of readFileSync(path, 'utf8').split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match =
      /^([^:\s]{1,64}):scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)(?::(reader|operator))?$/.exec(
        line,
      );
    if (!match)
      throw new Error(
        `${path}:${i + 1}: not a "user:scrypt$N$r$p$salt$hash[:reader|operator]" line (make viewer-user writes them)`,
      );
    const [, user, N, r, p, salt, hash, role] = match;
    if (RESERVED_NAMES.includes(user!)) throw new Error(`${path}:${i + 1}: ${reservedMessage(user!)}`);
    users.set(user!, {
      N: Number(N),
      r: Number(r),
      p: Number(p),
      salt: Buffer.from(salt!, 'base64'),
      hash: Buffer.from(hash!, 'base64'),
      role: (role as Role | undefined) ?? 'reader',
    });
  }
  return users;
}

const reservedMessage = (user: string) =>
  `the user name "${user}" is reserved: the audit log names the bearer tokens ${RESERVED_NAMES.join(' and ')}`;

/**
 * Whether `password` is the stored one; an unknown user (undefined) costs the same scrypt, so timing does not tell
 * which names exist.
 */
export async function verifyPassword(stored: StoredPassword | undefined, password: string): Promise<boolean> {
  const { N, r, p, salt, hash } = stored ?? {
    ...SCRYPT,
    salt: Buffer.alloc(16),
    hash: Buffer.alloc(KEY_BYTES),
    role: 'reader',
  };
  const given = await scryptAsync(password, salt, hash.length, { N, r, p, maxmem: 256 * 1024 * 1024 });
  return stored !== undefined && timingSafeEqual(given, hash);
}
