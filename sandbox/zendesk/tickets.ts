import { isRecord, textOf } from '../framework/types.js';
import type { ErrorDetails } from './errors.js';
import { isoSeconds } from './org-fields.js';

export const TICKET_STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const TICKET_TYPES = ['problem', 'incident', 'question', 'task'] as const;

export interface Ticket {
  id: number;
  subject: string;
  description: string;
  status: (typeof TICKET_STATUSES)[number];
  priority: (typeof TICKET_PRIORITIES)[number] | null;
  type: (typeof TICKET_TYPES)[number] | null;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  organization_id: number | null;
  group_id: number | null;
  tags: string[];
  external_id: string | null;
  channel: string;
  comments: number;
  createdMs: number;
  updatedMs: number;
}

export interface TicketStoreState {
  tickets: Ticket[];
  nextId: number;
  nextAuditId: number;
}

function pickEnum<T extends string>(
  values: readonly T[],
  v: unknown,
  field: string,
  details: ErrorDetails,
): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
  details[field] = [
    { description: `${field}: ${textOf(v)} is not one of ${values.join(', ')}`, error: 'InvalidValue' },
  ];
  return undefined;
}

/** Tickets in id order. Requester resolution is the caller's job (it needs the user store). */
export class TicketStore {
  private tickets: Ticket[] = [];
  private nextId = 1;
  nextAuditId = 930_000_000_001;

  constructor(state?: TicketStoreState) {
    if (state) {
      this.tickets = state.tickets;
      this.nextId = state.nextId;
      this.nextAuditId = state.nextAuditId;
    }
  }

  list(): readonly Ticket[] {
    return this.tickets;
  }

  get(id: number): Ticket | undefined {
    return this.tickets.find((t) => t.id === id);
  }

  create(
    input: Record<string, unknown>,
    requesterId: number,
    submitterId: number,
    nowMs: number,
  ): { ticket: Ticket } | { details: ErrorDetails } {
    const details: ErrorDetails = {};
    const body = isRecord(input.comment)
      ? typeof input.comment.body === 'string'
        ? input.comment.body
        : typeof input.comment.html_body === 'string'
          ? input.comment.html_body
          : ''
      : '';
    if (!body.trim()) details.base = [{ description: 'Description: cannot be blank', error: 'BlankValue' }];
    const status = pickEnum(TICKET_STATUSES, input.status, 'status', details);
    const priority = pickEnum(TICKET_PRIORITIES, input.priority, 'priority', details);
    const type = pickEnum(TICKET_TYPES, input.type, 'type', details);
    if (Object.keys(details).length > 0) return { details };
    const subject = typeof input.subject === 'string' && input.subject.trim() ? input.subject : body.slice(0, 80);
    const t: Ticket = {
      id: this.nextId++,
      subject,
      description: body,
      status: status ?? (typeof input.assignee_id === 'number' ? 'open' : 'new'),
      priority: priority ?? null,
      type: type ?? null,
      requester_id: requesterId,
      submitter_id: submitterId,
      assignee_id: typeof input.assignee_id === 'number' ? input.assignee_id : null,
      organization_id: typeof input.organization_id === 'number' ? input.organization_id : null,
      group_id: typeof input.group_id === 'number' ? input.group_id : null,
      tags: Array.isArray(input.tags) ? input.tags.filter((x): x is string => typeof x === 'string') : [],
      external_id: typeof input.external_id === 'string' ? input.external_id : null,
      channel: 'api',
      comments: 1,
      createdMs: nowMs,
      updatedMs: nowMs,
    };
    this.tickets.push(t);
    return { ticket: t };
  }

  update(t: Ticket, input: Record<string, unknown>, nowMs: number): { ticket: Ticket } | { details: ErrorDetails } {
    const details: ErrorDetails = {};
    const status = pickEnum(TICKET_STATUSES, input.status, 'status', details);
    const priority = pickEnum(TICKET_PRIORITIES, input.priority, 'priority', details);
    const type = pickEnum(TICKET_TYPES, input.type, 'type', details);
    if (t.status === 'closed')
      details.status = [{ description: 'Status: closed prevents ticket update', error: 'InvalidValue' }];
    if (Object.keys(details).length > 0) return { details };
    if (status) t.status = status;
    if (priority) t.priority = priority;
    if (type) t.type = type;
    if (typeof input.subject === 'string') t.subject = input.subject;
    if (typeof input.assignee_id === 'number') t.assignee_id = input.assignee_id;
    if (typeof input.organization_id === 'number') t.organization_id = input.organization_id;
    if (typeof input.group_id === 'number') t.group_id = input.group_id;
    if (Array.isArray(input.tags)) t.tags = input.tags.filter((x): x is string => typeof x === 'string');
    if (typeof input.external_id === 'string') t.external_id = input.external_id;
    if (isRecord(input.comment)) t.comments++;
    t.updatedMs = nowMs;
    return { ticket: t };
  }

  /** Seeding only: a ticket with explicit history. */
  insert(t: Omit<Ticket, 'id'>): Ticket {
    const ticket = { ...t, id: this.nextId++ };
    this.tickets.push(ticket);
    return ticket;
  }

  toState(): TicketStoreState {
    return { tickets: this.tickets, nextId: this.nextId, nextAuditId: this.nextAuditId };
  }
}

/**
 * Wire shape. Keys that ZD-OAS declares non-nullable (assignee_id, group_id, organization_id,
 * external_id, priority, type) are omitted when unset instead of sent as null.
 */
export function renderTicket(t: Ticket, origin: string): Record<string, unknown> {
  const opt = <V>(k: string, v: V | null) => (v === null ? {} : { [k]: v });
  return {
    url: `${origin}/api/v2/tickets/${t.id}.json`,
    id: t.id,
    ...opt('external_id', t.external_id),
    via: { channel: t.channel },
    created_at: isoSeconds(t.createdMs),
    updated_at: isoSeconds(t.updatedMs),
    generated_timestamp: Math.floor(t.updatedMs / 1000),
    ...opt('type', t.type),
    subject: t.subject,
    raw_subject: t.subject,
    description: t.description,
    ...opt('priority', t.priority),
    status: t.status,
    requester_id: t.requester_id,
    submitter_id: t.submitter_id,
    ...opt('assignee_id', t.assignee_id),
    ...opt('organization_id', t.organization_id),
    ...opt('group_id', t.group_id),
    collaborator_ids: [],
    follower_ids: [],
    email_cc_ids: [],
    has_incidents: false,
    is_public: true,
    due_at: null,
    tags: t.tags,
    custom_fields: [],
    sharing_agreement_ids: [],
    followup_ids: [],
    allow_channelback: false,
    allow_attachments: true,
    from_messaging_channel: false,
  };
}

/** Incremental cursor: base64 of "<seconds>.<ms>||<id>|", the same look as Zendesk's opaque cursors. */
export function encodeIncrementalCursor(ms: number, id: number): string {
  return Buffer.from(`${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}||${id}|`).toString('base64');
}

export function decodeIncrementalCursor(c: string): { ms: number; id: number } | null {
  const m = /^(\d+)\.(\d{3})\|\|(-?\d+)\|$/.exec(Buffer.from(c, 'base64').toString('utf8'));
  return m ? { ms: Number(m[1]) * 1000 + Number(m[2]), id: Number(m[3]) } : null;
}
