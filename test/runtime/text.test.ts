// Values read from JSON become text in two ways: in templates (a list joins with commas) and as keys
// and ids (a list stays a list). Neither may turn an object into "[object Object]", which made every
// object-valued id the same key.
import { describe, expect, it } from 'vitest';
import { plainText, valueText } from '../../engine/util/text.js';

describe('text of JSON values', () => {
  it('keeps strings, numbers and booleans as String() writes them', () => {
    for (const f of [plainText, valueText]) {
      expect([f('a b'), f(42), f(false), f(null)]).toEqual(['a b', '42', 'false', 'null']);
    }
  });

  it('writes an object as its JSON, so two different objects never share a key', () => {
    expect(valueText({ a: 1 })).toBe('{"a":1}');
    expect(valueText({ a: 1 })).not.toBe(valueText({ a: 2 }));
    expect(plainText({ a: 1 })).toBe('{"a":1}');
  });

  it('keeps a list a list in a key, and joins it with commas in a template', () => {
    expect(valueText([1, 2])).toBe('[1,2]');
    expect(valueText([1, 2])).not.toBe(valueText('1,2'));
    expect(plainText([1, 2])).toBe('1,2');
  });
});
