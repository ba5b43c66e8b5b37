import { sharedRegistry } from './registry.js';

/**
 * What each module registered with defineTasks, by module and task name. A
 * worker runs the module's top level as the parent did, so it finds the very
 * function the parent's reference stands for here, whatever the module exports.
 */
export const definedTasks = sharedRegistry('definedTasks', () => new Map<string, Map<string, unknown>>());
