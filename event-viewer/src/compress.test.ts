import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { chooseEncoding } from './compress.js';

const withHeader = (value: string | undefined) => ({ headers: value === undefined ? {} : { 'accept-encoding': value } }) as Request;

describe('chooseEncoding', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['identity', undefined],
    ['deflate', undefined],
    ['br', 'br'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip;q=1, br;q=0.5', 'gzip'],
    ['GZIP;Q=0.9, br;q=0.8', 'gzip'],
    ['br;q=0, gzip;q=0', undefined],
    ['br;q=0, gzip', 'gzip'],
    ['*', 'br'],
    ['*;q=0.5, br;q=0.1', 'gzip'],
    ['gzip;q=nonsense', undefined],
  ] as const)('Accept-Encoding %j → %s', (header, expected) => {
    expect(chooseEncoding(withHeader(header))).toBe(expected);
    // The second answer comes from memory: the same.
    expect(chooseEncoding(withHeader(header))).toBe(expected);
  });
});
