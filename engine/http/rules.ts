import type { ErrorRule } from '../config/types.generated.js';
import { parseDuration } from '../util/duration.js';
import { evaluate } from '../map/expression.js';

export type ErrorAction = ErrorRule['action'];

export interface Decision {
  action: ErrorAction | 'ok';
  delayMs?: number;
  message?: string;
}

/**
 * Classifies a response by the connector's error rules, then by the defaults every API shares:
 * 2xx ok, 429/5xx retry, 401 reauthenticate, 408 retry, other 4xx fail the record.
 */
export class ErrorRules {
  constructor(
    private readonly rules: readonly ErrorRule[],
    private readonly label: string,
  ) {}

  async classify(status: number, body: unknown): Promise<Decision> {
    for (const r of this.rules) {
      if (r.status && !r.status.includes(status)) continue;
      if (!r.status && !r.body && status < 400) continue;
      if (r.body) {
        let hit: unknown;
        try {
          hit =
            body !== undefined && body !== null && typeof body === 'object'
              ? await evaluate(r.body, body, `${this.label} error rule`)
              : false;
        } catch {
          hit = false;
        }
        if (hit !== true) continue;
      }
      if (r.action === 'ignore') return { action: 'ok' };
      return { action: r.action, delayMs: r.delay ? parseDuration(r.delay, 0) : undefined, message: r.message };
    }
    if (status >= 200 && status < 300) return { action: 'ok' };
    if (status === 429 || status === 408 || status >= 500) return { action: 'retry' };
    if (status === 401) return { action: 'reauthenticate' };
    return { action: 'fail_record' };
  }
}
