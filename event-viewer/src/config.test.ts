import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('event-viewer configuration', () => {
  it('refuses a default limit above the maximum, which every rel="next" link would then carry', () => {
    expect(() => loadConfig({ DEFAULT_LIMIT: '200', MAX_LIMIT: '100' })).toThrow(/DEFAULT_LIMIT="200": must not exceed MAX_LIMIT \(100\)/);
    expect(loadConfig({ DEFAULT_LIMIT: '100', MAX_LIMIT: '100' }).DEFAULT_LIMIT).toBe(100);
  });
});
