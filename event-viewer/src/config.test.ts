import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { hashPasswordLine } from './http/users-file.js';

describe('event-viewer configuration', () => {
  it('reads a Redis Cluster’s nodes, and refuses them beside Sentinels', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000' }).REDIS_CLUSTER_NODES).toEqual(['127.0.0.1:7000']);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_SENTINELS: '127.0.0.1:26379' })).toThrow(
      /REDIS_CLUSTER_NODES.*not both/,
    );
  });

  it('refuses a default limit above the maximum, which every rel="next" link would then carry', () => {
    expect(() => loadConfig({ DEFAULT_LIMIT: '200', MAX_LIMIT: '100' })).toThrow(
      /DEFAULT_LIMIT="200": must not exceed MAX_LIMIT \(100\)/,
    );
    expect(loadConfig({ DEFAULT_LIMIT: '100', MAX_LIMIT: '100' }).DEFAULT_LIMIT).toBe(100);
  });

  it('judges lag over 2 minutes unless told, at least three samples and at most an hour (kept per partition)', () => {
    expect(loadConfig({}).LAG_WINDOW).toBe(120_000);
    expect(loadConfig({ STATUS_SAMPLE_MS: '500', LAG_WINDOW: '1000ms' }).LAG_WINDOW).toBe(1_000);
    expect(() => loadConfig({ STATUS_SAMPLE_MS: '500', LAG_WINDOW: '999ms' })).toThrow(
      /LAG_WINDOW.*must hold at least 3 samples/,
    );
    expect(loadConfig({ LAG_WINDOW: '1h' }).LAG_WINDOW).toBe(3_600_000);
    expect(() => loadConfig({ LAG_WINDOW: '61m' })).toThrow(/LAG_WINDOW.*at most/);
  });

  it('bounds a search answer at 500 ms and an export at 100,000 events unless told', () => {
    expect(loadConfig({})).toMatchObject({ FILTER_MAX_MS: 500, EXPORT_MAX_EVENTS: 100_000, FILTER_SCAN_MAX: 10_000 });
    expect(() => loadConfig({ FILTER_MAX_MS: '9' })).toThrow(/FILTER_MAX_MS/);
    expect(() => loadConfig({ EXPORT_MAX_EVENTS: '0' })).toThrow(/EXPORT_MAX_EVENTS/);
  });

  it('keeps the audit log 90 days unless told, and judges replays by the consumer’s record limits', () => {
    expect(loadConfig({})).toMatchObject({
      AUDIT_RETENTION: 90 * 86_400_000,
      MAX_EVENT_BYTES: 64 * 1024,
      TIMESTAMP_MAX_FUTURE_MS: 300_000,
    });
    expect(loadConfig({ AUDIT_RETENTION: '1d', MAX_EVENT_BYTES: '4096' })).toMatchObject({
      AUDIT_RETENTION: 86_400_000,
      MAX_EVENT_BYTES: 4096,
    });
  });

  it('takes an operator token only apart from the reader’s, and of 16 characters or more', () => {
    expect(
      loadConfig({ VIEWER_TOKEN: 'r'.repeat(16), VIEWER_OPERATOR_TOKEN: 'o'.repeat(16) }).VIEWER_OPERATOR_TOKEN,
    ).toBe('o'.repeat(16));
    expect(() => loadConfig({ VIEWER_TOKEN: 's'.repeat(16), VIEWER_OPERATOR_TOKEN: 's'.repeat(16) })).toThrow(
      /VIEWER_OPERATOR_TOKEN.*must differ from VIEWER_TOKEN/,
    );
    expect(() => loadConfig({ VIEWER_OPERATOR_TOKEN: 'short' })).toThrow(/VIEWER_OPERATOR_TOKEN.*at least 16/);
  });
});

describe('TRUST_PROXY', () => {
  it('trusts no proxy by default, and takes a hop count or proxy addresses', () => {
    expect(loadConfig({}).TRUST_PROXY).toBeUndefined();
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toBe('loopback, 10.0.0.0/8');
  });

  it('refuses an address express cannot read, and trusting every hop', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'not-an-address' })).toThrow(
      /TRUST_PROXY="not-an-address": must be a hop count/,
    );
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY="true".*any client choose its address/);
  });

  it('stops at start-up on a users file with a user named as a bearer token, naming the line', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'viewer-config-')), 'users');
    const reserved = (await hashPasswordLine('x', 'pw', 'operator')).replace(/^x:/, 'operator-token:');
    writeFileSync(path, `${await hashPasswordLine('ada', 'pw')}\n${reserved}\n`);
    expect(() => loadConfig({ VIEWER_USERS_FILE: path })).toThrow(
      /VIEWER_USERS_FILE.*users:2: the user name "operator-token" is reserved/s,
    );
  });
});
