import type { Strategy } from './journal.js';
import type { MigrationStrategy } from './strategy.js';

/**
 * Every strategy by the name `strategy:` takes; a new one is added here and nowhere else. Each
 * is loaded when a migration first needs it, with the Auto Scaling, RDS, SSM and Route 53 code
 * its steps use: reading the journal and taking the lock need none of it.
 */
const STRATEGIES: Record<Strategy, () => Promise<MigrationStrategy>> = {
  update: async () => (await import('./update.js')).updateStrategy,
  'double-clone': async () => (await import('./double-clone.js')).doubleCloneStrategy,
  'blue-green': async () => (await import('./blue-green.js')).blueGreenStrategy,
  rollback: async () => (await import('./rollback.js')).rollbackStrategy,
};

export function loadStrategy(name: Strategy): Promise<MigrationStrategy> {
  return STRATEGIES[name]();
}
