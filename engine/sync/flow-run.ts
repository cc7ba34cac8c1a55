import type { Connector, Flow, Operation, Write } from '../config/types.generated.js';
import type { FlowMapper } from '../map/flow-mapper.js';
import type { LiveConnection } from '../runtime/connection.js';
import type { DeletionEvidence, FlowRef, StateBackend, StreamRef } from '../store/backend.js';
import type { WriteContext, WriteItem } from '../write/types.js';
import type { FlowSummary, SyncEvent } from './events.js';

/** The kinds of write an operation may declare, each served by its own writer. */
export type WriteKind = WriteContext['kind'];
export const WRITE_KINDS: readonly WriteKind[] = ['create', 'update', 'upsert'];

/** One flow of one run: what it reads, maps and writes, and where it reports. */
export interface FlowRun {
  /** The state (in a dry run, a throwaway copy) */
  store: StateBackend;
  ref: FlowRef;
  runId: string;
  flow: Flow;
  op: Operation;
  mapper: FlowMapper;
  source: LiveConnection;
  target: LiveConnection;
  /** The mapping's custom field key -> the target's key */
  fieldKeys: Record<string, string>;
  /** The text of the mapping's custom function modules (part of the flow's fingerprint) */
  customCode: string[];
  dryRun: boolean;
  /** Replay: only these keys (from the failure queue) */
  only?: string[];
  /** Re-map every record of the flow (sync --full), not only the changed ones */
  full?: boolean;
  now: () => Date;
  summary: FlowSummary;
  onEvent: (e: SyncEvent) => void;
}

/** A record mapped to a payload the target does not hold yet: it is to be written. */
export interface Mapped {
  item: WriteItem;
  hash: string;
  clockDependent: boolean;
  version: string | null;
  action: WriteKind;
  /** Dry runs: the payload last written for the record, where it is kept */
  before?: Record<string, unknown>;
  /** A mark of a record deleted at the source (on_delete: mark), with its evidence */
  deletion?: DeletionEvidence;
}

/** The source stream whose records are the flow's own (its parents). */
export const sourceStream = (r: FlowRun): StreamRef => ({ connection: r.source.name, stream: r.flow.from });

/** The target operation a flow writes through (a flow's `to` names one of its connector's: lint checks it). */
export function operationOf(connector: Connector, name: string): Operation {
  const op: Operation | undefined = connector.operations?.[name];
  if (!op) throw new Error(`connector ${connector.name} has no operation ${name}`);
  return op;
}

/** The operation's write spec for a kind (each kind the flow writes is declared: lint checks it). */
export function specOf(op: Operation, kind: WriteKind): Write {
  const spec = op[kind];
  if (!spec) throw new Error(`the operation declares no ${kind} write`);
  return spec;
}

/** The context every writer and job reader of the flow gets, for a spec and a kind. */
export type ContextFor = (spec: Write, kind: WriteKind) => WriteContext;

export function contextFor(r: FlowRun): ContextFor {
  const { client, baseUrl, vars } = r.target;
  const label = `operation ${r.flow.to}`;
  return (spec, kind) => ({ client, baseUrl, vars, spec, kind, label, onOutcomes: () => undefined });
}
