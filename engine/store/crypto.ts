import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * AES-256-GCM for secrets at rest (credentials, tokens). The key comes from MLC_MASTER_KEY
 * (64 hex chars, 44 base64 chars, or any passphrase, stretched with scrypt), or from a key file
 * that is created with 0600 permissions and refused when others can read it.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromEnvOrFile(keyFile: string, env: NodeJS.ProcessEnv = process.env): SecretBox {
    const fromEnv = env.MLC_MASTER_KEY;
    if (fromEnv) return new SecretBox(deriveKey(fromEnv));
    if (existsSync(keyFile)) {
      const mode = statSync(keyFile).mode & 0o777;
      if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
        throw new Error(`key file ${keyFile} is readable by others (mode ${mode.toString(8)}); run chmod 600 ${keyFile}`);
      }
      return new SecretBox(deriveKey(readFileSync(keyFile, 'utf8').trim()));
    }
    mkdirSync(dirname(keyFile), { recursive: true });
    const key = randomBytes(32);
    writeFileSync(keyFile, key.toString('hex'), { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    return new SecretBox(key);
  }

  static fromKey(key: string): SecretBox {
    return new SecretBox(deriveKey(key));
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return `v1:${iv.toString('base64')}:${c.getAuthTag().toString('base64')}:${data.toString('base64')}`;
  }

  decrypt(sealed: string): string {
    const [v, iv, tag, data] = sealed.split(':');
    if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('not an mlc encrypted value');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    d.setAuthTag(Buffer.from(tag, 'base64'));
    try {
      return Buffer.concat([d.update(Buffer.from(data, 'base64')), d.final()]).toString('utf8');
    } catch {
      throw new Error('cannot decrypt a stored secret: MLC_MASTER_KEY (or the key file) is not the key it was stored with');
    }
  }
}

function deriveKey(material: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(material)) return Buffer.from(material, 'hex');
  const b64 = Buffer.from(material, 'base64');
  if (b64.length === 32 && /^[A-Za-z0-9+/]{43}=$/.test(material)) return b64;
  return scryptSync(material, 'mlc-master-key-v1', 32);
}
