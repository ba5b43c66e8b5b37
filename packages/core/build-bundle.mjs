// After tsc: bundles the package into dist/bundle (one file per entry plus one
// shared chunk). A worker then loads three files instead of ~35, which is most
// of its start-up time beyond Node's own (docs/performance.md). The shared chunk
// keeps one copy of the codec registries for the bootstrap and the task modules.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry a content hash: clear out the chunks of earlier builds.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: { index: 'dist/index.js', 'bootstrap/main': 'dist/bootstrap/main.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['ts-node', 'typescript'],
  chunkNames: 'shared-[hash]',
  logLevel: 'warning',
});
