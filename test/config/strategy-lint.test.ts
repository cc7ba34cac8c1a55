// The lint rules each strategy registers beside its implementation (engine/read/paginators.ts,
// cursors.ts, write/registry.ts, auth/registry.ts, webhook/verifiers.ts): what the schema cannot
// say, each at the key it is about.
import { afterEach, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../engine/config/diagnostic.js';
import { lint } from '../../engine/config/lint.js';
import { lines, relativeTo, removeTempProjects, tempProject } from './helpers.js';

afterEach(removeTempProjects);

const CONNECTOR = 'connectors/acme.yaml';
const HEAD = ['name: acme', 'base_url: https://api.acme.test'];
const NONE = 'auth: { type: none }';

function lintConnector(...body: string[]): Pick<Diagnostic, 'line' | 'col' | 'severity' | 'message' | 'path'>[] {
  const root = tempProject({ [CONNECTOR]: lines(...HEAD, ...body) }, false);
  return relativeTo(root, lint(root)).map(({ line, col, severity, message, path }) => ({
    line,
    col,
    severity,
    message,
    path,
  }));
}

const stream = (...keys: string[]) => [
  'streams:',
  '  widgets:',
  '    path: /widgets',
  '    primary_key: id',
  ...keys.map((k) => `    ${k}`),
];

describe('paginator rules', () => {
  it('an offset that is never sent reads the first page forever: an error', () => {
    expect(lintConnector(NONE, ...stream('pagination: { type: offset, page_size: 50, size_param: limit }'))).toEqual([
      {
        line: 8,
        col: 17,
        severity: 'error',
        message:
          "pagination type offset never sends the offset: set offset_param, or use {page.offset} in the stream's query",
        path: 'streams.widgets.pagination',
      },
    ]);
    expect(
      lintConnector(
        NONE,
        ...stream(
          'query: { q: "SELECT * STARTPOSITION {page.offset} MAXRESULTS {page.size}" }',
          'pagination: { type: offset, page_size: 50 }',
        ),
      ),
    ).toEqual([]);
  });

  it('a page size that is never sent is a warning at page_size', () => {
    // line 8: `    pagination: { type: cursor, cursor_param: c, next_cursor: next, page_size: ` is 79 chars
    expect(
      lintConnector(NONE, ...stream('pagination: { type: cursor, cursor_param: c, next_cursor: next, page_size: 10 }')),
    ).toEqual([
      {
        line: 8,
        col: 80,
        severity: 'warning',
        message:
          "pagination type cursor sets page_size 10 but never sends it: set size_param, or use {page.size} in the stream's query",
        path: 'streams.widgets.pagination.page_size',
      },
    ]);
  });
});

describe('cursor rules', () => {
  it('a time cursor that reaches no request is an error; a fragment no template uses is a warning', () => {
    expect(lintConnector(NONE, ...stream('incremental: { type: datetime, field: updated_at }'))).toEqual([
      {
        line: 8,
        col: 18,
        severity: 'error',
        message:
          'cursor type datetime never sends the cursor, so every read is a full read: use {cursor} in params or vars',
        path: 'streams.widgets.incremental',
      },
    ]);
    // line 8: `    incremental: { type: epoch_seconds, field: t, vars: ` is 56 chars
    expect(
      lintConnector(
        NONE,
        ...stream('incremental: { type: epoch_seconds, field: t, vars: { since: "&since={cursor}" } }'),
      ),
    ).toEqual([
      {
        line: 8,
        col: 57,
        severity: 'warning',
        message: 'cursor fragment {since} is used by no template of the stream (its path, query or headers)',
        path: 'streams.widgets.incremental.vars',
      },
    ]);
  });

  it('a date pattern letter that is no token is an error at format', () => {
    // line 8: `    incremental: { type: datetime, field: t, params: { since: "{cursor}" }, format: ` is 84 chars
    expect(
      lintConnector(
        NONE,
        ...stream('incremental: { type: datetime, field: t, params: { since: "{cursor}" }, format: "YYYY-MM-dd" }'),
      ),
    ).toEqual([
      {
        line: 8,
        col: 85,
        severity: 'error',
        message:
          'cursor format has "YYYY", which is no pattern letter (yyyy MM dd HH mm ss SSS XXX; quote literal text as \'T\')',
        path: 'streams.widgets.incremental.format',
      },
    ]);
  });
});

describe('writer rules', () => {
  const op = (...w: string[]) => [
    'operations:',
    '  widgets:',
    '    match_key: external_id',
    ...w.map((x) => `    ${x}`),
  ];

  it('a single update must carry the target id; a batch needs its results path', () => {
    expect(
      lintConnector(
        NONE,
        ...op(
          'create: { writer: single, method: POST, path: /w }',
          'update: { writer: single, method: PUT, path: /w }',
        ),
      ),
    ).toEqual([
      // line 8: `    update: { writer: single, method: PUT, path: ` is 49 chars
      {
        line: 8,
        col: 50,
        severity: 'error',
        message: 'an update must carry the target id: use {id} in the path or set id_in_body',
        path: 'operations.widgets.update.path',
      },
    ]);
    expect(
      lintConnector(NONE, ...op('upsert: { writer: batch, method: POST, path: /w, results: { id: id } }')),
    ).toEqual([
      // line 7: `    upsert: { writer: batch, method: POST, path: /w, results: ` is 62 chars
      {
        line: 7,
        col: 63,
        severity: 'error',
        message: 'writer batch needs results.path (where the per-record results are)',
        path: 'operations.widgets.upsert.results',
      },
    ]);
  });
});

describe('results: JSONata paths or a custom reader', () => {
  it('a typo in JSONata results is reported once, against the branch it comes closest to (not the custom reader)', () => {
    const op = ['operations:', '  widgets:', '    match_key: external_id'];
    // line 7: `    upsert: { writer: batch, method: POST, path: /w, results: { ` is 64 chars
    expect(
      lintConnector(NONE, ...op, '    upsert: { writer: batch, method: POST, path: /w, results: { pth: r } }'),
    ).toEqual([
      {
        line: 7,
        col: 63,
        severity: 'error',
        message: 'writer batch needs results.path (where the per-record results are)',
        path: 'operations.widgets.upsert.results',
      },
      {
        line: 7,
        col: 65,
        severity: 'error',
        message: 'unknown key "pth"; did you mean "path"?',
        path: 'operations.widgets.upsert.results.pth',
      },
    ]);
  });
});

describe('auth rules', () => {
  it('an API key goes in one place; Basic client auth needs both halves', () => {
    expect(lintConnector('auth: { type: api_key, header: x-key, query_param: key, value: k }')).toEqual([
      // line 3: `auth: { type: api_key, header: x-key, query_param: ` is 51 chars
      {
        line: 3,
        col: 52,
        severity: 'error',
        message:
          'auth type api_key sends the key in a header or a query parameter: set header or query_param, not both',
        path: 'auth.query_param',
      },
    ]);
    expect(
      lintConnector('auth: { type: oauth2_client_credentials, token_url: /t, client_auth: basic, client_id: x }'),
    ).toEqual([
      // line 3: `auth: { type: oauth2_client_credentials, token_url: /t, client_auth: ` is 69 chars
      {
        line: 3,
        col: 70,
        severity: 'error',
        message: 'auth type oauth2_client_credentials with client_auth basic needs client_id and client_secret',
        path: 'auth.client_auth',
      },
    ]);
  });

  it('an OAuth2 password grant needs the resource owner', () => {
    expect(lintConnector('auth: { type: oauth2_password, token_url: /t, username: u }').map((d) => d.message)).toEqual([
      'auth type oauth2_password needs "password"',
    ]);
  });
});
