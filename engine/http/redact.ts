/**
 * Knows every secret a run handles (credential values, tokens it obtained) and blanks them out of
 * any text that may reach a log, an error, an audit row or dry-run output.
 */
export class Redactor {
  private secrets = new Set<string>();
  private pattern: RegExp | null = null;

  add(secret: string | undefined | null): void {
    if (!secret || secret.length < 4 || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    // Also the forms a secret takes on the wire: in a path, and in a form or query string.
    this.secrets.add(encodeURIComponent(secret));
    this.secrets.add(new URLSearchParams({ s: secret }).toString().slice(2));
    this.pattern = null;
  }

  redact(text: string): string {
    if (this.secrets.size === 0) return text;
    this.pattern ??= new RegExp(
      [...this.secrets]
        .sort((a, b) => b.length - a.length)
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, '***');
  }
}

const SENSITIVE_HEADER = /^(authorization|cookie|set-cookie|x-api-token|x-api-key|proxy-authorization)$/i;

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = SENSITIVE_HEADER.test(k) ? '***' : v;
  return out;
}
