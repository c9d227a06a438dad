import { describe, expect, it } from 'vitest';
import { checkTimestampWindow, parseIsoTimestamp } from './timestamp.js';

const ms = (text: string) => {
  const result = parseIsoTimestamp(text);
  return result.ok ? result.value : result.rejection.message;
};

describe('parseIsoTimestamp', () => {
  it('reads a date, or a date-time with a zone, with seconds and fractions when given', () => {
    expect(ms('2025-11-28')).toBe(Date.UTC(2025, 10, 28));
    expect(ms('2025-11-28T10:30Z')).toBe(Date.UTC(2025, 10, 28, 10, 30));
    expect(ms('2025-11-28T10:30:15Z')).toBe(Date.UTC(2025, 10, 28, 10, 30, 15));
    expect(ms('2025-11-28T10:30:15.5Z')).toBe(Date.UTC(2025, 10, 28, 10, 30, 15, 500));
    expect(ms('2025-11-28T10:30:15.123456789Z')).toBe(Date.UTC(2025, 10, 28, 10, 30, 15, 123));
    // Years before 100 are years, not 1900 plus them.
    expect(ms('0099-01-01')).toBe(new Date('0099-01-01T00:00:00Z').getTime());
  });

  it('applies the zone both ways, with or without its colon', () => {
    const utc = Date.UTC(2025, 10, 28, 10, 30);
    expect(ms('2025-11-28T12:30+02:00')).toBe(utc);
    expect(ms('2025-11-28T12:45+0215')).toBe(utc);
    expect(ms('2025-11-28T08:30-02:00')).toBe(utc);
    expect(ms('2025-11-28T08:15-02:15')).toBe(utc);
    expect(ms('2025-11-28T10:30+00:00')).toBe(utc);
  });

  it('knows the calendar: 29 February in leap years only (every 4th, not every 100th, every 400th)', () => {
    expect(ms('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(ms('2000-02-29')).toBe(Date.UTC(2000, 1, 29));
    for (const text of [
      '2023-02-29',
      '1900-02-29',
      '2025-04-31',
      '2025-13-01',
      '2025-00-10',
      '2025-01-00',
      '2025-01-32',
    ]) {
      expect(ms(text), text).toBe(`timestamp ${JSON.stringify(text)} is not a date on the calendar`);
    }
    expect(ms('2025-12-31')).toBe(Date.UTC(2025, 11, 31));
    expect(ms('2025-01-31')).toBe(Date.UTC(2025, 0, 31));
  });

  it('takes the last second, minute and hour of a day, and no later one; zones up to 23:59', () => {
    expect(ms('2025-11-28T23:59:59Z')).toBe(Date.UTC(2025, 10, 28, 23, 59, 59));
    expect(ms('2025-11-28T00:00+23:59')).toBe(Date.UTC(2025, 10, 28) - (23 * 60 + 59) * 60_000);
    for (const text of [
      '2025-11-28T24:00Z',
      '2025-11-28T10:60Z',
      '2025-11-28T10:30:60Z',
      '2025-11-28T10:30+24:00',
      '2025-11-28T10:30+01:60',
    ]) {
      expect(ms(text), text).toBe(`timestamp ${JSON.stringify(text)} is not a date on the calendar`);
    }
  });

  it('refuses what is not the format, a zoneless date-time included, naming the field', () => {
    for (const text of [
      '2025-11-28T10:30',
      '28/11/2025',
      ' 2025-11-28',
      '2025-11-28 ',
      'x2025-11-28',
      '2025-11-28T10Z',
      '',
    ]) {
      expect(parseIsoTimestamp(text), text).toEqual({
        ok: false,
        rejection: {
          code: 'invalid_field',
          message: 'timestamp must be epoch milliseconds or an ISO-8601 date-time with a zone',
          path: 'timestamp',
        },
      });
    }
  });
});

describe('checkTimestampWindow', () => {
  const window = { minMs: 1_000_000, maxFutureMs: 300_000 };
  it('takes both ends of the window and nothing past them, saying the window', () => {
    const now = 2_000_000;
    expect(checkTimestampWindow(1_000_000, now, window)).toEqual({ ok: true, value: 1_000_000 });
    expect(checkTimestampWindow(2_300_000, now, window)).toEqual({ ok: true, value: 2_300_000 });
    expect(checkTimestampWindow(999_999, now, window)).toMatchObject({ ok: false, rejection: { path: 'timestamp' } });
    expect(checkTimestampWindow(2_300_001, now, window)).toEqual({
      ok: false,
      rejection: {
        code: 'invalid_field',
        path: 'timestamp',
        message:
          `timestamp ${new Date(2_300_001).toISOString()} is outside the accepted window: ` +
          `from ${new Date(1_000_000).toISOString()} to ${new Date(2_300_000).toISOString()} ` +
          "(300 s after the server's clock)",
      },
    });
  });
});
