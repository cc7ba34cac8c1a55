export type Severity = 'error' | 'warning';

/** One problem in a config file, with the position of the offending node. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  severity: Severity;
  message: string;
  /** JSON path of the node, e.g. flows.organizations.transform */
  path: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}  ${d.severity}  ${d.message}${d.path ? `  (${d.path})` : ''}`;
}

export function hasErrors(diags: readonly Diagnostic[], strict = false): boolean {
  return diags.some((d) => d.severity === 'error' || strict);
}

/** Thrown where a config problem stops a command; carries the diagnostics for the CLI to render. */
export class ConfigError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'ConfigError';
  }
}

export function pathToString(path: readonly (string | number)[]): string {
  return path
    .map((p, i) =>
      typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$-]*$/.test(p) ? (i ? `.${p}` : p) : `[${JSON.stringify(p)}]`,
    )
    .join('');
}

/** The most of any one quoted value or unbroken run of text a message repeats from a config file. */
export const MAX_EXCERPT = 80;
const MAX_MESSAGE = 600;

/**
 * A message safe to print whatever the file held: control characters (terminal escapes, NUL)
 * shown as escapes, and any long value cut to a short excerpt with its length, so binary
 * garbage or a megabyte string is not echoed back.
 */
export function tidyMessage(message: string): string {
  const printable = message.replace(
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this escapes
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  // Every quoted string is matched, short ones too, so that quotes pair up from the left.
  const short = printable.replace(/"(?:[^"\\]|\\.)*"|[^\s"]+/g, (run) => {
    const quoted = run.startsWith('"') && run.length > 1;
    const body = quoted ? run.slice(1, -1) : run;
    if (body.length <= MAX_EXCERPT) return run;
    // Code points, so a cut never splits a surrogate pair.
    const head = Array.from(body)
      .slice(0, MAX_EXCERPT - 1)
      .join('');
    const cut = `${head}…`;
    return `${quoted ? `"${cut}"` : cut} (${body.length} characters)`;
  });
  // Values with quotes or spaces inside escape the rule above; no real message is this long.
  return short.length > MAX_MESSAGE
    ? `${short.slice(0, MAX_MESSAGE - 1)}… (message cut at ${MAX_MESSAGE} characters)`
    : short;
}
