import { intParam } from '../framework/query.js';
import type { Router } from '../framework/router.js';
import { isRecord, type SimResponse } from '../framework/types.js';
import type { ZendeskContext } from './context.js';
import { badRequest, recordInvalid, recordNotFound } from './errors.js';
import { isoSeconds } from './org-fields.js';
import { paginate } from './pagination.js';
import { decodeIncrementalCursor, encodeIncrementalCursor, renderTicket, type Ticket } from './tickets.js';

export function registerTicketRoutes(r: Router, ctx: ZendeskContext): void {
  const render = (t: Ticket) => renderTicket(t, ctx.origin());
  const withAudit = (t: Ticket, status: number, event: string): SimResponse => ({
    status,
    body: {
      ticket: render(t),
      audit: {
        id: ctx.tickets.nextAuditId++,
        ticket_id: t.id,
        created_at: isoSeconds(t.updatedMs),
        author_id: ctx.adminUserId(),
        via: { channel: 'api' },
        events: [{ id: ctx.tickets.nextAuditId++, type: event }],
      },
    },
    headers: status === 201 ? { Location: `${ctx.origin()}/api/v2/tickets/${t.id}.json` } : undefined,
  });

  r.get('/api/v2/tickets', (req) =>
    paginate(req, ctx.tickets.list(), {
      key: 'tickets',
      url: `${ctx.origin()}/api/v2/tickets.json`,
      offsetLimit: ctx.knobs.offsetPaginationLimit,
      render,
    }),
  );

  r.get('/api/v2/tickets/{id}', (req) => {
    const t = /^\d+$/.test(req.params.id) ? ctx.tickets.get(Number(req.params.id)) : undefined;
    return t ? { status: 200, body: { ticket: render(t) } } : recordNotFound();
  });

  r.post('/api/v2/tickets', (req) => {
    const input = isRecord(req.body) && isRecord(req.body.ticket) ? req.body.ticket : undefined;
    if (!input) return badRequest('InvalidValue', 'ticket is required');
    let requesterId = typeof input.requester_id === 'number' ? input.requester_id : ctx.adminUserId();
    if (isRecord(input.requester)) {
      // A requester given by name/email is found or created as an end-user.
      const res = ctx.users.upsert(
        { name: input.requester.name ?? input.requester.email, email: input.requester.email },
        ctx.nowMs(),
        (id) => ctx.orgs.get(id) !== undefined,
      );
      if (!res.ok) return recordInvalid(res.details);
      requesterId = res.user.id;
    } else if (!ctx.users.get(requesterId)) {
      return recordInvalid({
        requester_id: [{ description: `Requester: ${requesterId} does not exist`, error: 'InvalidValue' }],
      });
    }
    const requester = ctx.users.get(requesterId);
    const res = ctx.tickets.create(
      { organization_id: requester?.organization_id ?? undefined, ...input },
      requesterId,
      ctx.adminUserId(),
      ctx.nowMs(),
    );
    return 'details' in res ? recordInvalid(res.details) : withAudit(res.ticket, 201, 'Create');
  });

  r.put('/api/v2/tickets/{id}', (req) => {
    const t = /^\d+$/.test(req.params.id) ? ctx.tickets.get(Number(req.params.id)) : undefined;
    if (!t) return recordNotFound();
    const input = isRecord(req.body) && isRecord(req.body.ticket) ? req.body.ticket : undefined;
    if (!input) return badRequest('InvalidValue', 'ticket is required');
    const res = ctx.tickets.update(t, input, ctx.nowMs());
    return 'details' in res ? recordInvalid(res.details) : withAudit(res.ticket, 200, 'Change');
  });

  // Cursor-based incremental export. Items changed in the last minute are left out (documented).
  r.get('/api/v2/incremental/tickets/cursor', (req) => {
    const now = ctx.nowMs();
    let pos: { ms: number; id: number };
    if (req.query.cursor !== undefined) {
      const c = decodeIncrementalCursor(req.query.cursor);
      if (!c) return badRequest('InvalidValue', 'cursor is invalid');
      pos = c;
    } else {
      const start = intParam(req.query.start_time);
      if (start === undefined || !Number.isInteger(start) || start < 0)
        return badRequest('InvalidValue', 'start_time (unix seconds) or cursor is required');
      if (start * 1000 > now) return badRequest('InvalidValue', 'start_time is in the future');
      pos = { ms: start * 1000, id: -1 };
    }
    const perPage = Math.min(
      intParam(req.query.per_page) ?? ctx.knobs.incrementalPerPage,
      ctx.knobs.incrementalPerPage,
    );
    const horizon = now - ctx.knobs.incrementalExcludeRecentSec * 1000;
    const eligible = ctx.tickets
      .list()
      .filter((t) => t.updatedMs <= horizon && (t.updatedMs > pos.ms || (t.updatedMs === pos.ms && t.id > pos.id)))
      .sort((a, b) => a.updatedMs - b.updatedMs || a.id - b.id);
    const page = eligible.slice(0, perPage);
    const last = page.at(-1);
    const after = last ? encodeIncrementalCursor(last.updatedMs, last.id) : encodeIncrementalCursor(pos.ms, pos.id);
    return {
      status: 200,
      body: {
        tickets: page.map(render),
        after_url: `${ctx.origin()}/api/v2/incremental/tickets/cursor.json?cursor=${encodeURIComponent(after)}`,
        after_cursor: after,
        before_url: null,
        before_cursor: null,
        end_of_stream: eligible.length <= perPage,
      },
    };
  });
}
