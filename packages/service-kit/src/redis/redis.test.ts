import { describe, expect, it } from 'vitest';
import { ServiceError } from '../process/service-error.js';
import { redisFailure } from './redis.js';

function reply(message: string): Error {
  const err = new Error(message);
  err.name = 'ReplyError';
  return err;
}

describe('redisFailure', () => {
  it('tells a full Redis (OOM) and a refused command from a lost connection, in a short message', () => {
    const full = redisFailure(reply("OOM command not allowed when used memory > 'maxmemory'."));
    expect(full).toMatchObject({ code: 'redis_full', retryable: true });
    expect(full.message).toMatch(/^Redis is full .*OOM command not allowed/);
    expect(redisFailure(reply('WRONGTYPE Operation against a key holding the wrong kind of value'))).toMatchObject({
      code: 'redis_refused',
      retryable: false,
    });
    const lost = redisFailure(new Error('Connection is closed.'));
    expect(lost).toMatchObject({ code: 'redis_unavailable', message: 'Redis is unavailable: Connection is closed.' });
  });

  it('names the command that failed inside an aborted transaction (EXECABORT), not the abort', () => {
    const exec = Object.assign(reply('EXECABORT Transaction discarded because of previous errors.'), {
      previousErrors: [reply('OOM command not allowed when used memory > maxmemory')],
    });
    expect(redisFailure(exec).message).toBe(
      'Redis is full (maxmemory reached, nothing evicted): OOM command not allowed when used memory > maxmemory',
    );
  });

  it('never carries the dumped command arguments into its message', () => {
    const err = Object.assign(
      reply(`WRONGTYPE Operation against a key holding the wrong kind of value\n${'x'.repeat(50_000)}`),
      {
        command: { name: 'evalsha', args: ['x'.repeat(50_000)] },
      },
    );
    const failure = redisFailure(err);
    expect(failure.message.length).toBeLessThan(250);
    expect(failure.cause).toBe(err);
  });

  it('passes a ServiceError through', () => {
    const err = new ServiceError('redis_not_replicated', 'no replica', { retryable: true });
    expect(redisFailure(err)).toBe(err);
  });
});
