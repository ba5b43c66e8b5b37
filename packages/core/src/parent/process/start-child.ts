import type net from 'node:net';
import { tempDirForChildren } from '../../common/temp-dir.js';
import { atMost } from '../../common/timers.js';
import { Channel } from '../../common/channel/channel.js';
import { encodeTransferring, restoreTransfers } from '../../common/codec/transfers.js';
import { describeEncodeFailure, type Payload } from '../../common/codec/values.js';
import type { Connection } from '../../common/connection/connection.js';
import { childEndOf, type ChildEnd } from '../../common/connection/transfer.js';
import { ProcessError } from '../../common/errors.js';
import { stderrLogLevel } from '../../common/logging.js';
import { currentProcess } from '../../common/process-info.js';
import type { ParentMessage, WireTaskRef, WorkerMessage } from '../../common/protocol.js';
import { whyCannotStart } from '../launch/command.js';
import type { ExitInfo } from '../launch/launcher.js';
import type { ResolvedLaunchOptions } from '../launch/launch-options.js';
import { spawnWorker } from '../launch/spawn.js';
import { decodeRemoteFailure } from '../pool/remote-failure.js';
import { withCallerFrames, type Caller } from '../pool/stacks.js';

/** What a Process's child is started with. */
interface ChildSpec {
  name: string;
  identity: number[];
  daemon: boolean;
  authkey: Buffer;
  target: WireTaskRef | null;
  args: readonly unknown[];
  launch: ResolvedLaunchOptions;
  /** Where start() was called: the frames a target's error ends with. */
  caller: Caller;
}

interface StartedChild {
  pid: number;
  kill(signal: NodeJS.Signals): void;
  /** Settles once the child has exited and its last frame (what its target threw) has been read, bounded. */
  ended: Promise<{ exit: ExitInfo; error: unknown }>;
}

/** How long the child's control pipe may stay open after its exit (a grandchild holding it). */
const PIPE_DRAIN_MS = 500;

/**
 * Starts the bootstrap in a child process and tells it, on its control pipe,
 * to run one target. Throws, with nothing started, for arguments that cannot
 * be sent and for a child the OS does not create.
 */
export function startChild(spec: ChildSpec): StartedChild {
  const { name, daemon } = spec;
  // Checked first: spawn() says why only a tick later, and a daemonic child's setpriv only as exit code 127.
  const unrunnable = whyCannotStart(spec.launch);
  if (unrunnable !== null) throw new ProcessError(`Could not start ${name}: ${unrunnable}`);
  const { payload, transferred } = encodeArgs(spec);
  let inherited: ChildEnd[];
  try {
    inherited = transferred.map(childEndOf);
  } catch (error) {
    restoreTransfers(transferred); // say, one of them is closed: the others stay usable here
    throw error;
  }
  // A non-daemonic child may outlive us: it writes to our stderr itself, as Python's do.
  const { child, exited } = spawnWorker(
    { ...spec.launch, survivesParent: !daemon, shareStderr: true, inherit: () => inherited },
    'pipe',
  );
  const pipe = (child?.stdio[3] ?? null) as net.Socket | null;
  if (child === null || child.pid === undefined || pipe === null) {
    pipe?.destroy();
    throw new ProcessError(
      `Could not start ${name}: the OS did not create the process (out of processes or file descriptors?)`,
    );
  }
  const pid = child.pid;
  // Python joins non-daemonic children at exit: this child keeps us alive.
  if (!daemon) child.ref();
  pipe.unref();

  let error: unknown = undefined;
  const channel = new Channel<WorkerMessage, ParentMessage>(
    pipe,
    (message, body) => {
      if (message.t !== 'targetFailed') return;
      const remote = decodeRemoteFailure({ pid, name }, message.how, body, 'the call that started it');
      error = withCallerFrames(remote, spec.caller);
    },
    () => {},
  );
  const pipeClosed = new Promise<void>((resolve) => pipe.once('close', () => resolve()));
  channel.send(
    {
      t: 'process',
      name,
      identity: spec.identity,
      daemon,
      authkey: spec.authkey.toString('base64'),
      tempDir: tempDirForChildren(),
      parentName: currentProcess().name,
      log: stderrLogLevel(),
      target: spec.target,
    },
    payload,
  );
  const ended = exited.then(async (exit) => {
    await atMost(pipeClosed, PIPE_DRAIN_MS);
    return { exit, error };
  });
  return { pid, kill: (signal) => child.kill(signal), ended };
}

function encodeArgs({ args, name }: ChildSpec): { payload: Payload; transferred: Connection[] } {
  try {
    return encodeTransferring(args) as { payload: Payload; transferred: Connection[] };
  } catch (error) {
    const { path, reason } = describeEncodeFailure(error);
    throw new TypeError(`Cannot send args${path} to ${name}: ${reason}`);
  }
}
