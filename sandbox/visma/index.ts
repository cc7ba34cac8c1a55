export { VismaSimulator, type VismaSimulatorOptions, type Dto } from './simulator.js';
export { VISMA_KNOBS } from './knobs.js';
export type { VismaCredentials } from './auth.js';
export type { MutationRequest, MutationResult, NewInvoice } from './store.js';
export type { NewSupplierInvoice } from './supplier-ledger.js';
export type { VismaSnapshot } from './snapshot.js';
export { parseFilterDate, formatTimestamp } from './dates.js';

import { VismaSimulator, type VismaSimulatorOptions } from './simulator.js';

/** Creates and starts a Visma simulator on 127.0.0.1 (ephemeral port unless given). */
export async function startVismaSimulator(opts: VismaSimulatorOptions = {}, port = 0): Promise<VismaSimulator> {
  return new VismaSimulator(opts).start(port);
}
export { describeMutation } from './mutation-text.js';
