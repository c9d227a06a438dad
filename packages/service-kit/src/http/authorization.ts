/** An `Authorization` header taken apart: its scheme in lower case, and its credentials. */
export interface Authorization {
  scheme: string;
  credentials: string;
}

/**
 * `Scheme credentials`, the scheme matched case-insensitively (RFC 9110 §11.1: `bearer` and `BASIC` are
 * Bearer and Basic) and the credentials as sent; undefined for anything else.
 */
export function parseAuthorization(header: string | undefined): Authorization | undefined {
  const match = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +(\S+)\s*$/.exec(header ?? '');
  return match ? { scheme: match[1]!.toLowerCase(), credentials: match[2]! } : undefined;
}
