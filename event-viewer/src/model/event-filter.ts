import { userIdSchema } from '@eventstreamapp/event-schema';
import { textParam } from '../http/query-params.js';
import { eventFields, type StoredEvent } from './stored-event.js';

/** Which events a reader asked for: the pages, the live feed and the live page all take the same two fields. */
export interface EventFilter {
  userId?: string;
  action?: string;
}

const MAX_ACTION_LENGTH = 200;

/** `user_id` and `action` of a query string; a value that could never match an event is a 400, not an empty page. */
export function parseFilter(query: Record<string, unknown>): EventFilter {
  const userId = textParam('user_id', query.user_id, (v) => {
    const parsed = userIdSchema.safeParse(v);
    return parsed.success ? undefined : parsed.error.issues[0]?.message;
  });
  const action = textParam('action', query.action, (v) =>
    v.length > MAX_ACTION_LENGTH || !v.isWellFormed() ? `must be at most ${MAX_ACTION_LENGTH} characters of text` : undefined,
  );
  return { ...(userId === undefined ? {} : { userId }), ...(action === undefined ? {} : { action }) };
}

export function isFiltered(filter: EventFilter): boolean {
  return filter.userId !== undefined || filter.action !== undefined;
}

export function matchesFilter(event: StoredEvent, filter: EventFilter): boolean {
  if (!isFiltered(filter)) return true;
  const fields = eventFields(event);
  return (
    fields !== undefined &&
    (filter.userId === undefined || fields.user_id === filter.userId) &&
    (filter.action === undefined || fields.action === filter.action)
  );
}
