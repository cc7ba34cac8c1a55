/**
 * The vocabulary JSONata expressions are checked against: JSONata's own functions and the mapping
 * functions the project adds, each with its signature. Declarations only: lint (config/) and the
 * runtime (map/) both read them from here, so config never imports map.
 */

/**
 * JSONata's built-in functions with the signatures JSONata declares for them (a test checks these
 * against the library), so lint knows both the names and how many arguments each takes.
 */
export const JSONATA_BUILTINS = {
  sum: '<a<n>:n>',
  count: '<a:n>',
  max: '<a<n>:n>',
  min: '<a<n>:n>',
  average: '<a<n>:n>',
  string: '<x-b?:s>',
  substring: '<s-nn?:s>',
  substringBefore: '<s-s:s>',
  substringAfter: '<s-s:s>',
  lowercase: '<s-:s>',
  uppercase: '<s-:s>',
  length: '<s-:n>',
  trim: '<s-:s>',
  pad: '<s-ns?:s>',
  match: '<s-f<s:o>n?:a<o>>',
  contains: '<s-(sf):b>',
  replace: '<s-(sf)(sf)n?:s>',
  split: '<s-(sf)n?:a<s>>',
  join: '<a<s>s?:s>',
  formatNumber: '<n-so?:s>',
  formatBase: '<n-n?:s>',
  formatInteger: '<n-s:s>',
  parseInteger: '<s-s:n>',
  number: '<(nsb)-:n>',
  floor: '<n-:n>',
  ceil: '<n-:n>',
  round: '<n-n?:n>',
  abs: '<n-:n>',
  sqrt: '<n-:n>',
  power: '<n-n:n>',
  random: '<:n>',
  boolean: '<x-:b>',
  not: '<x-:b>',
  map: '<af>',
  zip: '<a+>',
  filter: '<af>',
  single: '<af?>',
  reduce: '<afj?:j>',
  sift: '<o-f?:o>',
  keys: '<x-:a<s>>',
  lookup: '<x-s:x>',
  append: '<xx:a>',
  exists: '<x:b>',
  spread: '<x-:a<o>>',
  merge: '<a<o>:o>',
  reverse: '<a:a>',
  each: '<o-f:a>',
  error: '<s?:x>',
  assert: '<bs?:x>',
  type: '<x:s>',
  sort: '<af?:a>',
  shuffle: '<a:a>',
  distinct: '<x:x>',
  base64encode: '<s-:s>',
  base64decode: '<s-:s>',
  encodeUrlComponent: '<s-:s>',
  encodeUrl: '<s-:s>',
  decodeUrlComponent: '<s-:s>',
  decodeUrl: '<s-:s>',
  eval: '<sx?:x>',
  toMillis: '<s-s?:n>',
  fromMillis: '<n-s?s?:s>',
  clone: '<(oa)-:o>',
  now: '<s?s?:s>',
  millis: '<:n>',
} as const satisfies Readonly<Record<string, string>>;

/**
 * How many arguments a JSONata signature takes. A parameter marked `-` is filled with the context
 * when the call leaves it out, `?` may be left out, `+` takes one or more.
 */
export function signatureArity(signature: string): Arity {
  const params = signature.replace(/^<|>$/g, '');
  let min = 0;
  let max = 0;
  let contextual = false;
  for (let i = 0; i < params.length; i++) {
    const c = params[i];
    if (c === ':') break;
    if (c === '(') i = params.indexOf(')', i);
    else if (c === '<') {
      // A subtype such as a<n> or f<s:o> belongs to the parameter before it.
      for (let depth = 1; depth > 0;) {
        i++;
        if (params[i] === '<') depth++;
        else if (params[i] === '>') depth--;
      }
      continue;
    } else if (c === '?') {
      min--;
      continue;
    } else if (c === '+') {
      max = Infinity;
      continue;
    } else if (c === '-') {
      contextual = true;
      continue;
    }
    min++;
    max++;
  }
  return { min: Math.max(0, min - (contextual ? 1 : 0)), max };
}

/** What an argument may hold; JSONata's "nothing" (undefined) is accepted unless the parameter is `required`. */
export type ArgType = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'null';

export interface Param {
  name: string;
  types: readonly ArgType[] | 'any';
  /** The call may leave it out */
  optional?: boolean;
  /** Takes every remaining argument */
  rest?: boolean;
  /** Must have a value: a field name written without quotes is a path that gives nothing */
  required?: boolean;
}

export interface Arity {
  min: number;
  max: number;
}

const DATE: readonly ArgType[] = ['string', 'null'];
const LIST: readonly ArgType[] = ['array', 'object', 'null'];
const FIELD = (name: string): Param => ({ name, types: ['string'], required: true });

/** The parameters of each function mappings can call, in the order the call takes them. */
export const MAPPING_FUNCTION_SIGNATURES: Readonly<Record<string, readonly Param[]>> = {
  now: [],
  millis: [],
  today: [],
  toDate: [{ name: 'date', types: DATE }],
  daysBetween: [
    { name: 'from', types: DATE },
    { name: 'to', types: DATE },
  ],
  daysOverdue: [{ name: 'due', types: DATE }],
  agingBucket: [{ name: 'days', types: ['number'] }],
  aging: [{ name: 'list', types: LIST }, FIELD('dueField'), FIELD('amountField')],
  minBy: [{ name: 'list', types: LIST }, FIELD('field')],
  maxBy: [{ name: 'list', types: LIST }, FIELD('field')],
  compact: [{ name: 'value', types: 'any' }],
  coalesce: [{ name: 'values', types: 'any', rest: true }],
};

export const MAPPING_FUNCTION_NAMES = Object.keys(MAPPING_FUNCTION_SIGNATURES);

export function arityOf(params: readonly Param[]): Arity {
  return { min: params.filter((p) => !p.optional).length, max: params.some((p) => p.rest) ? Infinity : params.length };
}

/** How a call with `count` arguments breaks the arity, in a user's words, or undefined when it does not. */
export function arityProblem(name: string, arity: Arity, count: number, usage?: string): string | undefined {
  if (count >= arity.min && count <= arity.max) return undefined;
  const plural = (n: number) => `${n} argument${n === 1 ? '' : 's'}`;
  const takes =
    arity.max === Infinity
      ? `at least ${plural(arity.min)}`
      : arity.min === arity.max
        ? plural(arity.min)
        : `${arity.min} to ${plural(arity.max)}`;
  return `$${name} takes ${takes}${usage ? ` (${usage})` : ''}, got ${count}`;
}

/** How a call is written, for messages: $aging(list, dueField, amountField). */
export const usageOf = (name: string, params: readonly Param[]) =>
  `$${name}(${params.map((p) => (p.rest ? `${p.name}...` : p.optional ? `[${p.name}]` : p.name)).join(', ')})`;
