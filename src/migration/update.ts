import { errorMessage } from '../core/errors.js';
import { deployStack } from '../provisioning/deploy-stack.js';
import { storageStatistics, type BucketStatistics } from './bucket-compare.js';
import { stackBuckets, type GateResult } from './data-copy.js';
import { deployRequestFor } from './migration-context.js';
import { GateFailedError, type MigrationOutcome, type MigrationRun } from './migration-run.js';
import {
  compareStatistics,
  fetchStackStatistics,
  type StatisticsEndpoint,
} from './statistics-endpoint.js';
import {
  makeStackUnavailable,
  requireSourceStack,
  restoreStack,
  restoreStep,
} from './stack-steps.js';
import { describeMigration } from './journal.js';
import { journalFor, type MigrationStrategy } from './strategy.js';
import { RefusalError } from '../core/errors.js';

interface Before {
  buckets: { path: string; statistics: BucketStatistics }[];
  endpoint?: { url: string; data: unknown };
}

/**
 * In place: the stack is updated through a change set that the stateful-resource guard must
 * pass (no bucket or database removed or replaced), and the data is measured before and
 * after: the update must not have changed it.
 */
async function updateInPlace(run: MigrationRun): Promise<MigrationOutcome> {
  const { context, request } = run;
  const { source } = journalFor(run.journal, 'update').stacks;
  const fetchNow = (endpoint: StatisticsEndpoint) =>
    fetchStackStatistics(endpoint, context.cloudFormation, source, context.logger, context.clock);
  try {
    await makeStackUnavailable(run, 'source', source);
    const before = await run.step('measure:before', `Measure the data of ${source}`, async () => {
      const buckets = [];
      for (const bucket of await stackBuckets(context, source)) {
        buckets.push({
          path: bucket.path,
          statistics: await storageStatistics(context.s3(), bucket.physicalId),
        });
      }
      const measured: Before = { buckets };
      if (request.statistics) {
        const fetched = await fetchNow(request.statistics);
        measured.endpoint = { url: fetched.url, data: fetched.data };
      }
      return measured;
    });
    await run.step(
      'update',
      `Update ${source} to ${request.version}`,
      async () => {
        await deployStack(
          context,
          deployRequestFor(request, source, {
            allowReplacement: request.allowReplacement,
            protect: request.protect,
          }),
        );
      },
      false, // deployStack opens log groups of its own
    );
    await run.step(
      'compare:before-after',
      `Compare the data of ${source} before and after`,
      async () => {
        const gate: GateResult = {
          from: `${source} before`,
          to: `${source} after`,
          passed: true,
          buckets: [],
          databases: [],
        };
        const after = await stackBuckets(context, source);
        for (const entry of before.buckets) {
          const bucket = after.find((candidate) => candidate.path === entry.path);
          const statistics = bucket
            ? await storageStatistics(context.s3(), bucket.physicalId)
            : { bucket: '(removed)', objects: 0, bytes: 0, digest: '-' };
          const equal =
            bucket?.physicalId === entry.statistics.bucket &&
            statistics.digest === entry.statistics.digest &&
            statistics.objects === entry.statistics.objects;
          gate.buckets.push({
            path: entry.path,
            source: entry.statistics,
            target: statistics,
            equal,
            differenceCount: equal
              ? 0
              : Math.abs(statistics.objects - entry.statistics.objects) || 1,
            differences: [],
            sizeOnly: 0,
          });
        }
        if (request.statistics && before.endpoint) {
          const fetched = await fetchNow(request.statistics);
          const comparison = compareStatistics(
            { stackName: source, ...before.endpoint },
            fetched,
            request.statistics.ignore,
          );
          gate.endpoint = {
            equal: comparison.equal,
            differences: comparison.differences,
            sourceUrl: before.endpoint.url,
            targetUrl: fetched.url,
          };
        }
        gate.passed =
          gate.buckets.every((bucket) => bucket.equal) && (gate.endpoint?.equal ?? true);
        run.gates.push(gate);
        if (!gate.passed) throw new GateFailedError(gate);
        return gate;
      },
    );
    await restoreStep(run, 'source', source);
  } catch (error) {
    return run.failAfter(error, () =>
      context.logger.group(`Serve users from ${source} again`, async () => {
        let note = '';
        await restoreStack(run, ['source'], source).catch((restore: unknown) => {
          note = `; restoring its availability failed (${errorMessage(restore)})`;
        });
        await run.setStatus(
          run.done('update') ? 'failed' : 'rolled-back',
          `${source}${run.done('update') ? ' (updated; its data did not measure the same, see the comparison)' : ', not updated'}${note}`,
          error,
        );
      }),
    );
  }
  await run.complete(`${source} (updated in place; data measured the same before and after)`);
  return run.outcome(source);
}

/** update, registered by name: the one stack updated in place, its data measured around it. */
export const updateStrategy: MigrationStrategy = {
  name: 'update',
  async plan(context, _request, stackName) {
    await requireSourceStack(context, stackName);
    return { strategy: 'update', stacks: { source: stackName } };
  },
  // Nothing can have moved: the one stack is where the journal says it is.
  checkResumable: async () => {},
  run: updateInPlace,
  async rollBack(run, reason) {
    const { source } = journalFor(run.journal, 'update').stacks;
    if (run.done('update')) {
      throw new RefusalError(
        `The in-place update of ${describeMigration(run.journal)} has been applied; it cannot be rolled back by the migration.`,
        'Deploy the previous version with action-provision.',
      );
    }
    await restoreStack(run, ['source'], source);
    await run.setStatus('rolled-back', `${source}, not updated`, reason);
  },
  verifiedStack: (journal) => journal.stacks.source,
};
