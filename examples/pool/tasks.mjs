// The task module of docs/pool.md's examples.
import { defineTasks } from '@procpool/core';

export const { square } = defineTasks(import.meta.url, { square: (x) => x * x });
