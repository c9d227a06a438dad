import { parseEventRecord } from '@eventstreamapp/event-schema';
import { describe, expect, it } from 'vitest';
import { ACTIONS, makeEvent } from './make-event.js';

describe('makeEvent', () => {
  it('makes schema-valid events from the user pool and the action list', () => {
    const users = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const { event, json } = makeEvent(3);
      expect(parseEventRecord(Buffer.from(json)).ok).toBe(true);
      expect(event.source).toBe('automatic-generator');
      expect(ACTIONS).toContain(event.action);
      users.add(event.user_id);
    }
    expect([...users].sort()).toEqual(['user-1', 'user-2', 'user-3']);
  });
});
