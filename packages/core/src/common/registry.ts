// Registries live on globalThis under Symbol.for keys, so two copies of
// procpool in one process (a duplicated node_modules, or the bundle beside
// tsc's output) see the same tasks, error classes and types.
export function sharedRegistry<T>(name: string, create: () => T): T {
  const key = Symbol.for(`procpool.registry.${name}`);
  const store = globalThis as unknown as Record<symbol, T | undefined>;
  return (store[key] ??= create());
}
