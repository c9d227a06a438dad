import { eventFields, type StoredEvent } from '../model/stored-event.js';

/** The CSV's columns, fixed whatever the events hold: the event itself is the last, as JSON. */
export const CSV_HEADER = 'time,user_id,action,event_id,json\r\n';

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a field a spreadsheet would
 * read as a formula (=, +, -, @, tab, CR first) is prefixed with ' (OWASP's CSV injection advice).
 */
export function csvField(value: unknown): string {
  let text = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(event: StoredEvent): string {
  const fields = eventFields(event);
  return `${[new Date(event.timestamp).toISOString(), fields?.user_id, fields?.action, fields?.event_id, event.json].map(csvField).join(',')}\r\n`;
}
