import { describe, expect, it } from 'vitest';
import { CSV_HEADER, csvField, csvRow } from './csv.js';

describe('the CSV export', () => {
  it('has fixed columns: time, user, action, event_id, and the event as JSON', () => {
    expect(CSV_HEADER).toBe('time,user_id,action,event_id,json\r\n');
    const json = JSON.stringify({ event_id: 'e1', user_id: 'alice', timestamp: 1_764_288_000_000, action: 'login' });
    expect(csvRow({ json, timestamp: 1_764_288_000_000 })).toBe(
      `2025-11-28T00:00:00.000Z,alice,login,e1,"${json.replaceAll('"', '""')}"\r\n`,
    );
  });

  it('quotes what would break a row, and defuses what a spreadsheet would run as a formula', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    for (const formula of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx'])
      expect(csvField(formula), formula).toBe(`'${formula}`);
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(undefined)).toBe('');
    expect(csvField(null)).toBe('');
    expect(csvField(42)).toBe('42');
  });

  it('defuses the full-width forms and a leading line feed, in every column of a row', () => {
    for (const formula of ['＝1+1', '＋1', '－1', '＠SUM(A1)', '\nx'])
      expect(csvField(formula), formula).toMatch(/^"?'/);
    const payload = { '＝k': '＠v' };
    const hostile = { event_id: '=e', user_id: '+u', action: '@a', timestamp: 0, '=key': '-value', payload };
    const cells = csvRow({ json: JSON.stringify(hostile), timestamp: 0 })
      .trimEnd()
      .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/);
    expect(cells.slice(1, 4)).toEqual(["'+u", "'@a", "'=e"]);
    // The event's JSON, keys and all, is one cell that starts with { — nothing in it starts a cell.
    expect(cells[4]).toMatch(/^"\{/);
    expect(cells).toHaveLength(5);
  });

  it('leaves the cells empty for a member that is not an event object, keeping its JSON', () => {
    expect(csvRow({ json: '[1]', timestamp: 0 })).toBe('1970-01-01T00:00:00.000Z,,,,[1]\r\n');
  });
});
