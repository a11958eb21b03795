// The service the smoke benchmark loads, in its own process so the load generators never
// share an event loop with it. Prints its endpoint, then serves until killed.
import { startSmokeService } from '../harness/smoke-service.js';

const service = await startSmokeService();
console.log(service.endpoint);
process.on('SIGTERM', () => {
  void service.close().then(() => process.exit(0));
});
