// A failure reason is read in `mlc runs` and the failure queue: it names the request once.
import nock from 'nock';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDefaultDispatcher } from '../../engine/http/client.js';
import { API, failure, makeClient, testConnector, useNock } from './helpers.js';

useNock();
afterAll(() => closeDefaultDispatcher());

const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe('failure reasons name the URL once', () => {
  it('retries exhausted on an error status: URL once, status and answer kept', async () => {
    const { client } = makeClient(testConnector({ retry: { attempts: 1 } }));
    nock(API).get('/items').query(true).times(2).reply(503, { message: 'maintenance' });
    const err = await failure(client.request({ url: `${API}/items` }));
    expect(occurrences(err.message, `${API}/items`), err.message).toBe(1);
    expect(err.message).toContain('HTTP 503');
    expect(err.message).toContain('maintenance');
  });

  it('a record error (422) names it once', async () => {
    const { client } = makeClient(testConnector());
    nock(API).post('/items').reply(422, { error: 'invalid name' });
    const err = await failure(client.request({ method: 'POST', url: `${API}/items`, json: {} }));
    expect(occurrences(err.message, `${API}/items`), err.message).toBe(1);
    expect(err.message).toContain('invalid name');
  });

  it('a network fault names it once', async () => {
    const { client } = makeClient(testConnector({ retry: { attempts: 1 } }));
    nock(API).get('/items').times(2).replyWithError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' });
    const err = await failure(client.request({ url: `${API}/items` }));
    expect(occurrences(err.message, `${API}/items`), err.message).toBe(1);
  });
});
