import { describe, expect, it } from 'vitest';
import { decodeJourney, encodeJourney } from './journey.js';
import { decodeStreamEntry, encodeStreamEntry, STREAM_FIELDS } from './stream-entry.js';

describe('a live-stream entry', () => {
  it('round-trips a chunk of events, each with its timestamp and journey when it has them', () => {
    const events = [
      { json: '{"n":1}', timestamp: 1, journey: '0:5:100' },
      { json: '{"n":2}', timestamp: 2 },
      { json: '{"n":3}' },
      { json: '{"e":"t"}', timestamp: 4, journey: '2:9:200' },
    ];
    const fields = encodeStreamEntry(events);
    expect(fields).toEqual([
      'e',
      '{"n":1}',
      't',
      '1',
      'k',
      '0:5:100',
      'e',
      '{"n":2}',
      't',
      '2',
      'e',
      '{"n":3}',
      'e',
      '{"e":"t"}',
      't',
      '4',
      'k',
      '2:9:200',
    ]);
    expect(decodeStreamEntry(fields)).toEqual(events);
  });

  it('reads an entry of one event as older consumers wrote it; skips fields before the first event or unknown', () => {
    expect(decodeStreamEntry(['e', '{"a":1}'])).toEqual([{ json: '{"a":1}' }]);
    expect(decodeStreamEntry(['t', '5', 'x', 'y', 'e', '{"a":1}', 'x', 'z', 't', '7'])).toEqual([
      { json: '{"a":1}', timestamp: 7 },
    ]);
    expect(decodeStreamEntry([])).toEqual([]);
    expect(STREAM_FIELDS).toEqual({ event: 'e', timestamp: 't', journey: 'k' });
  });
});

describe('a journey', () => {
  it('round-trips partition, offset (as text, 64-bit) and broker timestamp', () => {
    const parts = { partition: 2, offset: '9223372036854775806', publishedAt: 1_764_288_000_123 };
    expect(encodeJourney(parts)).toBe('2:9223372036854775806:1764288000123');
    expect(decodeJourney(encodeJourney(parts))).toEqual(parts);
  });

  it('is nothing when the field is not one', () => {
    for (const k of ['', '1:2', '1:2:3:4', 'a:1:2', '1:2:x', ' 1:2:3']) expect(decodeJourney(k), k).toBeUndefined();
  });
});
