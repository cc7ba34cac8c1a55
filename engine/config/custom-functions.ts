/**
 * A mapping's own JSONata functions: JavaScript modules it names under `functions`, bound per
 * mapping file. The planning thread loads them with the rest (custom-modules.ts); the map worker
 * thread loads them by path with loadMappingFunctions.
 */
import { resolve } from 'node:path';
import { customRefs, loadRef, type CustomRef, type Fn } from './custom-refs.js';
import type { Diagnostic } from './diagnostic.js';
import { arityOf, arityProblem, usageOf, type Param } from './jsonata-vocabulary.js';
import { loadFile } from './project.js';
import type { Mapping } from './types.generated.js';

/** Each loaded mapping's custom functions, by the absolute path of its mapping.yaml. */
const mappingFunctions = new Map<string, Record<string, Fn>>();

/** A mapping function as JSONata calls it: a call its declared parameters do not allow is refused. */
function checkedFunction(name: string, params: readonly Param[], fn: Fn): Fn {
  const arity = arityOf(params);
  const usage = usageOf(name, params);
  return (...args: unknown[]) => {
    const wrong = arityProblem(name, arity, args.length, usage);
    if (wrong) throw new Error(wrong);
    return (fn as (...a: unknown[]) => unknown)(...args);
  };
}

/** Binds a loaded function module of a mapping, checked against its declared parameters. */
export function bindFunction(mappingFile: string): (ref: CustomRef, exported: Fn) => void {
  return (ref, exported) => {
    const { fn } = ref;
    if (!fn) throw new Error(`custom ${ref.kind} module "${ref.spec.module}" is bound as a function (an mlc bug)`);
    const fns = mappingFunctions.get(mappingFile) ?? {};
    fns[fn.name] = checkedFunction(fn.name, fn.params, exported);
    mappingFunctions.set(mappingFile, fns);
  };
}

/** The custom functions of the mapping at `mappingFile`, as JSONata bindings (empty until loaded). */
export function customFunctionsOf(mappingFile: string): Record<string, Fn> {
  return mappingFunctions.get(resolve(mappingFile)) ?? {};
}

/**
 * Loads the custom functions of one mapping file by itself (the map worker thread, which shares
 * no module state with the thread that planned the run).
 */
export async function loadMappingFunctions(mappingFile: string): Promise<Diagnostic[]> {
  const diags: Diagnostic[] = [];
  const m = loadFile<Mapping>(resolve(mappingFile), 'mapping', diags);
  const out: Diagnostic[] = [];
  for (const ref of customRefs(m, 'mapping')) {
    const d = await loadRef(ref, bindFunction(m.path));
    if (d) out.push(d);
  }
  return out;
}
