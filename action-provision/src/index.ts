import { run } from './main.js';

await run();
// What the deadline cut off (an SDK backoff timer, a request in flight) must not keep the step
// open after its outcome is written.
process.exit();
