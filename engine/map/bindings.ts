import { customFunctionsOf } from '../config/custom-functions.js';
import { mappingFunctions, type Clock } from './functions.js';

/**
 * What a mapping's JSONata can call besides JSONata itself: its custom functions (loaded at plan
 * time by loadCustomModules) and the built-in mapping functions on the run clock, which win on a
 * clash (lint refuses one).
 */
export function mappingBindings(mappingFile: string, clock: Clock): Record<string, unknown> {
  const builtIn = Object.fromEntries(Object.entries(mappingFunctions(clock)).map(([k, f]) => [k, f.fn]));
  return { ...customFunctionsOf(mappingFile), ...builtIn };
}
