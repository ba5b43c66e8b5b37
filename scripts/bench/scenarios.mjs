// @ts-check
// The scenarios of the benchmark. Each measures one subject (or its baseline,
// or a reference) in one trial process and returns a number in its `unit`, or
// { value, ratio?, extra? } (a ratio taken in the trial; one number per extra
// column). Whether lower or higher is better, the title says.
import { A, B, B2, C } from './scenarios/throughput.mjs';
import { D, F } from './scenarios/startup-and-memory.mjs';
import { E } from './scenarios/payloads.mjs';
import { G } from './scenarios/failure.mjs';
import { H, I, J } from './scenarios/processes.mjs';
import { K, L, M } from './scenarios/shared-state.mjs';
import { N, N2 } from './scenarios/executors.mjs';
import { O, O2, O3 } from './scenarios/command.mjs';
import { P, P2 } from './scenarios/distributed.mjs';

export { Hangs } from './scenarios/helpers.mjs';

// The shapes, documented in scenarios/helpers.mjs, for the files that import this one.
/** @typedef {import('./scenarios/helpers.mjs').RunOptions} RunOptions */
/** @typedef {import('./scenarios/helpers.mjs').Measurement} Measurement */
/** @typedef {import('./scenarios/helpers.mjs').Baseline} Baseline */
/** @typedef {import('./scenarios/helpers.mjs').Scenario} Scenario */

// Sections follow the order of the keys.
/** @type {Record<string, Scenario>} */
export const scenarios = { A, B, B2, C, D, E, F, G, H, I, J, K, L, M, N, N2, O, O2, O3, P, P2 };
