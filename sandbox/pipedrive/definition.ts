import type { SimulatorDefinition } from '../registry.js';
import { pipedriveExamples } from './examples.js';
import { PipedriveSimulator } from './simulator.js';

/**
 * Pipedrive: the target of organizations, persons, deals, activities and notes. A fresh company has
 * no records and no custom fields (the sync provisions them), so `size` does not apply.
 */
export const definition: SimulatorDefinition<'pipedrive'> = {
  system: 'pipedrive',
  label: 'Pipedrive',
  role: 'target',
  start: ({ seed, clock, knobs, snapshot }) => new PipedriveSimulator({ seed, clock, knobs, snapshot }).start(),
  examples(sim, targetIds, max) {
    if (!(sim instanceof PipedriveSimulator)) throw new Error('not a Pipedrive simulator');
    return pipedriveExamples(sim, targetIds, max);
  },
  // `mlc sandbox start` prints one refresh token that every state file using the connections signs in with.
  sessionKnobs: { refreshTokenRotates: false },
};
