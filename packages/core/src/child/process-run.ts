// A Process's child: runs its target once, then exits, like Python's
// os._exit after run(): timers, sockets and listeners left behind do not keep
// it alive, and what it wrote to stdout and stderr is delivered first.
import { inspect } from 'node:util';
import { decodeTransferred } from '../common/codec/transfers.js';
import type { Payload } from '../common/codec/values.js';
import { logToStderr } from '../common/logging.js';
import { whenAllWritten, whenDelivered, whenLeaving } from '../common/pending-writes.js';
import { setChildIdentity } from '../common/process-info.js';
import { inheritTempDir } from '../common/temp-dir.js';
import type { ParentMessage, WorkerMessage } from '../common/protocol.js';
import { INHERITED } from './inherited.js';
import { findTask } from './loader.js';
import { encodeThrown } from './replies.js';

type ProcessMessage = Extract<ParentMessage, { t: 'process' }>;

interface ProcessSide {
  send(message: WorkerMessage, payload: Payload): void;
  /** Runs `done` once the OS has taken everything sent. */
  flush(done: () => void): void;
  exit(code: number): never;
}

export async function runProcess(message: ProcessMessage, payload: Payload, side: ProcessSide): Promise<void> {
  const { name, target } = message;
  inheritTempDir(message.tempDir);
  setChildIdentity({
    name,
    daemon: message.daemon,
    parentPid: process.ppid,
    parentName: message.parentName,
    authkey: Buffer.from(message.authkey, 'base64'),
    identity: message.identity,
  });
  if (message.log !== null) logToStderr(message.log);
  let code = 0;
  try {
    const args = (await decodeTransferred(payload, INHERITED)) as unknown[];
    if (target !== null) {
      const fn = await findTask(target);
      await fn(...args);
    }
  } catch (thrown) {
    code = 1;
    const { how, payload: body } = encodeThrown(thrown);
    side.send({ t: 'targetFailed', how }, body);
    // Python prints the traceback under this line.
    process.stderr.write(`Process ${name}:\n${thrown instanceof Error ? String(thrown.stack) : inspect(thrown)}\n`);
  }
  // What the target sent on Connections leaves first, as Python's blocking send() would have.
  // Its puts to queues elsewhere have been handled there before it exits: join() then sees them.
  await whenDelivered();
  await whenLeaving();
  await Promise.all([whenAllWritten(), flushStdio()]);
  side.flush(() => side.exit(code));
}

// stdout is the parent's own descriptor (inherited): its queued writes are
// waited for rather than made blocking, which would change the parent's too.
async function flushStdio(): Promise<void> {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) =>
        new Promise<void>((resolve) => {
          if (stream.writableLength === 0 || stream.destroyed) resolve();
          else stream.write('', () => resolve());
        }),
    ),
  );
}
