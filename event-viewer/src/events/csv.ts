import { eventFields, type StoredEvent } from '../model/stored-event.js';

/** The CSV's columns, fixed whatever the events hold: the event itself is the last, as JSON. */
export const CSV_HEADER = 'time,user_id,action,event_id,json\r\n';

/**
 * What a spreadsheet may read as the start of a formula (OWASP's CSV injection list: = + - @ tab CR, and
 * LF), with their full-width forms (＝ ＋ － ＠), which some spreadsheets fold to the ASCII ones.
 */
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a field that starts like a
 * formula is prefixed with ' so that it is shown as text.
 */
export function csvField(value: unknown): string {
  let text = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(event: StoredEvent): string {
  const fields = eventFields(event);
  return `${[new Date(event.timestamp).toISOString(), fields?.user_id, fields?.action, fields?.event_id, event.json]
    .map(csvField)
    .join(',')}\r\n`;
}
