// procpool's Listener and Client against Python's multiprocessing.connection,
// run by the python3 on this machine (installed by scripts/ensure-python.sh
// when missing: these tests never skip). A Python ≤ 3.11 speaks the legacy
// HMAC-MD5 handshake; fixtures/python/modern_peer.py speaks 3.12's {digest}
// one, so both dialects meet procpool whichever Python is installed.
import path from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { AuthenticationError, EOFError, type Address } from '@procpool/core';
import { ensurePython, startPython, type LineProcess } from '../helpers/line-processes.js';
import { connect, listen } from '../helpers/listeners.js';
import { tempDir } from '../helpers/temp.js';

const KEY = Buffer.from('shared with python');
const WRONG = Buffer.from('not the key');
const hex = (key: Buffer | null): string => (key === null ? '-' : key.toString('hex'));

beforeAll(async () => {
  // Fails the suite with ensure-python.sh's own explanation when there is no python3.
  await ensurePython();
}, 600_000);

const transports: Array<[string, () => Address]> = [
  ['Unix', () => path.join(tempDir(), 'py.sock')],
  ['TCP', () => ['127.0.0.1', 0]],
];

describe.each(transports)('over %s', (_transport, makeAddress) => {
  /** Python's Listener serving `clients` clients; its bound address. */
  async function pythonListener(key: Buffer | null, clients: number): Promise<[LineProcess, Address]> {
    const python = await startPython('mp_listener.py', [JSON.stringify(makeAddress()), hex(key), String(clients)]);
    const { address } = (await python.next()) as { address: Address };
    return [python, address];
  }

  async function ourListener(key: Buffer | null): Promise<Address> {
    const listener = listen(makeAddress(), key === null ? {} : { authkey: key });
    return listener.ready().then((address) => {
      listeners.set(address, listener);
      return address;
    });
  }
  const listeners = new Map<Address, ReturnType<typeof listen>>();

  test("procpool's Client → Python's Listener: bytes both ways, a 1 MiB message too", async () => {
    const [python, address] = await pythonListener(KEY, 1);
    const client = await connect(address, { authkey: KEY });
    const accepted = await python.next();
    expect(accepted).toMatchObject({ event: 'accepted' });
    client.sendBytes(Buffer.from('hello from node'));
    expect((await client.recvBytes()).toString()).toBe('echo:hello from node');
    const big = Buffer.alloc(1024 * 1024, 'n');
    client.sendBytes(big);
    // Buffer.equals: jest's deep equality takes seconds over a mebibyte.
    expect((await client.recvBytes()).equals(Buffer.concat([Buffer.from('echo:'), big]))).toBe(true);
    client.sendBytes(Buffer.from('bye'));
    expect(await python.next()).toEqual({ event: 'bye' });
    await expect(client.recvBytes()).rejects.toThrow(EOFError);
  });

  test("procpool's Client with a wrong key: AuthenticationError on both sides; Python's Listener serves the next", async () => {
    const [python, address] = await pythonListener(KEY, 2);
    await expect(connect(address, { authkey: WRONG })).rejects.toThrow(AuthenticationError);
    expect(await python.next()).toEqual({ event: 'auth-error', message: 'digest received was wrong' });
    const client = await connect(address, { authkey: KEY });
    client.sendBytes(Buffer.from('second'));
    expect((await client.recvBytes()).toString()).toBe('echo:second');
  });

  test('without an authkey on either side, no handshake (as in Python)', async () => {
    const [, address] = await pythonListener(null, 1);
    const client = await connect(address);
    client.sendBytes(Buffer.from('plain'));
    expect((await client.recvBytes()).toString()).toBe('echo:plain');
  });

  test("Python's Client → procpool's Listener: bytes both ways, EOF when we close", async () => {
    const address = await ourListener(KEY);
    const python = await startPython('mp_client.py', [JSON.stringify(address), hex(KEY), 'echo']);
    const server = await listeners.get(address)!.accept();
    expect(await python.next()).toEqual({ event: 'connected' });
    expect((await server.recvBytes()).toString()).toBe('ping from python');
    server.sendBytes(Buffer.from('pong'));
    server.sendBytes(Buffer.alloc(70_000, 'p'));
    expect(await python.next()).toEqual({ event: 'message', data: 'pong' });
    expect(await python.next()).toEqual({ event: 'message', data: 'p'.repeat(70_000) });
    server.close();
    expect(await python.next()).toEqual({ event: 'eof' });
  });

  test("Python's Client with a wrong key: AuthenticationError on both sides; procpool's Listener serves the next", async () => {
    const address = await ourListener(KEY);
    const listener = listeners.get(address)!;
    const wrong = await startPython('mp_client.py', [JSON.stringify(address), hex(WRONG), 'echo']);
    await expect(listener.accept()).rejects.toThrow(AuthenticationError);
    expect(await wrong.next()).toEqual({ event: 'auth-error', message: 'digest sent was rejected' });
    const right = await startPython('mp_client.py', [JSON.stringify(address), hex(KEY), 'echo']);
    const server = await listener.accept();
    expect((await server.recvBytes()).toString()).toBe('ping from python');
    expect(await right.next()).toEqual({ event: 'connected' });
  });

  test("a Python Client SIGKILLed between messages: the server's pending recvBytes() rejects with EOFError", async () => {
    const address = await ourListener(KEY);
    const python = await startPython('mp_client.py', [JSON.stringify(address), hex(KEY), 'idle']);
    const server = await listeners.get(address)!.accept();
    expect(await python.next()).toEqual({ event: 'connected' });
    expect(await python.next()).toEqual({ event: 'idle' });
    const pending = server.recvBytes().catch((error: unknown) => error);
    await python.kill();
    expect(await pending).toBeInstanceOf(EOFError);
  });

  test('a Python Client SIGKILLed mid-message: the pending recvBytes() rejects with EOFError, the listener serves on', async () => {
    const address = await ourListener(KEY);
    const listener = listeners.get(address)!;
    const python = await startPython('mp_client.py', [JSON.stringify(address), hex(KEY), 'partial']);
    const server = await listener.accept();
    const pending = server.recvBytes().catch((error: unknown) => error);
    expect(await python.next()).toEqual({ event: 'connected' });
    expect(await python.next()).toEqual({ event: 'partial-sent' });
    await python.kill();
    // EOFError, the partial message dropped (Python's own server raises OSError('got end of file during message')).
    expect(await pending).toBeInstanceOf(EOFError);
    const next = await startPython('mp_client.py', [JSON.stringify(address), hex(KEY), 'echo']);
    expect((await (await listener.accept()).recvBytes()).toString()).toBe('ping from python');
    expect(await next.next()).toEqual({ event: 'connected' });
  });

  test("Python's Listener SIGKILLed mid-call: our pending recvBytes() rejects with EOFError", async () => {
    const [python, address] = await pythonListener(KEY, 1);
    const client = await connect(address, { authkey: KEY });
    expect(await python.next()).toMatchObject({ event: 'accepted' });
    client.sendBytes(Buffer.from('hang'));
    expect(await python.next()).toEqual({ event: 'hanging' });
    const pending = client.recvBytes().catch((error: unknown) => error);
    await python.kill();
    expect(await pending).toBeInstanceOf(EOFError);
  });
});

describe("Python ≥ 3.12's {digest} handshake (fixtures/python/modern_peer.py)", () => {
  test.each(['sha256', 'sha3_384', 'md5'])(
    'a server challenging with {%s}: our Client answers in kind',
    async (digest) => {
      const address = path.join(tempDir(), 'modern.sock');
      const python = await startPython('modern_peer.py', ['server', address, hex(KEY), digest]);
      expect(await python.next()).toEqual({ event: 'listening' });
      const client = await connect(address, { authkey: KEY });
      expect(await python.next()).toEqual({ event: 'challenged', answer_digest: digest, bare: false, ok: true });
      // Our own challenge, as 3.12 sends it: {sha256} and 40 random bytes.
      expect(await python.next()).toEqual({
        event: 'answered',
        challenge_digest: 'sha256',
        challenge_length: 48,
        welcome: true,
      });
      client.sendBytes(Buffer.from('modern'));
      expect((await client.recvBytes()).toString()).toBe('echo:modern');
    },
  );

  test('a client answering with {sha256} and challenging with {sha3_256}: our Listener accepts it', async () => {
    const listener = listen(path.join(tempDir(), 'ours.sock'), { authkey: KEY });
    const python = await startPython('modern_peer.py', ['client', listener.address as string, hex(KEY), 'sha3_256']);
    const server = await listener.accept();
    expect(await python.next()).toEqual({
      event: 'answered',
      challenge_digest: 'sha256',
      challenge_length: 48,
      welcome: true,
    });
    expect(await python.next()).toEqual({ event: 'challenged', answer_digest: 'sha3_256', bare: false, ok: true });
    server.sendBytes(Buffer.concat([Buffer.from('echo:'), await server.recvBytes()]));
    expect(await python.next()).toEqual({ event: 'reply', data: 'echo:ping from modern' });
  });

  test('a wrong key: both refuse', async () => {
    const address = path.join(tempDir(), 'modern.sock');
    const python = await startPython('modern_peer.py', ['server', address, hex(WRONG)]);
    expect(await python.next()).toEqual({ event: 'listening' });
    await expect(connect(address, { authkey: KEY })).rejects.toThrow(AuthenticationError);
    expect(await python.next()).toEqual({ event: 'challenged', answer_digest: 'sha256', bare: false, ok: false });
  });
});
