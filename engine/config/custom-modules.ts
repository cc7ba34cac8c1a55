/**
 * The one way out for what cannot be data: a connector or mapping names a JavaScript module in
 * the project, and this loader resolves it (never outside the project), imports it once, checks
 * that it exports the documented interface, and binds it into the registry of its kind. Loading
 * is async and happens at project load / plan time, so the registries stay synchronous.
 */
import { bindCustomAuth } from '../auth/registry.js';
import { bindCustomCursor } from '../read/cursors.js';
import { bindCustomPaginator } from '../read/paginators.js';
import { bindCustomVerifier } from '../webhook/verifiers.js';
import { bindCustomWriter } from '../write/registry.js';
import { bindCustomResults } from '../write/results.js';
import { bindFunction } from './custom-functions.js';
import { customRefs, loadRef, type CustomRef, type Fn } from './custom-refs.js';
import type { Diagnostic } from './diagnostic.js';
import type { Loaded, Project } from './project.js';
import type { Connector, Mapping } from './types.generated.js';

export { customFunctionsOf, loadMappingFunctions } from './custom-functions.js';
export {
  checkCustomRefs,
  CUSTOM_INTERFACES,
  customModuleFiles,
  customRefs,
  customSignatures,
  paramsOf,
  type CustomKind,
  type CustomRef,
} from './custom-refs.js';

/** Binds a loaded strategy module to the registry of its kind (functions: to their mapping). */
function bindTo(mappingFile: string) {
  const fn = bindFunction(mappingFile);
  return (ref: CustomRef, exported: Fn): void => {
    const spec = ref.spec as never;
    const f = exported as never;
    switch (ref.kind) {
      case 'auth': {
        bindCustomAuth(spec, f);
        return;
      }
      case 'paginator': {
        bindCustomPaginator(spec, f);
        return;
      }
      case 'cursor': {
        bindCustomCursor(spec, f);
        return;
      }
      case 'writer': {
        bindCustomWriter(spec, f);
        return;
      }
      case 'result reader': {
        bindCustomResults(spec, f);
        return;
      }
      case 'webhook verifier': {
        bindCustomVerifier(spec, f);
        return;
      }
      case 'function': {
        fn(ref, exported);
        return;
      }
    }
  };
}

/**
 * Loads every custom module of a project's connectors and mappings (each file imported once per
 * process) and binds each to its registry; the problems found, as diagnostics. Lint run after it
 * also reports modules whose export does not fit.
 */
export async function loadCustomModules(project: Project): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  const files: [Loaded<Connector> | Loaded<Mapping>, 'connector' | 'mapping'][] = [
    ...[...project.connectors.values()].map((c) => [c, 'connector'] as [Loaded<Connector>, 'connector']),
    ...[...project.mappings.values()].map((m) => [m, 'mapping'] as [Loaded<Mapping>, 'mapping']),
  ];
  for (const [loaded, schema] of files) {
    for (const ref of customRefs(loaded, schema)) {
      const d = await loadRef(ref, bindTo(loaded.path));
      if (d) out.push(d);
    }
  }
  return out;
}
