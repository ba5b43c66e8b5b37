import { randomUUID } from 'node:crypto';

// Every process the suite starts inherits this marker, so the teardown can
// find any that outlived it, whoever its parent is now.
export default function globalSetup(): void {
  process.env.PROCPOOL_TEST_RUN = randomUUID();
}
