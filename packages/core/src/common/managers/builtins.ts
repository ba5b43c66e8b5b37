import { Condition } from '../objects/condition.js';
import { Barrier, Event } from '../objects/events.js';
import { BoundedSemaphore, Lock, RLock, Semaphore } from '../objects/locks.js';
import { JoinableQueue, Queue } from '../objects/queues.js';
import type { SharedObject } from '../objects/shared-object.js';
import { Array as SharedArray, Value } from '../objects/values.js';
import {
  DICT_METHODS,
  LIST_METHODS,
  NAMESPACE_METHODS,
  SharedDict,
  SharedList,
  SharedNamespace,
} from './containers.js';

/** A container a manager holds: its state, and which proxy reaches it. */
export interface Container {
  referent: object;
  kind: 'DictProxy' | 'ListProxy' | 'NamespaceProxy';
  exposed: readonly string[];
}

type Make = (...args: never[]) => SharedObject | Container;

// What SyncManager's creators make in its server process. Queues, locks and
// values are the same objects as a process's own, hosted by the manager.
export const BUILTINS: Readonly<Record<string, Make>> = {
  dict: (init?: unknown) => ({ referent: new SharedDict(init), kind: 'DictProxy', exposed: DICT_METHODS }),
  list: (init?: unknown) => ({ referent: new SharedList(init), kind: 'ListProxy', exposed: LIST_METHODS }),
  Namespace: (init?: unknown) => ({
    referent: new SharedNamespace(init),
    kind: 'NamespaceProxy',
    exposed: NAMESPACE_METHODS,
  }),
  Queue: (maxsize?: number) => new Queue(maxsize),
  JoinableQueue: (maxsize?: number) => new JoinableQueue(maxsize),
  Lock: () => new Lock(),
  RLock: () => new RLock(),
  Semaphore: (value?: number) => new Semaphore(value),
  BoundedSemaphore: (value?: number) => new BoundedSemaphore(value),
  Condition: (lock?: Lock | RLock) => new Condition(lock),
  Event: () => new Event(),
  Barrier: (parties: number, options?: ConstructorParameters<typeof Barrier>[1]) => new Barrier(parties, options),
  Value: (...args: ConstructorParameters<typeof Value>) => new Value(...args),
  Array: (...args: ConstructorParameters<typeof SharedArray>) => new SharedArray(...args),
};
