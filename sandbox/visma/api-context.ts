import type { KnobValues } from '../framework/knobs.js';
import type { VismaAuth } from './auth.js';
import type { RenderContext } from './dto.js';
import type { VISMA_KNOBS } from './knobs.js';
import type { VismaStore } from './store.js';

/** What the API routes read: data, tokens, knobs, the clock and how DTOs render. */
export interface VismaApiContext {
  store: VismaStore;
  auth: VismaAuth;
  knobs: KnobValues<typeof VISMA_KNOBS>;
  nowMs(): number;
  render: RenderContext;
  /** Fault: rewrites a list page before it is sent (bad records a real ERP has been seen to send) */
  spoilPage?(path: string, page: Record<string, unknown>[]): unknown[];
  /** Told when a client reads suppliers or supplier invoices, so a continued sandbox changes them too. */
  noteSupplierRead?(): void;
}
