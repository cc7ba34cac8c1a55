// Issue 10 item 12 (JSONata part) and item 22 (lint): what fails every record at run time, or
// makes an error rule never match, or lets any webhook through, is a lint ERROR at its file, line
// and column.
import jsonata from 'jsonata';
import { afterEach, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../engine/config/diagnostic.js';
import { checkJsonata, JSONATA_BUILTINS, signatureArity } from '../../engine/config/jsonata-check.js';
import { lint } from '../../engine/config/lint.js';
import { MAPPING_FUNCTION_NAMES } from '../../engine/map/functions.js';
import { lines, relativeTo, removeTempProjects, tempProject } from './helpers.js';

afterEach(removeTempProjects);

const inMapping = (expr: string) =>
  checkJsonata(expr, MAPPING_FUNCTION_NAMES).map(({ index, message, severity }) => ({ index, message, severity }));
const inConnector = (expr: string) =>
  checkJsonata(expr, []).map(({ index, message, severity }) => ({ index, message, severity }));

describe('checkJsonata', () => {
  it('makes an unknown function an error, with a did-you-mean', () => {
    expect(inMapping('$daysOverdu(due)')).toEqual([
      { index: 0, severity: 'error', message: 'unknown function $daysOverdu; did you mean $daysOverdue?' },
    ]);
  });

  it('makes a wrong argument count for one of our functions an error at its $', () => {
    expect(inMapping('( $open := open; $aging($open) )')).toEqual([
      {
        index: 17,
        severity: 'error',
        message: '$aging takes 3 arguments ($aging(list, dueField, amountField)), got 1',
      },
    ]);
    expect(inMapping('$daysOverdue()')).toEqual([
      { index: 0, severity: 'error', message: '$daysOverdue takes 1 argument ($daysOverdue(due)), got 0' },
    ]);
    expect(inMapping('$coalesce()')[0].message).toBe(
      '$coalesce takes at least 1 argument ($coalesce(values...)), got 0',
    );
    // Mappings get our $now, which takes no picture.
    expect(inMapping('$now("[Y]")')[0].message).toBe('$now takes 0 arguments ($now()), got 1');
  });

  it('makes a wrong argument count for a JSONata built-in an error', () => {
    expect(inMapping('$round(balance, 2, 3)')).toEqual([
      { index: 0, severity: 'error', message: '$round takes 0 to 2 arguments, got 3' },
    ]);
    expect(inMapping('$substringBefore()')[0].message).toBe('$substringBefore takes 1 to 2 arguments, got 0');
    expect(inMapping('$map(lines)')[0].message).toBe('$map takes 2 arguments, got 1');
    expect(inConnector('$now("[Y]", "+0100")')).toEqual([]);
  });

  it('counts the left side of ~> as the first argument', () => {
    expect(inMapping('status ~> $uppercase()')).toEqual([]);
    expect(inMapping('open ~> $aging("due", "balance")')).toEqual([]);
    expect(inMapping('open ~> $aging("due")')[0].message).toBe(
      '$aging takes 3 arguments ($aging(list, dueField, amountField)), got 2',
    );
  });

  it('leaves calls of functions the expression defines, and partial applications, alone', () => {
    expect(inMapping('( $f := function($a, $b) { $a + $b }; $f(1) )')).toEqual([]);
    expect(inMapping('$map(lines, function($v, $i) { $v })')).toEqual([]);
    expect(inMapping('( $p := $substring(?, 1); $p(name) )')).toEqual([]);
    expect(inMapping('( $aging := function($x) { $x }; $aging(1) )')).toEqual([]);
  });

  it('knows that connector expressions cannot call the mapping functions', () => {
    expect(inConnector("$aging(errors, 'a', 'b')")).toEqual([
      {
        index: 0,
        severity: 'error',
        message: 'unknown function $aging; $aging is a mapping function, which connector expressions cannot call',
      },
    ]);
  });

  it('declares every JSONata built-in with the signature the library itself uses', async () => {
    for (const [name, sig] of Object.entries(JSONATA_BUILTINS)) {
      const f = (await jsonata(`$${name}`).evaluate({})) as { signature?: { definition?: string } } | undefined;
      expect(f?.signature?.definition, name).toBe(sig);
    }
  });

  it('reads argument counts from signatures: optional, contextual, repeated, subtyped', () => {
    expect(signatureArity('<a<n>:n>')).toEqual({ min: 1, max: 1 });
    expect(signatureArity('<s-nn?:s>')).toEqual({ min: 1, max: 3 });
    expect(signatureArity('<s-f<s:o>n?:a<o>>')).toEqual({ min: 1, max: 3 });
    expect(signatureArity('<s-(sf)(sf)n?:s>')).toEqual({ min: 2, max: 4 });
    expect(signatureArity('<a+>')).toEqual({ min: 1, max: Infinity });
    expect(signatureArity('<:n>')).toEqual({ min: 0, max: 0 });
    expect(signatureArity('<x-b?:s>')).toEqual({ min: 0, max: 2 });
  });

  it('agrees with JSONata at run time: a count lint refuses is refused by JSONata too', async () => {
    const calls = ['$round(1, 2, 3)', '$substringBefore()', '$map([1])', '$sum()', '$join()', '$random(1)'];
    for (const c of calls) {
      expect(inConnector(c), c).toHaveLength(1);
      await expect(jsonata(c).evaluate(undefined), c).rejects.toBeTruthy();
    }
  });
});

function d(file: string, line: number, col: number, message: string, path: string): Diagnostic {
  return { file, line, col, severity: 'error', message, path };
}

const CONNECTOR = 'connectors/acme.yaml';
const MAPPING = 'mappings/ar/mapping.yaml';
const lintProject = (files: Record<string, string>) => {
  const root = tempProject(files);
  return relativeTo(root, lint(root));
};
const mapping = (...flow: string[]) =>
  lines(
    'name: ar',
    'source: { connector: visma }',
    'target: { connector: zendesk }',
    'flows:',
    '  orgs:',
    '    from: customers',
    '    to: upsert_organizations',
    ...flow,
  );

describe('mlc lint', () => {
  it('reports $aging with a missing argument in a .jsonata file at its line and column', () => {
    const diags = lintProject({
      [MAPPING]: mapping('    transform: orgs.jsonata'),
      'mappings/ar/orgs.jsonata': lines(
        '(',
        '  $open := open_invoices;',
        '  { "external_id": number, "aging": $aging($open) }', // line 3: "$" at col 37
        ')',
      ),
    });
    // (open_invoices is not a join of this flow: that is a warning of its own.)
    expect(diags.filter((x) => x.severity === 'error')).toEqual([
      d(
        'mappings/ar/orgs.jsonata',
        3,
        37,
        '$aging takes 3 arguments ($aging(list, dueField, amountField)), got 1',
        'flows.orgs.transform',
      ),
    ]);
  });

  it('reports an unknown function in a connector error rule, and a mapping function there, as errors', () => {
    const diags = lintProject({
      [CONNECTOR]: lines(
        'name: acme',
        'base_url: https://api.acme.test',
        'auth: { type: none }',
        'errors:',
        '  - body: "$exist(error)"', // line 5: `  - body: "` is 11 chars -> "$" col 12
        '    action: fail_record',
        'error_message: "$coalesce(error, \'x\')"', // line 7: `error_message: "` is 16 chars -> col 17
      ),
    });
    expect(diags).toEqual([
      d(CONNECTOR, 5, 12, 'unknown function $exist; did you mean $exists?', 'errors[0].body'),
      d(
        CONNECTOR,
        7,
        17,
        'unknown function $coalesce; $coalesce is a mapping function, which connector expressions cannot call',
        'error_message',
      ),
    ]);
  });

  it("reports a webhook section without a secret, at the section's first key, and an empty one at its value", () => {
    const head = [
      'name: acme',
      'base_url: https://api.acme.test',
      'auth: { type: none }',
      'variables:',
      '  hook_secret: { secret: true }',
    ];
    const missing = lintProject({
      [CONNECTOR]: lines(...head, 'webhook:', '  verifier: hmac_sha256', '  signature_header: X-Sig'), // line 6: "webhook" col 1
    });
    expect(missing).toEqual([
      d(
        CONNECTOR,
        7,
        3,
        'webhook verifier hmac_sha256 needs "secret" (the connection value that holds the signing secret, e.g. "{webhook_secret}"; without it every delivery is refused)',
        'webhook',
      ),
    ]);
    const empty = lintProject({
      [CONNECTOR]: lines(...head, 'webhook:', '  verifier: shared_header', '  header: X-Token', '  secret: ""'), // line 9: `  secret: ` -> col 11
    });
    expect(empty).toEqual([
      d(
        CONNECTOR,
        9,
        11,
        'webhook verifier shared_header needs "secret" (the connection value that holds the secret, e.g. "{webhook_secret}"; without it every delivery is refused)',
        'webhook.secret',
      ),
    ]);
    const basic = lintProject({
      [CONNECTOR]: lines(...head, 'webhook:', '  verifier: basic_auth', '  username: "{hook_secret}"'),
    });
    expect(basic.map((x) => x.message)).toEqual([
      'webhook verifier basic_auth needs "password" (the connection value that holds the password, e.g. "{webhook_password}"; without it every delivery is refused)',
    ]);
  });

  it('passes the shipped connectors and mapping', () => {
    const root = tempProject({});
    expect(lint(root).filter((x) => x.severity === 'error')).toEqual([]);
  });
});
