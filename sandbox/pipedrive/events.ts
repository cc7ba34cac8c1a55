/** What changed, as a webhook tells it: one event per create, change or delete. */
export interface ChangeEvent {
  seq: number;
  action: 'create' | 'change' | 'delete';
  /** v2 names: organization, person, deal, activity, note. */
  entity: string;
  entityId: number;
  /** The record after the change (null after a delete). */
  data: Record<string, unknown> | null;
  /** v2: the changed fields' earlier values (the record before a delete; null after a create). */
  previous: Record<string, unknown> | null;
  atMs: number;
  /** 'api' for API writes, 'app' for changes made through the admin routes (a user in the web app). */
  changeSource: 'api' | 'app';
}

export interface EventLogState {
  events: ChangeEvent[];
  nextSeq: number;
}

/** The most recent events kept for webhook delivery; older ones are dropped. */
const KEPT = 10_000;

/** Changes waiting to be delivered to registered webhooks. */
export class EventLog {
  private events: ChangeEvent[];
  private nextSeq: number;

  constructor(state?: EventLogState) {
    this.events = state?.events ?? [];
    this.nextSeq = state?.nextSeq ?? 1;
  }

  record(e: Omit<ChangeEvent, 'seq'>): ChangeEvent {
    const event = { ...e, seq: this.nextSeq++ };
    this.events.push(event);
    if (this.events.length > KEPT * 1.25) this.events = this.events.slice(-KEPT);
    return event;
  }

  /** Events after `seq`, oldest first. */
  after(seq: number): ChangeEvent[] {
    return this.events.filter((e) => e.seq > seq);
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  toState(): EventLogState {
    return structuredClone({ events: this.events, nextSeq: this.nextSeq });
  }
}

/** The fields whose values differ, with their earlier values (v2 webhooks' `previous`). */
export function changedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (k === 'update_time') continue;
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) out[k] = before[k] ?? null;
  }
  return out;
}
