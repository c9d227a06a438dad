import { userIdSchema } from '@eventstreamapp/event-schema';
import { createLru } from '@eventstreamapp/service-kit';
import { textParam } from '../http/query-params.js';
import { type Condition, containsText, meetsCondition, parseCondition } from './search.js';
import { eventFields, type StoredEvent } from './stored-event.js';

/** Which events a reader asked for: the pages, the live feed and the live page all take the same fields. */
export interface EventFilter {
  userId?: string;
  action?: string;
  /** `q`: text any value of the event contains, in any letter case. */
  text?: string;
  /** `where`: one condition on a field of the event, as written (search.ts). */
  where?: string;
}

const MAX_ACTION_LENGTH = 200;
const MAX_TEXT_LENGTH = 200;
const MAX_WHERE_LENGTH = 300;

// A page tests one condition against thousands of events: parsed once per distinct text.
const conditions = createLru<Condition>(256);
function conditionOf(where: string): Condition {
  let condition = conditions.get(where);
  if (condition === undefined) {
    const parsed = parseCondition(where);
    if (typeof parsed === 'string') throw new Error(parsed);
    condition = parsed;
    conditions.set(where, condition);
  }
  return condition;
}

/** `user_id` and `action` of a query string; a value that could never match an event is a 400, not an empty page. */
export function parseFilter(query: Record<string, unknown>): EventFilter {
  const userId = textParam('user_id', query.user_id, (v) => {
    const parsed = userIdSchema.safeParse(v);
    return parsed.success ? undefined : parsed.error.issues[0]?.message;
  });
  const action = textParam('action', query.action, (v) =>
    v.length > MAX_ACTION_LENGTH || !v.isWellFormed() ? `must be at most ${MAX_ACTION_LENGTH} characters of text` : undefined,
  );
  const text = textParam('q', query.q, (v) =>
    v.length > MAX_TEXT_LENGTH || !v.isWellFormed() ? `must be at most ${MAX_TEXT_LENGTH} characters of text` : undefined,
  );
  const where = textParam('where', query.where, (v) => {
    if (v.length > MAX_WHERE_LENGTH || !v.isWellFormed()) return `must be at most ${MAX_WHERE_LENGTH} characters of text`;
    const parsed = parseCondition(v);
    return typeof parsed === 'string' ? parsed : undefined;
  });
  return {
    ...(userId === undefined ? {} : { userId }),
    ...(action === undefined ? {} : { action }),
    ...(text === undefined ? {} : { text }),
    ...(where === undefined ? {} : { where }),
  };
}

/** The filter as query parameters, as parseFilter reads them back: for the links that keep it. */
export function filterParams(filter: EventFilter): URLSearchParams {
  const params = new URLSearchParams();
  if (filter.userId !== undefined) params.set('user_id', filter.userId);
  if (filter.action !== undefined) params.set('action', filter.action);
  if (filter.text !== undefined) params.set('q', filter.text);
  if (filter.where !== undefined) params.set('where', filter.where);
  return params;
}

export function isFiltered(filter: EventFilter): boolean {
  return filter.userId !== undefined || filter.action !== undefined || filter.text !== undefined || filter.where !== undefined;
}

export function matchesFilter(event: StoredEvent, filter: EventFilter): boolean {
  if (!isFiltered(filter)) return true;
  const fields = eventFields(event);
  return (
    fields !== undefined &&
    (filter.userId === undefined || fields.user_id === filter.userId) &&
    (filter.action === undefined || fields.action === filter.action) &&
    (filter.text === undefined || containsText(fields, filter.text.toLowerCase())) &&
    (filter.where === undefined || meetsCondition(fields, conditionOf(filter.where)))
  );
}
