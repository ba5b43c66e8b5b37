/**
 * Why a worker exited: `maxTasks`, `memory`, `timeout`: retired by a limit;
 * `abort`: killed for an AbortSignal; `shutdown`: close/terminate; `crash`: it died by itself.
 */
export type WorkerExitReason = 'maxTasks' | 'memory' | 'timeout' | 'crash' | 'abort' | 'shutdown';
