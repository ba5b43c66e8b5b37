// @ts-check
import functions from './functions.cjs';

export const { noop, cpu, echo, pid, hang } = functions;
