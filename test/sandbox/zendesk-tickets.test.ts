import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../sandbox/framework/clock.js';
import { ZendeskSimulator } from '../../sandbox/zendesk/index.js';
import { zendeskValidator, type Validate } from './helpers/spec.js';
import { zendeskClient, type ZdClient } from './helpers/zendesk-client.js';

type Ticket = Record<string, unknown> & { id: number; updated_at: string };
type Export = { tickets: Ticket[]; after_cursor: string; after_url: string; end_of_stream: boolean };

const clock = manualClock('2026-04-01T12:00:00Z');
let sim: ZendeskSimulator;
let zd: ZdClient;
let validate: Validate;

beforeAll(async () => {
  validate = zendeskValidator();
  sim = await new ZendeskSimulator({
    seed: 12,
    clock: clock.now,
    knobs: { rateLimitEnabled: false, seedTickets: true, seedOrganizations: 4, ticketsPerOrganization: 3 },
  }).start();
  zd = zendeskClient(sim);
});
afterAll(() => sim.stop());

describe('Zendesk seeded tickets', () => {
  it('seeds organizations, requesters and tickets when asked', () => {
    expect(sim.organizationCount()).toBe(4);
    expect(sim.tickets()).toHaveLength(12);
    const orgIds = new Set(sim.organizations().map((o) => o.id));
    expect(sim.tickets().every((t) => orgIds.has(t.organization_id))).toBe(true);
    expect(new ZendeskSimulator({ seed: 12 }).organizationCount()).toBe(0);
  });

  it('lists tickets with cursor and offset pagination; offset past 10,000 is 400', async () => {
    const p1 = await zd.get<{ tickets: Ticket[]; meta: { has_more: boolean }; links: { next: string } }>(
      '/api/v2/tickets.json?page[size]=5',
    );
    expect(p1.body.tickets).toHaveLength(5);
    expect(p1.body.meta.has_more).toBe(true);
    for (const t of p1.body.tickets) expect(validate('TicketObject', t)).toEqual([]);
    const p2 = await zd.get<{ tickets: Ticket[] }>(p1.body.links.next.replace(sim.url, ''));
    expect(p2.body.tickets[0].id).toBe(p1.body.tickets[4].id + 1);
    const off = await zd.get<{ tickets: Ticket[]; count: number }>('/api/v2/tickets?per_page=100');
    expect(off.body.count).toBe(12);
    expect((await zd.get('/api/v2/tickets?page=101')).status).toBe(400);
  });
});

describe('Zendesk incremental ticket export (cursor)', () => {
  it('walks with after_cursor until end_of_stream, in updated_at order', async () => {
    const first = await zd.get<Export>('/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=5');
    expect(first.status).toBe(200);
    expect(first.body.end_of_stream).toBe(false);
    expect(first.body.after_url).toBe(
      `${sim.url}/api/v2/incremental/tickets/cursor.json?cursor=${encodeURIComponent(first.body.after_cursor)}`,
    );
    expect(validate('CursorBasedExportIncrementalTicketsResponse', first.body)).toEqual([]);
    const all = [...first.body.tickets];
    let cursor = first.body.after_cursor;
    for (;;) {
      const r = await zd.get<Export>(
        `/api/v2/incremental/tickets/cursor?cursor=${encodeURIComponent(cursor)}&per_page=5`,
      );
      all.push(...r.body.tickets);
      cursor = r.body.after_cursor;
      if (r.body.end_of_stream) break;
    }
    expect(all).toHaveLength(12);
    const times = all.map((t) => Date.parse(t.updated_at));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // Nothing new: the stored cursor gives an empty page and end_of_stream.
    const again = await zd.get<Export>(`/api/v2/incremental/tickets/cursor?cursor=${encodeURIComponent(cursor)}`);
    expect(again.body.tickets).toEqual([]);
    expect(again.body.end_of_stream).toBe(true);
    expect(again.body.after_cursor).toBe(cursor);
  });

  it('leaves out tickets changed in the last minute, then includes them', async () => {
    const start = await zd.get<Export>('/api/v2/incremental/tickets/cursor?start_time=0');
    const cursor = start.body.after_cursor;
    const created = await zd.post<{ ticket: Ticket }>('/api/v2/tickets.json', {
      ticket: { subject: 'Ny sak', comment: { body: 'Fakturaen mangler' }, priority: 'high' },
    });
    expect(created.status).toBe(201);
    expect(validate('TicketResponse', { ticket: created.body.ticket })).toEqual([]);
    expect(
      (await zd.get<Export>(`/api/v2/incremental/tickets/cursor?cursor=${encodeURIComponent(cursor)}`)).body.tickets,
    ).toEqual([]);
    clock.advance(61_000);
    const later = await zd.get<Export>(`/api/v2/incremental/tickets/cursor?cursor=${encodeURIComponent(cursor)}`);
    expect(later.body.tickets.map((t) => t.id)).toEqual([created.body.ticket.id]);
  });

  it('start_time is required and must not be in the future', async () => {
    expect((await zd.get('/api/v2/incremental/tickets/cursor')).status).toBe(400);
    expect(
      (await zd.get(`/api/v2/incremental/tickets/cursor?start_time=${Math.floor(Date.parse('2030-01-01') / 1000)}`))
        .status,
    ).toBe(400);
  });
});

describe('Zendesk ticket writes', () => {
  it('creates with a requester by email and updates status', async () => {
    const c = await zd.post<{ ticket: Ticket; audit: Record<string, unknown> }>('/api/v2/tickets', {
      ticket: { subject: 'Hjelp', comment: { body: 'Tekst' }, requester: { name: 'Nils', email: 'nils@kunde.no' } },
    });
    expect(c.status).toBe(201);
    expect(c.body.audit.ticket_id).toBe(c.body.ticket.id);
    expect(sim.findUser('nils@kunde.no')?.id).toBe(c.body.ticket.requester_id);
    const u = await zd.put<{ ticket: Ticket }>(`/api/v2/tickets/${c.body.ticket.id}.json`, {
      ticket: { status: 'solved', comment: { body: 'Løst', public: true } },
    });
    expect(u.status).toBe(200);
    expect(u.body.ticket.status).toBe('solved');
    expect((await zd.put(`/api/v2/tickets/${c.body.ticket.id}`, { ticket: { status: 'bogus' } })).status).toBe(422);
    expect((await zd.post('/api/v2/tickets', { ticket: { subject: 'no body' } })).status).toBe(422);
  });
});
