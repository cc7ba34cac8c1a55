/**
 * Typed, validated settings. Knob names are checked so a typo in a test or an
 * admin call fails loudly instead of silently doing nothing.
 */

export class KnobError extends Error {}

export interface KnobSpec<T> {
  default: T;
  parse(value: unknown, key: string): T;
}

export type KnobValues<S> = { [K in keyof S]: S[K] extends KnobSpec<infer T> ? T : never };

export function numberKnob(
  def: number,
  opts: { min?: number; max?: number; integer?: boolean } = {},
): KnobSpec<number> {
  return {
    default: def,
    parse(v, key) {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new KnobError(`${key} must be a number`);
      if (opts.integer && !Number.isInteger(n)) throw new KnobError(`${key} must be an integer`);
      if (opts.min !== undefined && n < opts.min) throw new KnobError(`${key} must be >= ${opts.min}`);
      if (opts.max !== undefined && n > opts.max) throw new KnobError(`${key} must be <= ${opts.max}`);
      return n;
    },
  };
}

export function nullableNumberKnob(
  def: number | null,
  opts: { min?: number; max?: number; integer?: boolean } = {},
): KnobSpec<number | null> {
  const inner = numberKnob(def ?? 0, opts);
  return { default: def, parse: (v, key) => (v === null ? null : inner.parse(v, key)) };
}

export function boolKnob(def: boolean): KnobSpec<boolean> {
  return {
    default: def,
    parse(v, key) {
      if (v === 'true') return true;
      if (v === 'false') return false;
      if (typeof v !== 'boolean') throw new KnobError(`${key} must be a boolean`);
      return v;
    },
  };
}

export function enumKnob<const V extends string>(values: readonly V[], def: V): KnobSpec<V> {
  return {
    default: def,
    parse(v, key) {
      if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
        throw new KnobError(`${key} must be one of ${values.join(', ')}`);
      }
      return v as V;
    },
  };
}

export class KnobSet<S extends Record<string, KnobSpec<unknown>>> {
  readonly values: KnobValues<S>;

  constructor(
    private readonly specs: S,
    initial: Record<string, unknown> = {},
  ) {
    const values: Record<string, unknown> = {};
    for (const [k, spec] of Object.entries(specs)) values[k] = spec.default;
    this.values = values as KnobValues<S>;
    this.set(initial);
  }

  /** Merges a partial update; validates everything before applying anything. */
  set(partial: Record<string, unknown>): void {
    const parsed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(partial)) {
      // The update names knobs as the caller typed them: any string, known or not.
      const spec = (this.specs as Partial<Record<string, KnobSpec<unknown>>>)[k];
      if (!spec) throw new KnobError(`unknown knob "${k}" (known: ${Object.keys(this.specs).join(', ')})`);
      parsed[k] = spec.parse(v, k);
    }
    Object.assign(this.values, parsed);
  }

  has(key: string): boolean {
    return key in this.specs;
  }

  toJSON(): KnobValues<S> {
    return { ...this.values };
  }
}

/** Splits a mixed record into the keys one KnobSet knows and the rest. */
export function splitKnobs(
  all: Record<string, unknown>,
  keys: readonly string[],
): [Record<string, unknown>, Record<string, unknown>] {
  const mine: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all)) (keys.includes(k) ? mine : rest)[k] = v;
  return [mine, rest];
}
