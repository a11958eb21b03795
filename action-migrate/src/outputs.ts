import type { Outputs, StepFacts } from '../../src/core/action-runner.js';
import type { MigrateEnvironmentResult } from '../../src/migration/migrate-environment.js';
import { MigrationFailedError } from '../../src/migration/migration-run.js';

export function migrateOutputs(result: MigrateEnvironmentResult): Outputs {
  const { journal } = result;
  return {
    version: result.version,
    'stack-name': result.activeStack,
    'previous-stack':
      journal.stacks.source && journal.stacks.source !== result.activeStack
        ? journal.stacks.source
        : '',
    'migration-id': journal.id,
    journal: result.journalUrl,
    status: journal.status,
    'data-location': journal.dataLocation,
    'promotion-record': result.record ?? '',
    statistics: JSON.stringify(
      result.gates.map((gate) => ({
        from: gate.from,
        to: gate.to,
        passed: gate.passed,
        buckets: gate.buckets.map((bucket) => ({
          path: bucket.path,
          objects: bucket.target.objects,
          bytes: bucket.target.bytes,
          digest: bucket.target.digest,
        })),
        tables: (gate.tables ?? []).map((table) => ({
          path: table.path,
          items: table.target.items,
          digest: table.target.digest,
        })),
      })),
    ),
  };
}

/** A stopped migration still says which it was, and where its data is. */
export function migrateFailureOutputs(error: unknown, facts: StepFacts): Outputs {
  return {
    ...(facts.version ? { version: facts.version } : {}),
    ...(error instanceof MigrationFailedError && {
      'migration-id': error.journal.id,
      journal: error.journalUrl,
      status: error.journal.status,
      'data-location': error.journal.dataLocation,
    }),
  };
}
