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
  return diags.some((d) => d.severity === 'error' || (strict && d.severity === 'warning'));
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
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$-]*$/.test(p) ? (i ? `.${p}` : p) : `[${JSON.stringify(p)}]`))
    .join('');
}
