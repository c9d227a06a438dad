import { type EventRecord, normalizeEvent } from '@eventstreamapp/event-schema';

export const ACTIONS = [
  'page_view',
  'search',
  'add_to_cart',
  'remove_from_cart',
  'checkout',
  'login',
  'logout',
] as const;
const PAGES = ['/', '/catalog', '/item', '/cart', '/account'];

function pick<T>(list: readonly T[], random: () => number): T {
  return list[Math.floor(random() * list.length)]!;
}

/** One realistic event, made by the same schema package as every other publisher. */
export function makeEvent(userPoolSize: number, random: () => number = Math.random): EventRecord {
  const action = pick(ACTIONS, random);
  const payload: Record<string, unknown> = { page: pick(PAGES, random) };
  if (action === 'search') payload.query = pick(['shoes', 'lamp', 'kafka book', 'tea'], random);
  if (action === 'add_to_cart' || action === 'remove_from_cart') payload.item_id = `item-${Math.floor(random() * 500)}`;
  if (action === 'checkout') payload.amount_cents = Math.floor(random() * 20_000) + 100;
  const result = normalizeEvent({
    user_id: `user-${Math.floor(random() * userPoolSize) + 1}`,
    action,
    source: 'automatic-generator',
    payload,
  });
  if (!result.ok) throw new Error(`generated an invalid event: ${result.rejection.message}`);
  return result.value;
}
