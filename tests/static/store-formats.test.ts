import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';

// One owner for every stored format (ARCHITECTURE.md, "Contracts"): the Redis keys, the live stream's fields, journeys,
// dead-letter headers and the id buckets are spelled in packages/event-schema/src/store and nowhere
// else in the code that writes or reads them — services, packages, the bench and the scripts. Tests
// may spell them on purpose: an independent reader is what checks the owner.

const OWNER = 'packages/event-schema/src/store/';
const ROOTS = [
  'packages',
  'event-generator',
  'automatic-generator',
  'event-consumer',
  'event-viewer',
  'bench',
  'scripts',
];

function codeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (['node_modules', 'dist', 'test', 'results'].includes(name)) return [];
    if (statSync(path).isDirectory()) return codeFiles(path);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

/** A key, channel or header name as a string literal (or a template's end), not in a comment or a sentence. */
const KEY_NAMES = [
  'event_log',
  'event_stream',
  'event_ids',
  'event_claims',
  'events:stored',
  'event:',
  'dlq-reason',
  'dlq-message',
  'dlq-original-(?:topic|partition|offset)',
];
const KEY_LITERAL = new RegExp(`(['"\`]|\\})(${KEY_NAMES.join('|')})['"\`]`);
/** A live-stream field name: a one-letter string literal e, t or k (in TypeScript or in Lua inside it). */
const FIELD_LITERAL = /(^|[^\w.$])['"](e|t|k)['"]/;

/** The code on a line: nothing for a comment line, and the line before a trailing comment otherwise. */
function code(line: string): string {
  const trimmed = line.trim();
  if (/^(\*|\/\*|\/\/|--)/.test(trimmed)) return '';
  return line.replace(/\s\/\/\s.*$/, '').replace(/\s--\s.*$/, '');
}

function spellings(pattern: RegExp, path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((line, i) => (pattern.test(code(line)) ? [`${relative(REPO_ROOT, path)}:${i + 1}: ${line.trim()}`] : []));
}

describe('every stored format has one owner (packages/event-schema/src/store)', () => {
  const files = ROOTS.flatMap((root) => codeFiles(join(REPO_ROOT, root))).filter(
    (path) => !relative(REPO_ROOT, path).startsWith(OWNER),
  );

  it('reads the code it means to', () => {
    const names = files.map((f) => relative(REPO_ROOT, f));
    expect(names).toEqual(
      expect.arrayContaining([
        'event-consumer/src/store-script.ts',
        'event-viewer/src/model/stream-entry.ts',
        'scripts/chaos/dump.ts',
      ]),
    );
    expect(names.some((n) => n.startsWith(OWNER))).toBe(false);
  });

  it('no key, channel or dead-letter header is spelled outside it', () => {
    expect(files.flatMap((path) => spellings(KEY_LITERAL, path))).toEqual([]);
  });

  it('no live-stream field is spelled outside it', () => {
    expect(files.flatMap((path) => spellings(FIELD_LITERAL, path))).toEqual([]);
  });

  it('would catch them: the patterns match what they are for', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the sample is a line of source holding a template literal
    expect(KEY_LITERAL.test('const meta = `${keyPrefix}event_claims`;')).toBe(true);
    expect(KEY_LITERAL.test("redis.zrange('event_log', 0, -1)")).toBe(true);
    expect(KEY_LITERAL.test(code('/** One page of `event_log`, read when a slot is free. */'))).toBe(false);
    expect(KEY_LITERAL.test(code(' * `event_log` holds ids by time'))).toBe(false);
    expect(KEY_LITERAL.test(code("redis.del('event_log'); // clears `event_log`"))).toBe(true);
    expect(FIELD_LITERAL.test("    fields[#fields + 1] = 'e'")).toBe(true);
    expect(FIELD_LITERAL.test("if (name === 'k') {")).toBe(true);
    expect(FIELD_LITERAL.test("const name = 'key';")).toBe(false);
  });
});
