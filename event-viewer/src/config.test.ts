import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('event-viewer configuration', () => {
  it('refuses a default limit above the maximum, which every rel="next" link would then carry', () => {
    expect(() => loadConfig({ DEFAULT_LIMIT: '200', MAX_LIMIT: '100' })).toThrow(/DEFAULT_LIMIT="200": must not exceed MAX_LIMIT \(100\)/);
    expect(loadConfig({ DEFAULT_LIMIT: '100', MAX_LIMIT: '100' }).DEFAULT_LIMIT).toBe(100);
  });
});

describe('TRUST_PROXY', () => {
  it('trusts no proxy by default, and takes a hop count or proxy addresses', () => {
    expect(loadConfig({}).TRUST_PROXY).toBeUndefined();
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toBe('loopback, 10.0.0.0/8');
  });

  it('refuses an address express cannot read, and trusting every hop', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'not-an-address' })).toThrow(/TRUST_PROXY="not-an-address": must be a hop count/);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY="true".*any client choose its address/);
  });
});
