import { currentProcess } from './process-info.js';
import { sharedRegistry } from './registry.js';
import { show } from './validate.js';

/** How much a logger lets through, from most to least verbose. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One message logged, as every handler receives it. */
export interface LogRecord {
  readonly level: LogLevel;
  readonly message: string;
  /** `currentProcess().name` when it was logged: `MainProcess`, `PoolWorker-N`, … */
  readonly processName: string;
  readonly pid: number;
  /** When it was logged, in ms since the epoch (`Date.now()`). */
  readonly time: number;
}

/**
 * Receives every record at or above the logger's level, synchronously. One
 * that throws does not stop the others: its error is rethrown on the next
 * tick, as an uncaught exception.
 */
export type LogHandler = (record: LogRecord) => void;

/** procpool's logger: Python's `multiprocessing.get_logger()`. */
export interface Logger {
  /** The least severe level passed to the handlers. @default 'warn' */
  readonly level: LogLevel;
  /** A copy of the handlers, in the order they are called. */
  readonly handlers: readonly LogHandler[];
  /** Throws a TypeError for anything but `'debug'`, `'info'`, `'warn'`, `'error'`. */
  setLevel(level: LogLevel): void;
  /** Adds `handler` unless it is there already. */
  addHandler(handler: LogHandler): void;
  removeHandler(handler: LogHandler): void;
  /**
   * Whether a message at `level` would reach a handler: false below the level,
   * and at every level while there is no handler. Check it before building an
   * expensive message.
   * @example
   * if (logger.isEnabledFor('debug')) logger.debug(`state: ${JSON.stringify(state)}`);
   */
  isEnabledFor(level: LogLevel): boolean;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

// Python's numbers for the same levels.
const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };
// Python's level names, so lines read as Python's do.
const LABEL: Readonly<Record<LogLevel, string>> = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' };
const LEVELS = Object.keys(RANK).map((level) => `'${level}'`);

// A switch, not a lookup in RANK: isEnabledFor is what every call site pays when logging is off.
function rankOf(level: unknown): number {
  switch (level) {
    case 'debug':
      return RANK.debug;
    case 'info':
      return RANK.info;
    case 'warn':
      return RANK.warn;
    case 'error':
      return RANK.error;
    default:
      throw new TypeError(`Expected \`level\` to be one of ${LEVELS.join(', ')}, got ${show(level)}`);
  }
}

function checkHandler(handler: unknown): void {
  if (typeof handler !== 'function') {
    throw new TypeError(`Expected \`handler\` to be a function, got ${show(handler)}`);
  }
}

class ProcpoolLogger implements Logger {
  #level: LogLevel = 'warn';
  #handlers: LogHandler[] = [];
  // The least rank that reaches a handler: Infinity while there is none, so
  // that a logger nobody listens to costs one comparison per call site.
  #threshold = Infinity;

  get level(): LogLevel {
    return this.#level;
  }

  get handlers(): readonly LogHandler[] {
    return [...this.#handlers];
  }

  setLevel(level: LogLevel): void {
    rankOf(level);
    this.#level = level;
    this.#update();
  }

  addHandler(handler: LogHandler): void {
    checkHandler(handler);
    if (!this.#handlers.includes(handler)) this.#handlers = [...this.#handlers, handler];
    this.#update();
  }

  removeHandler(handler: LogHandler): void {
    checkHandler(handler);
    this.#handlers = this.#handlers.filter((known) => known !== handler);
    this.#update();
  }

  isEnabledFor(level: LogLevel): boolean {
    return rankOf(level) >= this.#threshold;
  }

  debug(message: string): void {
    if (RANK.debug >= this.#threshold) this.#emit('debug', message);
  }

  info(message: string): void {
    if (RANK.info >= this.#threshold) this.#emit('info', message);
  }

  warn(message: string): void {
    if (RANK.warn >= this.#threshold) this.#emit('warn', message);
  }

  error(message: string): void {
    if (RANK.error >= this.#threshold) this.#emit('error', message);
  }

  #update(): void {
    this.#threshold = this.#handlers.length === 0 ? Infinity : RANK[this.#level];
  }

  #emit(level: LogLevel, message: string): void {
    const { name, pid } = currentProcess();
    const record: LogRecord = { level, message: String(message), processName: name, pid, time: Date.now() };
    // The array is replaced, never changed, so a handler that adds or removes one does not disturb this loop.
    for (const handler of this.#handlers) {
      try {
        handler(record);
      } catch (error) {
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }
}

/**
 * procpool's logger, one per process (every copy of procpool loaded in it
 * shares it). It starts at level `'warn'` with no handler, so it prints
 * nothing until a handler is added (`logToStderr()` adds one).
 * @example
 * getLogger().addHandler((record) => myLogger.log(record.level, record.message));
 */
export function getLogger(): Logger {
  return sharedRegistry<Logger>('logger', () => new ProcpoolLogger());
}

// Shared too, so that logToStderr() from two copies of procpool adds one handler, not two.
const stderrHandler = (): LogHandler =>
  sharedRegistry<LogHandler>('logToStderr', () => (record) => {
    process.stderr.write(`[${LABEL[record.level]}/${record.processName}] ${record.message}\n`);
  });

/**
 * Sets the logger's level and makes it print each message to stderr as a line
 * `[INFO/MainProcess] message`, like Python's `log_to_stderr()`. Calling it
 * again changes the level only: the lines are never printed twice.
 * @default level 'info'
 * @example
 * logToStderr('debug'); // [DEBUG/MainProcess] started PoolWorker-1 (pid 4242)
 */
export function logToStderr(level: LogLevel = 'info'): Logger {
  rankOf(level);
  const logger = getLogger();
  logger.setLevel(level);
  logger.addHandler(stderrHandler());
  return logger;
}

/** The level children are to log to stderr at, as Python's spawn passes log_to_stderr() on; null when it is off here. */
export function stderrLogLevel(): LogLevel | null {
  const logger = getLogger();
  return logger.handlers.includes(stderrHandler()) ? logger.level : null;
}
