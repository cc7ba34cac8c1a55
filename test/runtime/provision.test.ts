// Custom field provisioning against nock: fields that already exist are reconciled (missing
// dropdown options added with every existing option kept by id; another type is one run error
// before any write), as connectors/zendesk.yaml declares it.
import nock from 'nock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustomField, Flow } from '../../engine/config/types.generated.js';
import { closeDefaultDispatcher } from '../../engine/http/client.js';
import { openConnection, type LiveConnection } from '../../engine/runtime/connection.js';
import { SecretBox } from '../../engine/store/crypto.js';
import type { StateBackend } from '../../engine/store/backend.js';
import { openState } from '../../engine/store/open.js';
import { connectionSecrets } from '../../engine/store/token-store.js';
import { FieldConflictError, provisionFields } from '../../engine/sync/provision.js';
import { API, parseBody, shippedConnector, useNock } from './helpers.js';

useNock();
afterAll(() => closeDefaultDispatcher());

const STANDING: CustomField = {
  key: 'credit_standing',
  title: 'Credit standing',
  type: 'dropdown',
  options: [
    { name: 'Good standing', value: 'credit_good' },
    { name: 'Overdue', value: 'credit_overdue' },
    { name: 'Credit hold', value: 'credit_hold' },
  ],
};
const LIMIT: CustomField = { key: 'credit_limit', title: 'Credit limit', type: 'decimal' };

let store: StateBackend;
let target: LiveConnection;
beforeEach(async () => {
  store = await openState(null, { secrets: SecretBox.fromKey('p'.repeat(64)) });
  const connector = { ...shippedConnector('zendesk'), base_url: API, retry: { min_delay: '1ms', max_delay: '2ms' } };
  target = openConnection({
    name: 'zendesk',
    connection: {
      connector: 'zendesk',
      auth: 'api_token',
      values: { subdomain: 'acme', email: 'a@b.test', api_token: 'tok' },
    },
    connector,
    ...connectionSecrets(store, 'zendesk'),
    where: 'test',
  });
});
afterEach(() => store.abandon());

function provision(fields: CustomField[], dryRun = false) {
  const connector = target.connector;
  const flow: Flow = { from: 'customers', to: 'upsert_organizations', custom_fields: fields } as Flow;
  return provisionFields({
    store,
    mapping: 'm',
    flowName: 'organizations',
    flow,
    op: connector.operations!.upsert_organizations,
    target,
    dryRun,
  });
}

function listFields(defs: Record<string, unknown>[]) {
  nock(API)
    .get('/organization_fields')
    .query(true)
    .reply(200, { organization_fields: defs, meta: { has_more: false, after_cursor: null } });
}

const existingStanding = {
  id: 77,
  key: 'credit_standing',
  type: 'dropdown',
  title: 'Credit standing',
  custom_field_options: [
    { id: 901, name: 'Fine', raw_name: 'Fine', value: 'credit_good', position: 0 },
    { id: 902, name: 'Legacy: watch list', raw_name: 'Legacy: watch list', value: 'watch_list', position: 1 },
  ],
};

describe('provisionFields: fields that exist', () => {
  it('a dropdown that lacks options gets them with one PUT carrying every existing option with its id, new ones with a null id', async () => {
    listFields([existingStanding, { id: 78, key: 'credit_limit', type: 'decimal', title: 'Credit limit' }]);
    const puts: unknown[] = [];
    nock(API)
      .put('/organization_fields/77')
      .reply((_uri, body) => {
        puts.push(parseBody(body));
        return [200, { organization_field: { id: 77 } }];
      });
    const p = await provision([STANDING, LIMIT]);
    expect(puts).toEqual([
      {
        organization_field: {
          custom_field_options: [
            // Kept as they are (name and id): an option left out is deleted in Zendesk, with its values.
            { id: 901, name: 'Fine', value: 'credit_good' },
            { id: 902, name: 'Legacy: watch list', value: 'watch_list' },
            { id: null, name: 'Overdue', value: 'credit_overdue' },
            { id: null, name: 'Credit hold', value: 'credit_hold' },
          ],
        },
      },
    ]);
    expect(p.created).toEqual([]);
    expect(p.updated).toEqual(['credit_standing (+credit_overdue, credit_hold)']);
    expect(p.keys).toEqual({ credit_standing: 'credit_standing', credit_limit: 'credit_limit' });
    expect(nock.isDone()).toBe(true);
  });

  it('a dropdown that has every option the mapping uses is left alone', async () => {
    listFields([
      {
        ...existingStanding,
        custom_field_options: [
          ...existingStanding.custom_field_options,
          { id: 903, name: 'O', value: 'credit_overdue' },
          { id: 904, name: 'H', value: 'credit_hold' },
        ],
      },
    ]);
    const p = await provision([STANDING]);
    expect(p.updated).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a field that exists with another type is ONE error naming the field and both types, before any write', async () => {
    listFields([
      { ...existingStanding, type: 'text', custom_field_options: undefined },
      { id: 79, key: 'credit_limit', type: 'checkbox', title: 'Credit limit' },
    ]);
    // Nothing may be created or updated: a POST or PUT would hit no interceptor and fail differently.
    const err = await provision([STANDING, LIMIT, { key: 'erp_currency', title: 'Currency', type: 'text' }]).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FieldConflictError);
    const msg = (err as Error).message;
    expect(msg).toContain('"credit_standing" exists as "text", the mapping writes it as dropdown');
    expect(msg).toContain('"credit_limit" exists as "checkbox", the mapping writes it as decimal');
    expect(msg).toContain('No record was written');
    expect(await store.provisioned.get({ mapping: 'm', flow: 'organizations' }, 'zendesk')).toBeUndefined();
  });

  it('a Zendesk "tagger" is a dropdown, not a conflict', async () => {
    listFields([
      {
        ...existingStanding,
        type: 'tagger',
        custom_field_options: [
          { id: 1, name: 'a', value: 'credit_good' },
          { id: 2, name: 'b', value: 'credit_overdue' },
          { id: 3, name: 'c', value: 'credit_hold' },
        ],
      },
    ]);
    const p = await provision([STANDING]);
    expect(p).toMatchObject({ created: [], updated: [], existing: 1 });
  });

  it('a dry run reports the options it would add and sends nothing', async () => {
    listFields([existingStanding]);
    const p = await provision([STANDING], true);
    expect(p.updated).toEqual(['credit_standing (+credit_overdue, credit_hold)']);
    expect(await store.provisioned.get({ mapping: 'm', flow: 'organizations' }, 'zendesk')).toBeUndefined();
  });

  it('a rejected option update stops provisioning with the target answer', async () => {
    listFields([existingStanding]);
    nock(API)
      .put('/organization_fields/77')
      .reply(422, {
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: { custom_field_options: [{ description: 'bad option' }] },
      });
    await expect(provision([STANDING])).rejects.toThrow(
      /could not add options to custom fields in zendesk: credit_standing: .*bad option/,
    );
  });
});
