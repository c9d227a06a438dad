import { type EventRecord, normalizeEvent } from '@eventstreamapp/event-schema';

/** A ~300-byte event like the automatic generator's, as a client would POST it. */
export function clientEvent(i: number, users = 1_000): Record<string, unknown> {
  return {
    user_id: `user-${i % users}`,
    action: 'add_to_cart',
    source: 'bench',
    payload: {
      page: '/catalog/kitchen/item',
      item_id: `item-${i % 5_000}`,
      quantity: 1 + (i % 3),
      price_cents: 1999,
      currency: 'EUR',
      referrer: 'https://shop.example/search?q=kettle',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64) bench',
      tags: ['bench', 'load'],
      seq: i,
    },
  };
}

export function storedEvent(i: number, base = Date.now()): EventRecord {
  const result = normalizeEvent({ ...clientEvent(i), timestamp: base + i });
  if (!result.ok) throw new Error(result.rejection.message);
  return result.value;
}
