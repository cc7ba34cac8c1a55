import { randomBytes } from 'node:crypto';

/** Opaque bearer-style secret. Credentials are random; only seed data needs to be reproducible. */
export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

export function randomHex(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}
