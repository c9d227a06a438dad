import { userIdSchema } from '@eventstreamapp/event-schema';
import { createLru } from '@eventstreamapp/service-kit';
import { z } from 'zod';
import { parseInput, textUpTo } from '../http/inputs.js';
import { type Condition, containsText, meetsCondition, parseCondition } from './search.js';
import { eventFields, type StoredEvent } from './stored-event.js';

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

const whereSchema = textUpTo(MAX_WHERE_LENGTH).superRefine((v, ctx) => {
  const parsed = parseCondition(v);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

/** One field a reader may filter events by: its name in the filter, in query strings and on the form. */
interface FilterField {
  key: 'userId' | 'action' | 'text' | 'where';
  /** The query parameter (and form input) it is read from. */
  param: string;
  /** The form's label and its input's type and hint. */
  label: string;
  type?: 'search';
  placeholder?: string;
  /** The values that could match an event; another is a 400 naming `param`. */
  schema: z.ZodType<string, string>;
  matches: (fields: Record<string, unknown>, value: string) => boolean;
}

/**
 * The filter's fields, declared once: parsing, links, matching (pages, search, export, the live feed) and
 * the filter form all come from this list.
 */
export const FILTER_FIELDS: readonly FilterField[] = [
  {
    key: 'userId',
    param: 'user_id',
    label: 'user_id',
    schema: userIdSchema,
    matches: (fields, v) => fields.user_id === v,
  },
  {
    key: 'action',
    param: 'action',
    label: 'action',
    schema: textUpTo(MAX_ACTION_LENGTH),
    matches: (fields, v) => fields.action === v,
  },
  {
    key: 'text',
    param: 'q',
    label: 'text',
    type: 'search',
    schema: textUpTo(MAX_TEXT_LENGTH),
    matches: (fields, v) => containsText(fields, v.toLowerCase()),
  },
  {
    key: 'where',
    param: 'where',
    label: 'where',
    placeholder: 'payload.item_id=item-220',
    schema: whereSchema,
    matches: (fields, v) => meetsCondition(fields, conditionOf(v)),
  },
];

/** Which events a reader asked for: the pages, the live feed and the live page all take the same fields. */
export type EventFilter = { [K in FilterField['key']]?: string };

/** The filter's query parameters: one optional text each, as FILTER_FIELDS declares them. */
export const filterQuerySchema = z.object(
  Object.fromEntries(FILTER_FIELDS.map((f) => [f.param, f.schema.optional()])) as Record<
    string,
    z.ZodOptional<z.ZodType<string, string>>
  >,
);

/** The filter of a query string; a value that could never match an event is a 400 naming its parameter. */
export function parseFilter(query: Record<string, unknown>): EventFilter {
  return filterFromParams(parseInput(filterQuerySchema, query));
}

/** The filter of parsed parameters (named as in query strings). */
export function filterFromParams(params: Record<string, string | undefined>): EventFilter {
  const filter: EventFilter = {};
  for (const { key, param } of FILTER_FIELDS) if (params[param] !== undefined) filter[key] = params[param];
  return filter;
}

/** Only the filter's own fields of something that carries more (a page query): nothing else, no undefined. */
export function filterOf(carrier: EventFilter): EventFilter {
  const filter: EventFilter = {};
  for (const { key } of FILTER_FIELDS) if (carrier[key] !== undefined) filter[key] = carrier[key];
  return filter;
}

/** The filter as query parameters, as parseFilter reads them back: for the links that keep it. */
export function filterParams(filter: EventFilter): URLSearchParams {
  const params = new URLSearchParams();
  for (const { key, param } of FILTER_FIELDS) if (filter[key] !== undefined) params.set(param, filter[key]);
  return params;
}

export function isFiltered(filter: EventFilter): boolean {
  return FILTER_FIELDS.some(({ key }) => filter[key] !== undefined);
}

export function matchesFilter(event: StoredEvent, filter: EventFilter): boolean {
  if (!isFiltered(filter)) return true;
  const fields = eventFields(event);
  return (
    fields !== undefined &&
    FILTER_FIELDS.every(({ key, matches }) => filter[key] === undefined || matches(fields, filter[key]))
  );
}
