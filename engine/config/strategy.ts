/**
 * What every strategy registry (auth, paginator, cursor, writer, result reader, webhook verifier)
 * shares: an entry is the implementation plus the lint rules of its own spec. Types only, so the
 * registries depend on config/ for nothing at run time.
 */

/** A problem a strategy finds in its spec: at one of its keys, or (no key) at the spec itself. */
export interface StrategyProblem {
  key?: string;
  message: string;
  /** Default error */
  severity?: 'error' | 'warning';
}

/** Where a spec sits, for rules that depend on it. */
export interface LintAt {
  /** The templates of the stream that uses a paginator or cursor (its path, query and headers) */
  templates?: readonly string[];
  /** The write a writer spec serves */
  kind?: 'create' | 'update' | 'upsert';
}

export type StrategyLint<S> = (spec: S, at: LintAt) => StrategyProblem[];
