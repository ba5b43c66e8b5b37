// Python's challenge–response of multiprocessing.connection, byte for byte.
// Each side proves it knows the authkey: the server challenges first
// (deliverChallenge), then the client does (answerChallenge, the other way
// round on the client). Two dialects exist:
//   Python ≤ 3.11: the challenge is 20 random bytes, the answer the bare
//                  16-byte HMAC-MD5 of them;
//   Python ≥ 3.12: the challenge is `{sha256}` + 40 random bytes, the answer
//                  `{digest}` + the HMAC of the whole challenge, prefix included.
// A ≤ 3.11 client answers a ≥ 3.12 challenge with the bare HMAC-MD5 of all of
// it, and the lengths 20 and 16 belong to no prefixed message, so serving the
// new challenge and accepting both answers (as 3.12 does) speaks to both, and
// answering by the challenge's form does too.
import { lazyCrypto } from '../builtins.js';
import { AuthenticationError, EOFError } from './errors.js';

/** What the handshake needs of a connection: Python's framed messages. */
interface HandshakeConnection {
  sendBytes(bytes: Uint8Array): void;
  recvBytes(maxLength?: number): Promise<Buffer>;
}

const CHALLENGE = Buffer.from('#CHALLENGE#');
const WELCOME = Buffer.from('#WELCOME#');
const FAILURE = Buffer.from('#FAILURE#');
// Every handshake message is read with this limit, as Python does, so an
// unauthenticated peer's length header never makes us allocate its claim.
const MAX_MESSAGE = 256;
const RANDOM_BYTES = 40;
const LEGACY_CHALLENGE_BYTES = 20;
const MD5_BYTES = 16;
// Python's names of the digests a prefix may name, and node:crypto's.
const DIGESTS: ReadonlyMap<string, string> = new Map([
  ['md5', 'md5'],
  ['sha256', 'sha256'],
  ['sha384', 'sha384'],
  ['sha3_256', 'sha3-256'],
  ['sha3_384', 'sha3-384'],
]);
const LONGEST_DIGEST_NAME = 8;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

type DigestName = 'md5' | 'sha256' | 'sha384' | 'sha3_256' | 'sha3_384';

// The next handshake message. A peer gone is EOFError, as in Python; any other
// failure (a message over the limit: Python's OSError) means the peer does not
// speak the handshake, so it is an AuthenticationError too, with the reason as
// its cause: a server loop then needs to skip only those two.
async function receive(connection: HandshakeConnection): Promise<Buffer> {
  try {
    return await connection.recvBytes(MAX_MESSAGE);
  } catch (error) {
    if (error instanceof EOFError || !(error instanceof Error)) throw error;
    throw new AuthenticationError(`The peer does not speak the handshake: ${error.message}`, { cause: error });
  }
}

/** A message's first bytes, printable, for an error about it. */
function preview(message: Buffer): string {
  const shown = JSON.stringify(message.subarray(0, 32).toString('latin1'));
  return message.length > 32 ? `${shown}… (${message.length} bytes)` : shown;
}

function hmac(digest: string, key: Uint8Array, message: Buffer): Buffer {
  return lazyCrypto()
    .createHmac(DIGESTS.get(digest) ?? digest, key)
    .update(message)
    .digest();
}

// A prefixed message's digest and the bytes after the prefix; digest null for
// a bare legacy one (a ≤ 3.11 challenge or HMAC-MD5 answer, told by length).
function splitDigest(message: Buffer, what: string): { digest: string | null; rest: Buffer } {
  if (message.length === LEGACY_CHALLENGE_BYTES || message.length === MD5_BYTES) return { digest: null, rest: message };
  if (message[0] === OPEN_BRACE) {
    const close = message.indexOf(CLOSE_BRACE, 1);
    const name = close > 0 && close <= LONGEST_DIGEST_NAME + 1 ? message.subarray(1, close).toString('latin1') : '';
    if (DIGESTS.has(name)) return { digest: name, rest: message.subarray(close + 1) };
  }
  throw new AuthenticationError(
    `The peer's ${what} is neither a legacy one (16 or 20 bytes) nor prefixed with a known {digest} (${[...DIGESTS.keys()].join(', ')}): ${preview(message)}`,
  );
}

// Our answer to `challenge`: bare HMAC-MD5 for a legacy challenge (or, where
// MD5 is unavailable, as under FIPS, a {sha256} answer as Python then sends),
// else `{digest}` + the HMAC with the digest the challenge names.
function answerTo(authkey: Uint8Array, challenge: Buffer): Buffer {
  let { digest } = splitDigest(challenge, 'challenge');
  if (digest === null) {
    try {
      return hmac('md5', authkey, challenge);
    } catch {
      digest = 'sha256';
    }
  }
  return Buffer.concat([Buffer.from(`{${digest}}`), hmac(digest, authkey, challenge)]);
}

// Throws unless `answer` is the HMAC of `challenge` in the digest it names
// (a bare 16-byte answer is HMAC-MD5).
function verifyAnswer(authkey: Uint8Array, challenge: Buffer, answer: Buffer): void {
  const { digest, rest: mac } = splitDigest(answer, 'answer to our challenge');
  const name = digest ?? 'md5';
  let expected: Buffer;
  try {
    expected = hmac(name, authkey, challenge);
  } catch {
    throw new AuthenticationError(`The peer answered our challenge with ${name}, which this Node cannot compute`);
  }
  if (mac.length !== expected.length) {
    throw new AuthenticationError(
      `The peer's ${name} answer to our challenge has ${mac.length} bytes where ${expected.length} were expected`,
    );
  }
  if (!lazyCrypto().timingSafeEqual(mac, expected)) {
    throw new AuthenticationError("The peer's answer to our challenge is wrong: its authkey differs from ours");
  }
}

/**
 * The challenging half (Python's `deliver_challenge`): sends a `{digest}`
 * challenge, checks the answer, and tells the peer `#WELCOME#` or `#FAILURE#`.
 * Rejects with AuthenticationError on a wrong or malformed answer.
 */
export async function deliverChallenge(
  connection: HandshakeConnection,
  authkey: Uint8Array,
  digest: DigestName = 'sha256',
): Promise<void> {
  const challenge = Buffer.concat([Buffer.from(`{${digest}}`), lazyCrypto().randomBytes(RANDOM_BYTES)]);
  connection.sendBytes(Buffer.concat([CHALLENGE, challenge]));
  const answer = await receive(connection);
  try {
    verifyAnswer(authkey, challenge, answer);
  } catch (error) {
    try {
      connection.sendBytes(FAILURE);
    } catch {
      // The peer is gone already; what it did wrong is the error to report.
    }
    throw error;
  }
  connection.sendBytes(WELCOME);
}

/**
 * The answering half (Python's `answer_challenge`): answers the peer's
 * challenge in its dialect and waits for its verdict. Rejects with
 * AuthenticationError when the peer sent no challenge or refused the answer.
 */
export async function answerChallenge(connection: HandshakeConnection, authkey: Uint8Array): Promise<void> {
  const message = await receive(connection);
  if (!message.subarray(0, CHALLENGE.length).equals(CHALLENGE)) {
    throw new AuthenticationError(`Expected the peer's #CHALLENGE#, got ${preview(message)}`);
  }
  const challenge = message.subarray(CHALLENGE.length);
  if (challenge.length < LEGACY_CHALLENGE_BYTES) {
    throw new AuthenticationError(`The peer's challenge is too short: ${challenge.length} bytes`);
  }
  connection.sendBytes(answerTo(authkey, challenge));
  const verdict = await receive(connection);
  if (verdict.equals(WELCOME)) return;
  throw new AuthenticationError(
    verdict.equals(FAILURE)
      ? 'The peer rejected our answer to its challenge: its authkey differs from ours'
      : `Expected the peer's #WELCOME# or #FAILURE#, got ${preview(verdict)}`,
  );
}
