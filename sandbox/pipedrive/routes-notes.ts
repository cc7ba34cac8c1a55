import type { Router } from '../framework/router.js';
import { isRecord, type SimRequest, type SimResponse } from '../framework/types.js';
import type { PipedriveContext } from './context.js';
import { changedFields } from './events.js';
import { notFound, ok } from './errors.js';
import { looseBool, looseId, pathId, v1 } from './handlers.js';
import { NOTE_TARGETS, renderNote, type Note, type NoteLinks } from './notes.js';
import { offsetPage } from './paging.js';
import { noteFilter } from './note-filters.js';
import { v1Routes } from './routes-fields.js';
import { str, ValidationError } from './values.js';

const STORE_OF = { deal_id: 'deals', person_id: 'persons', org_id: 'organizations' } as const;
const PINS = ['pinned_to_deal_flag', 'pinned_to_person_flag', 'pinned_to_organization_flag'] as const;

export function noteLinks(ctx: PipedriveContext): NoteLinks {
  return {
    deal: (id) => {
      const d = ctx.stores.deals.get(id);
      return d && { title: String(d.fields.title) };
    },
    person: (id) => {
      const p = ctx.stores.persons.get(id);
      return p && { name: String(p.fields.name) };
    },
    organization: (id) => {
      const o = ctx.stores.organizations.get(id);
      return o && { name: String(o.fields.name) };
    },
  };
}

/** `/v1/notes`: v1-only (the v2 SDK has no notes). v1 is lenient: numeric strings and 1/0 are taken. */
export function registerNoteRoutes(api: Router, ctx: PipedriveContext): void {
  const render = (n: Note) => renderNote(n, noteLinks(ctx), ctx.account);
  const find = (req: SimRequest) => {
    const id = pathId(req.params.id);
    return id === undefined ? undefined : ctx.notes.get(id);
  };
  v1Routes(
    api,
    'get',
    '/notes',
    v1((req) => {
      const notes = ctx.notes.list().filter(noteFilter(req.query));
      const page = offsetPage(notes, req.query.start, req.query.limit);
      return ok(page.items.map(render), page.additional);
    }),
  );
  v1Routes(
    api,
    'post',
    '/notes',
    v1((req) => {
      const note = ctx.notes.add({ ...noteFields(ctx, req.body, undefined), user_id: ctx.account.userId }, ctx.nowMs());
      ctx.written.notes.add(note.id);
      record(ctx, 'create', note, render(note), null);
      return ok(render(note));
    }),
  );
  v1Routes(
    api,
    'get',
    '/notes/{id}',
    v1((req) => {
      const n = find(req);
      return n ? ok(render(n)) : notFound('Note');
    }),
  );
  v1Routes(
    api,
    'put',
    '/notes/{id}',
    v1((req) => {
      const n = find(req);
      if (!n) return notFound('Note');
      const before = render(n);
      ctx.notes.change(n, noteFields(ctx, req.body, n), ctx.nowMs());
      ctx.written.notes.add(n.id);
      const after = render(n);
      record(ctx, 'change', n, after, changedFields(before, after));
      return ok(after);
    }),
  );
  v1Routes(
    api,
    'delete',
    '/notes/{id}',
    v1((req) => deleteNote(ctx, find(req), render)),
  );
}

function deleteNote(
  ctx: PipedriveContext,
  n: Note | undefined,
  render: (n: Note) => Record<string, unknown>,
): SimResponse {
  if (!n) return notFound('Note');
  const previous = render(n);
  ctx.notes.remove(n.id);
  record(ctx, 'delete', n, null, previous);
  return ok(true);
}

function record(
  ctx: PipedriveContext,
  action: 'create' | 'change' | 'delete',
  n: Note,
  data: Record<string, unknown> | null,
  previous: Record<string, unknown> | null,
): void {
  ctx.events.record({ action, entity: 'note', entityId: n.id, data, previous, atMs: ctx.nowMs(), changeSource: 'api' });
}

/** The note fields a POST or PUT body sets (all of them on POST); linked records must exist. */
function noteFields(ctx: PipedriveContext, body: unknown, current: Note | undefined) {
  if (!isRecord(body)) throw new ValidationError('body must be a JSON object or form');
  const base = current ?? { content: '', deal_id: null, person_id: null, org_id: null };
  const out: Omit<Note, 'id' | 'addMs' | 'updateMs' | 'user_id'> = {
    content: body.content === undefined ? base.content : str(body.content, 'content', 100_000),
    deal_id: base.deal_id,
    person_id: base.person_id,
    org_id: base.org_id,
    pinned_to_deal_flag: current?.pinned_to_deal_flag ?? false,
    pinned_to_person_flag: current?.pinned_to_person_flag ?? false,
    pinned_to_organization_flag: current?.pinned_to_organization_flag ?? false,
  };
  for (const k of NOTE_TARGETS) {
    if (body[k] === undefined) continue;
    const id = looseId(body[k], k);
    if (id !== null && !ctx.stores[STORE_OF[k]].has(id)) throw new ValidationError(`${k}: ${id} not found`);
    out[k] = id;
  }
  for (const p of PINS) if (body[p] !== undefined) out[p] = looseBool(body[p], p);
  if (body.lead_id !== undefined && body.lead_id !== null) throw new ValidationError('lead_id: no such lead');
  return out;
}
