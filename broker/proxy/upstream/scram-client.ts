/**
 * The client side of SCRAM-SHA-256 as PostgreSQL speaks it.
 * @see https://www.postgresql.org/docs/current/sasl-authentication.html
 * @see RFC 5802 (SCRAM) and RFC 7677 (SCRAM-SHA-256). Channel binding is not used ("n,,").
 * PostgreSQL takes the user name from the startup message, so the SCRAM user name is empty.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCRAM_MECHANISM = 'SCRAM-SHA-256';

/** SaltedPassword is expensive (4096+ PBKDF2 rounds) and the same for every upstream connection. */
const saltedCache = new Map<string, Buffer>();

function saltedPassword(password: string, salt: Buffer, iterations: number): Buffer {
  const key = `${salt.toString('base64')}:${iterations}:${createHash('sha256').update(password).digest('base64')}`;
  let salted = saltedCache.get(key);
  if (!salted) {
    // SASLprep (RFC 4013) is approximated by NFKC normalisation, as libpq does for valid UTF-8.
    salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
    if (saltedCache.size > 64) saltedCache.clear();
    saltedCache.set(key, salted);
  }
  return salted;
}

const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();

export class ScramClient {
  private readonly clientNonce: string;
  private readonly clientFirstBare: string;
  private expectedServerSignature: Buffer | undefined;

  /** `user` and `nonce` are for the RFC test vectors; PostgreSQL ignores the SCRAM user name. */
  constructor(private readonly password: string, opts: { user?: string; nonce?: string } = {}) {
    this.clientNonce = opts.nonce ?? randomBytes(18).toString('base64');
    this.clientFirstBare = `n=${opts.user ?? ''},r=${this.clientNonce}`;
  }

  /** The SASLInitialResponse payload (RFC 5802 §3 client-first-message). */
  clientFirst(): Buffer {
    return Buffer.from(`n,,${this.clientFirstBare}`);
  }

  /** Answers AuthenticationSASLContinue's server-first-message with client-final-message. */
  clientFinal(serverFirst: Buffer): Buffer {
    const text = serverFirst.toString('utf8');
    const attrs = parseAttributes(text);
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (!nonce || !salt || !Number.isInteger(iterations) || iterations < 1) {
      throw new Error('malformed SCRAM server-first-message');
    }
    if (!nonce.startsWith(this.clientNonce) || nonce.length === this.clientNonce.length) {
      throw new Error('SCRAM server nonce does not extend the client nonce');
    }
    const salted = saltedPassword(this.password, Buffer.from(salt, 'base64'), iterations);
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${text},${withoutProof}`;
    const clientSignature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    this.expectedServerSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }

  /** Checks AuthenticationSASLFinal: the server must prove it knows the password too. */
  verifyServerFinal(serverFinal: Buffer): void {
    const attrs = parseAttributes(serverFinal.toString('utf8'));
    const v = attrs.get('v');
    const expected = this.expectedServerSignature;
    if (!v || !expected) throw new Error('malformed SCRAM server-final-message');
    const got = Buffer.from(v, 'base64');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      throw new Error('SCRAM server signature does not verify');
    }
  }
}

function parseAttributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0]!, part.slice(2));
  }
  return out;
}

/** PostgreSQL's md5 password answer: "md5" + md5(md5(password + user) + salt). */
export function md5PasswordAnswer(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5').update(password + user).digest('hex');
  return 'md5' + createHash('md5').update(Buffer.concat([Buffer.from(inner), salt])).digest('hex');
}
