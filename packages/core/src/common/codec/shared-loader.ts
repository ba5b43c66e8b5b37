import { mayHoldShared, sharedRevivalInstalled } from './shared.js';

/**
 * Loads the shared objects' code (objects.cjs in the bundle) so the codec
 * can rebuild handles: before decoding a payload that may hold one, where
 * that code may not be loaded yet (a worker's task arguments, a child's
 * Process args).
 */
export async function loadSharedRevival(): Promise<void> {
  const { installSharedRevival } = await import('../objects/revive.js');
  installSharedRevival();
}

/** Whether decoding `text` must wait for loadSharedRevival(). */
export const needsSharedRevival = (text: string): boolean => !sharedRevivalInstalled() && mayHoldShared(text);
