import { describe, expect, it } from 'vitest';
import { createThrottle } from './throttle.js';

describe('createThrottle', () => {
  it('lets one line per key through per interval and counts the ones held back', () => {
    let now = 0;
    const pass = createThrottle(1_000, () => now);
    expect(pass('a')).toEqual({ pass: true, suppressed: 0 });
    expect(pass('a').pass).toBe(false);
    expect(pass('a').pass).toBe(false);
    expect(pass('b').pass).toBe(true);
    now = 1_000;
    expect(pass('a')).toEqual({ pass: true, suppressed: 2 });
  });
});
