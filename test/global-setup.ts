import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Every process the suite starts inherits this marker, so the teardown can
// find any that outlived it, whoever its parent is now; and a temporary
// directory of the suite's own, so the teardown can tell what it left there.
export default function globalSetup(): void {
  process.env.PROCPOOL_TEST_RUN = randomUUID();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'procpool-suite-'));
  process.env.PROCPOOL_TEST_TMPDIR = tmp;
  process.env.TMPDIR = tmp;
}
