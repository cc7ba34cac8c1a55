import { randomBytes } from 'node:crypto';

interface PagePosition {
  /** The query the token continues (filter type and values, fields): a token is only good for it. */
  query: string;
  offset: number;
}

const KEPT = 2000;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** 16 random bytes in base32 with padding, like Marketo's `L7XD3EFJ3OLFZKXKJBWYULOTRA======`. */
function base32Token(): string {
  const bytes = randomBytes(16);
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31];
  return out.padEnd(32, '=');
}

/**
 * Position-based paging tokens (paging-tokens.md): opaque strings standing for an offset into one
 * query's results. Kept in memory only; a restored sandbox starts without them.
 */
export class PageTokens {
  private readonly tokens = new Map<string, PagePosition>();

  issue(query: string, offset: number): string {
    const token = base32Token();
    this.tokens.set(token, { query, offset });
    if (this.tokens.size > KEPT) this.tokens.delete(this.tokens.keys().next().value as string);
    return token;
  }

  /** The offset a token stands for, or undefined when it is unknown or belongs to another query. */
  resolve(token: string, query: string): number | undefined {
    const p = this.tokens.get(token);
    return p && p.query === query ? p.offset : undefined;
  }
}
