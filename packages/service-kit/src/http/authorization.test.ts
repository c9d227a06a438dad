import { describe, expect, it } from 'vitest';
import { parseAuthorization } from './authorization.js';

describe('parseAuthorization', () => {
  it('reads the scheme in any letter case and keeps the credentials as sent', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR'])
      expect(parseAuthorization(`${scheme} AbC=`)).toEqual({ scheme: 'bearer', credentials: 'AbC=' });
    expect(parseAuthorization('Basic   YTpi  ')).toEqual({ scheme: 'basic', credentials: 'YTpi' });
  });

  it('refuses a header without credentials, with two of them, or with a scheme that is not a token', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Bearer a b',
      ' Bearer a',
      'Be arer a',
      '1Bearer a',
      'Bea(rer a',
    ])
      expect(parseAuthorization(header), String(header)).toBeUndefined();
  });
});
