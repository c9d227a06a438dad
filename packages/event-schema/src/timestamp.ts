import { type Result, reject } from './rejection.js';

// A date, or a date-time with a zone: a zoneless date-time would be read in the server's local time.
export const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):?(\d{2})))?$/;

const FORMAT = 'timestamp must be epoch milliseconds or an ISO-8601 date-time with a zone';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/**
 * An ISO-8601 date or date-time with a zone as epoch milliseconds. Every component is checked
 * against the calendar, where Date.parse would shift an impossible date (30 February → 1 March).
 */
export function parseIsoTimestamp(text: string): Result<number> {
  const match = ISO_8601.exec(text);
  if (!match) return reject('invalid_field', FORMAT, 'timestamp');
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', , sign, zh = '0', zm = '0'] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [offsetHours, offsetMinutes] = [Number(zh), Number(zm)];
  const valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  if (!valid)
    return reject('invalid_field', `timestamp ${JSON.stringify(text)} is not a date on the calendar`, 'timestamp');
  const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second, Number(fraction.padEnd(3, '0').slice(0, 3))));
  // setUTCFullYear, because Date.UTC reads the years 0–99 as 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  const offsetMs = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return { ok: true, value: date.getTime() - offsetMs };
}

/** The range of timestamps a publisher accepts, relative to its clock. */
export interface TimestampWindow {
  /** Earliest accepted timestamp, epoch ms. */
  minMs: number;
  /** How far ahead of the server's clock a timestamp may be. */
  maxFutureMs: number;
}

export const DEFAULT_TIMESTAMP_WINDOW: Readonly<TimestampWindow> = Object.freeze({
  minMs: Date.UTC(2000, 0, 1),
  maxFutureMs: 5 * 60_000,
});

/**
 * Refuses a timestamp outside the window: one event far in the future would otherwise sit at the
 * top of `event_log` for ever, and one before the window is almost always a unit mistake (seconds).
 */
export function checkTimestampWindow(timestamp: number, now: number, window: TimestampWindow): Result<number> {
  const max = now + window.maxFutureMs;
  if (timestamp >= window.minMs && timestamp <= max) return { ok: true, value: timestamp };
  return reject(
    'invalid_field',
    `timestamp ${new Date(timestamp).toISOString()} is outside the accepted window: from \
${new Date(window.minMs).toISOString()} to ${new Date(max).toISOString()} (${window.maxFutureMs / 1000} s after the \
server's clock)`,
    'timestamp',
  );
}
