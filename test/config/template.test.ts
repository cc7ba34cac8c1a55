// {name} templates: rendering, optional rendering, and the variables a template names.
import { describe, expect, it } from 'vitest';
import { MissingVariableError, render, renderMap, renderOptional, variablesIn } from '../../engine/util/template.js';

describe('render', () => {
  it('fills every placeholder, repeated ones too', () => {
    expect(render('/v1/{tenant}/customers/{id}?t={tenant}', { tenant: 'acme', id: 42 })).toBe(
      '/v1/acme/customers/42?t=acme',
    );
  });

  it('renders an object value as its JSON, not [object Object] (every object would render the same)', () => {
    expect(render('/x/{id}', { id: { a: 1 } })).toBe('/x/{"a":1}');
    expect(render('{n}-{s}', { n: 7, s: 'x' })).toBe('7-x');
  });

  it('renders falsy values that are set: 0 and false', () => {
    expect(render('{n}/{b}', { n: 0, b: false })).toBe('0/false');
  });

  it('reads dotted names as a flat key first, then as a path into objects', () => {
    expect(render('size={page.size}', { 'page.size': 50 })).toBe('size=50');
    expect(render('size={page.size}', { page: { size: 25 } })).toBe('size=25');
    expect(render('size={page.size}', { 'page.size': 50, page: { size: 25 } })).toBe('size=50');
  });

  it('throws MissingVariableError naming the variable and the template when a value is missing', () => {
    const t = '/orgs/{org}/users/{user}';
    expect(() => render(t, { org: 'a' })).toThrow(MissingVariableError);
    expect(() => render(t, { org: 'a' })).toThrow('template "/orgs/{org}/users/{user}" needs {user}, which is not set');
    try {
      render(t, { org: 'a' });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ variable: 'user', template: t });
    }
  });

  it('treats null and a missing dotted segment as not set', () => {
    expect(() => render('{a}', { a: null })).toThrow('needs {a}');
    expect(() => render('{page.size}', { page: {} })).toThrow('needs {page.size}');
    expect(() => render('{page.size}', { page: 'x' })).toThrow('needs {page.size}');
  });

  // An empty fragment is a value: QuickBooks' {where} is empty before the first cursor exists.
  it('renders an empty string value as empty, while renderOptional leaves it out', () => {
    expect(render('SELECT * FROM Customer{where} MAXRESULTS 10', { where: '' })).toBe(
      'SELECT * FROM Customer MAXRESULTS 10',
    );
    expect(renderOptional('{company}', { company: '' })).toBeUndefined();
  });

  // Regression (was a bug): lookup uses `name in vars`, which is true for Object.prototype members, so an unset
  // {constructor} or {toString} renders the text of a native function instead of failing as unset.
  it('does not take inherited Object members for values', () => {
    expect(() => render('{constructor}', {})).toThrow(MissingVariableError);
  });

  it('turns {{ and }} into literal braces and does not read what they enclose', () => {
    expect(render('{{"id": {id}}}', { id: 7 })).toBe('{"id": 7}');
    expect(render('{{name}}', {})).toBe('{name}');
    expect(render('{{{name}}}', { name: 'x' })).toBe('{x}');
  });

  it('leaves braces that are not placeholders alone', () => {
    expect(render('{ name } {1x} {} }', {})).toBe('{ name } {1x} {} }');
  });

  it('encodes values but not the template text', () => {
    expect(render('/search?q={q}&x=a b', { q: 'a b/c' }, encodeURIComponent)).toBe('/search?q=a%20b%2Fc&x=a b');
  });
});

describe('renderOptional and renderMap', () => {
  it('renderOptional returns undefined when a value is missing, the text otherwise', () => {
    expect(renderOptional('{company_id}', {})).toBeUndefined();
    expect(renderOptional('{company_id}', { company_id: '' })).toBeUndefined();
    expect(renderOptional('Bearer {token}', { token: 't' })).toBe('Bearer t');
    expect(renderOptional('fixed', {})).toBe('fixed');
  });

  it('renderOptional does not swallow other errors', () => {
    expect(() =>
      renderOptional('{a}', { a: 'x' }, () => {
        throw new Error('encode failed');
      }),
    ).toThrow('encode failed');
  });

  it('renderMap leaves out entries whose template names an unset variable', () => {
    expect(
      renderMap(
        { Accept: 'application/json', 'ipp-company-id': '{company_id}', Authorization: 'Bearer {token}' },
        { token: 't' },
      ),
    ).toEqual({
      Accept: 'application/json',
      Authorization: 'Bearer t',
    });
    expect(renderMap(undefined, {})).toEqual({});
  });
});

describe('variablesIn', () => {
  it('lists each placeholder with the index of its opening brace', () => {
    // "https://" is 8 chars -> {subdomain} at 8 (11 chars), ".zendesk.com/" 19-31 -> {page.size} at 32, "/" 43 -> 44
    const t = 'https://{subdomain}.zendesk.com/{page.size}/{subdomain}';
    expect(variablesIn(t)).toEqual([
      { name: 'subdomain', index: 8 },
      { name: 'page.size', index: 32 },
      { name: 'subdomain', index: 44 },
    ]);
    for (const v of variablesIn(t)) expect(t.slice(v.index, v.index + v.name.length + 2)).toBe(`{${v.name}}`);
  });

  it('skips {{ and }} escapes and what they enclose', () => {
    expect(variablesIn('{{not}} {yes} {{ {also} }}')).toEqual([
      { name: 'yes', index: 8 },
      { name: 'also', index: 17 },
    ]);
  });

  it('finds nothing in text without placeholders', () => {
    expect(variablesIn('plain /path?x=1 { spaced } {9}')).toEqual([]);
  });
});
