import { createCipheriv, createDecipheriv, createHmac, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A master key that is not the one the stored secrets were encrypted with, or that is gone. */
export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

/**
 * AES-256-GCM for secrets at rest (credentials, tokens). The key comes from MLC_MASTER_KEY
 * (64 hex chars, 44 base64 chars, or any passphrase, stretched with scrypt), or from a key file
 * that is created with 0600 permissions and refused when others can read it. The key is loaded
 * at first use, so commands that touch no secret neither need nor create it.
 */
export class SecretBox {
  private loaded?: Buffer;
  private check?: string;

  private constructor(
    private readonly load: () => Buffer,
    /** Where the key comes from, in the words an error message needs */
    readonly source: string,
  ) {}

  /**
   * `secretsExist` says whether anything is stored under a key already: then a missing key file
   * is an error, never a reason to make a new key (the old secrets would be unreadable for good).
   */
  static fromEnvOrFile(
    keyFile: string,
    env: NodeJS.ProcessEnv = process.env,
    o: { secretsExist?: () => boolean } = {},
  ): SecretBox {
    const fromEnv = env.MLC_MASTER_KEY;
    if (fromEnv) {
      const key = deriveKey(fromEnv);
      return new SecretBox(() => key, 'MLC_MASTER_KEY');
    }
    const box = new SecretBox(() => readOrCreateKeyFile(keyFile, o.secretsExist), `the key file ${keyFile}`);
    // A key file that exists is checked at once (its permissions), as before the key was lazy.
    if (existsSync(keyFile)) box.loadKey();
    return box;
  }

  static fromKey(key: string): SecretBox {
    const k = deriveKey(key);
    return new SecretBox(() => k, 'the given key');
  }

  private get key(): Buffer {
    return this.loadKey();
  }

  private loadKey(): Buffer {
    return (this.loaded ??= this.load());
  }

  /** A value that identifies the key without revealing it (stored beside the secrets to recognise a wrong key at once). */
  checkValue(): string {
    return (this.check ??= `k1:${createHmac('sha256', this.key).update('mlc master key check').digest('hex').slice(0, 32)}`);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return `v1:${iv.toString('base64')}:${c.getAuthTag().toString('base64')}:${data.toString('base64')}`;
  }

  decrypt(sealed: string): string {
    // A sealed value read from the state may have fewer parts than split's type admits.
    const [v, iv, tag, data] = sealed.split(':') as (string | undefined)[];
    if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('not an mlc encrypted value');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    d.setAuthTag(Buffer.from(tag, 'base64'));
    try {
      return Buffer.concat([d.update(Buffer.from(data, 'base64')), d.final()]).toString('utf8');
    } catch {
      throw new MasterKeyError(`cannot decrypt a stored secret: ${this.source} is not the key it was stored with`);
    }
  }
}

function readOrCreateKeyFile(keyFile: string, secretsExist?: () => boolean): Buffer {
  if (existsSync(keyFile)) {
    const mode = statSync(keyFile).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new Error(`key file ${keyFile} is readable by others (mode ${mode.toString(8)}); run chmod 600 ${keyFile}`);
    }
    return deriveKey(readFileSync(keyFile, 'utf8').trim());
  }
  if (secretsExist?.()) {
    throw new MasterKeyError(
      `the key file ${keyFile} is missing, but the state holds secrets encrypted with it; a new key would make them unreadable, so none is made. ` +
        `Restore ${keyFile} from a backup, or set MLC_MASTER_KEY to the key they were stored with.`,
    );
  }
  mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(keyFile, key.toString('hex'), { mode: 0o600, flag: 'wx' });
  chmodSync(keyFile, 0o600);
  return key;
}

function deriveKey(material: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(material)) return Buffer.from(material, 'hex');
  const b64 = Buffer.from(material, 'base64');
  if (b64.length === 32 && /^[A-Za-z0-9+/]{43}=$/.test(material)) return b64;
  return scryptSync(material, 'mlc-master-key-v1', 32);
}
