import { errorMessage, RefusalError } from '../core/errors.js';
import { findStack, stackOutputs } from '../aws/stack-lookup.js';
import { STACK_TAG } from '../aws/suite-tags.js';
import { newRecord, recordPromotion } from '../promotion/ledger.js';
import { listStackResources } from '../provisioning/stack-resources.js';
import type { Unavailability } from './availability.js';
import {
  bucketHistoryStatistics,
  bucketStatistics,
  type BucketStatistics,
} from './bucket-compare.js';
import {
  activeColour,
  checkPointerAsJournalled,
  colourStackName,
  writePointer,
} from './colours.js';
import {
  BUCKET_TYPE,
  checkClonable,
  DATABASE_TYPE,
  TABLE_TYPE,
  type GateResult,
} from './data-copy.js';
import { pointUsersBack } from './blue-green.js';
import { pointRecord } from './dns-record.js';
import {
  describeMigration,
  hasStarted,
  isDone,
  stepOf,
  type JournalStep,
  type MigrationJournal,
} from './journal.js';
import type { MigrationContext, MigrationRequest } from './migration-context.js';
import { segmentsFor, tableStatistics, type TableStatistics } from './dynamodb-tables.js';
import type { MigrationOutcome, MigrationRun } from './migration-run.js';
import {
  copyStep,
  gateStep,
  makeStackUnavailable,
  restoreStack,
  restoreStep,
} from './stack-steps.js';
import { journalFor, type MigrationStrategy, type PlannedStacks } from './strategy.js';
import { answered } from '../aws/errors.js';

/** A bucket of the previous colour as the undone migration's statistics gate measured it. */
export interface VerifiedBucket {
  path: string;
  history: boolean;
  statistics: BucketStatistics;
}

/** A table of the previous colour as the undone migration's statistics gate measured it. */
export interface VerifiedTable {
  path: string;
  statistics: TableStatistics;
}

const COPY_BACK = 'source-to-target';

function undoneStep(journal: MigrationJournal, name: string): unknown {
  const step = stepOf(journal, name);
  return step?.status === 'done' ? step.data : undefined;
}

function seeded(name: string, title: string, data: unknown, now: Date): JournalStep {
  const at = now.toISOString();
  return { name, title, status: 'done', startedAt: at, finishedAt: at, data };
}

interface Inherited {
  undoes: string;
  leaving: string;
  unavailability: Unavailability;
  verified: VerifiedBucket[];
  /** Undefined when the undone migration's gate predates tables: what they held is unknown. */
  verifiedTables: VerifiedTable[] | undefined;
}

/**
 * What a rollback needs from the migration it undoes, refused when any of it is unknown: that
 * migration finished by switching users from the colour to return to onto the active one, its
 * statistics gate measured the colour to return to, and its journal says what keeps that
 * colour out of service. A rollback given up before it copied anything changed nothing, so
 * what it inherited is inherited again.
 */
function inherit(
  latest: MigrationJournal | undefined,
  active: string,
  previous: string,
  request: MigrationRequest,
): Inherited {
  const how = `Return to ${previous} by hand (see action-migrate's README, "Rolling back"), or migrate forward with strategy blue-green.`;
  if (!latest) {
    throw new RefusalError(
      `No migration of ${request.component} in ${request.environment} is journalled, so there is no switch to undo.`,
      how,
    );
  }
  const between =
    latest.strategy !== 'update' &&
    latest.strategy !== 'double-clone' &&
    latest.stacks.source === previous &&
    latest.stacks.target === active;
  // A rollback that was given up stands between: its source is the active colour.
  const abandoned =
    latest.strategy === 'rollback' &&
    latest.status === 'rolled-back' &&
    latest.stacks.source === active &&
    latest.stacks.target === previous;
  if (abandoned && !hasStarted(latest, `copy:${COPY_BACK}`)) {
    const unavailability = undoneStep(latest, 'plan-unavailable:target') as
      Unavailability | undefined;
    const verified = undoneStep(latest, 'verified:target') as VerifiedBucket[] | undefined;
    if (unavailability && verified) {
      return {
        undoes: latest.stacks.undoes,
        leaving: latest.stacks.leaving,
        unavailability,
        verified,
        verifiedTables: undoneStep(latest, 'verified-tables:target') as VerifiedTable[] | undefined,
      };
    }
  }
  if (!between || latest.status !== 'completed') {
    throw new RefusalError(
      `The newest journal is ${describeMigration(latest)}, not a finished switch from ${previous} to ${active}, so it cannot be told what ${previous} holds or what keeps it out of service.`,
      abandoned
        ? `That rollback was given up after it began copying into ${previous}, so ${previous} no longer holds what was verified. ${how}`
        : how,
    );
  }
  const unavailability = undoneStep(latest, 'plan-unavailable:source') as
    Unavailability | undefined;
  const gate = undoneStep(latest, `compare:${COPY_BACK}`) as GateResult | undefined;
  if (!unavailability || !gate || gate.from !== previous) {
    throw new RefusalError(
      `The journal of ${describeMigration(latest)} has no ${unavailability ? `statistics gate measuring ${previous}` : `record of what took ${previous} out of service`}.`,
      how,
    );
  }
  return {
    undoes: latest.id,
    leaving: latest.toVersion,
    unavailability,
    verified: gate.buckets.map((bucket) => ({
      path: bucket.path,
      history: bucket.history === true,
      statistics: bucket.source,
    })),
    verifiedTables: gate.tables?.map((table) => ({ path: table.path, statistics: table.source })),
  };
}

/** A stack's suite version tag; undefined when it has none. */
function versionOf(stack: { Tags?: { Key?: string; Value?: string }[] }): string | undefined {
  return stack.Tags?.find((tag) => tag.Key === STACK_TAG.version)?.Value || undefined;
}

/**
 * Plans a rollback: the active colour and the previous one both exist, the previous runs the
 * requested version and is still inside its window, and nothing in either is data the
 * rollback cannot copy back.
 */
async function planRollback(
  context: MigrationContext,
  request: MigrationRequest,
  stackName: string,
  latest: MigrationJournal | undefined,
): Promise<PlannedStacks> {
  const colours = await activeColour(
    context.ssm(),
    context.cloudFormation,
    stackName,
    request.pointerParameter,
  );
  const { pointer } = colours;
  if (!pointer.colour || !colours.active) {
    throw new RefusalError(
      `${request.pointerParameter} does not exist, so ${request.environment} has no colours to roll back between.`,
      'A rollback undoes a finished blue-green migration.',
    );
  }
  const sourceColour = pointer.colour;
  const targetColour = sourceColour === 'blue' ? 'green' : 'blue';
  const source = answered(colours.active.StackName, 'StackName (CloudFormation DescribeStacks)');
  const target = colourStackName(stackName, targetColour);
  const previous = targetColour === 'blue' ? colours.blue : colours.green;
  if (!previous) {
    throw new RefusalError(
      `The previous colour ${target} is gone (retired once keep-previous-hours passed, or deleted), so there is nothing to roll back to.`,
      `Migrate forward instead: strategy blue-green with the version to run (it builds it from the template and clones ${source}'s data into it).`,
    );
  }
  const endsAt = (pointer.since?.getTime() ?? 0) + request.keepPreviousHours * 3_600_000;
  if (pointer.since === undefined || endsAt <= context.clock.now()) {
    throw new RefusalError(
      pointer.since === undefined
        ? `When ${request.pointerParameter} last changed is unknown, so it cannot be shown that ${target} is still inside its rollback window.`
        : `The rollback window of ${target} ended at ${new Date(endsAt).toISOString()} (keep-previous-hours: ${request.keepPreviousHours} from the switch at ${pointer.since.toISOString()}); ${source}'s data has moved on since, and ${target} may be retired at any time.`,
      `Migrate forward instead: strategy blue-green with the version to run (it retires ${target} and clones ${source}'s data into a new stack).`,
    );
  }
  const previousVersion = versionOf(previous);
  if (previousVersion !== request.version) {
    throw new RefusalError(
      previousVersion === undefined
        ? `${target} has no ${STACK_TAG.version} tag, so it cannot be shown to run ${request.version}.`
        : `${target}, the previous colour, runs ${previousVersion}, not ${request.version}.`,
      previousVersion === undefined
        ? 'A rollback returns to a colour the suite deployed; migrate forward with strategy blue-green instead.'
        : `Run the rollback with version ${previousVersion}: a rollback returns to what the previous colour runs.`,
    );
  }
  const inherited = inherit(latest, source, target, request);
  if (inherited.unavailability.mode === 'maintenance-hook' && request.hook === undefined) {
    throw new RefusalError(
      `${target} was taken out of service with availability maintenance-hook, so only its maintenance-off URL brings it back.`,
      'Run the rollback with availability: maintenance-hook and the same maintenance URLs.',
    );
  }
  await checkClonable(context, request, source);
  // Each colour listed once, for what it must not hold and what must have been measured.
  const [sourceData, targetData] = await Promise.all([
    listStackResources(context.cloudFormation, source, [DATABASE_TYPE, TABLE_TYPE]),
    listStackResources(context.cloudFormation, target, [DATABASE_TYPE, TABLE_TYPE]),
  ]);
  const databases = [...sourceData, ...targetData].filter(
    (resource) => resource.type === DATABASE_TYPE,
  );
  if (databases.length > 0) {
    throw new RefusalError(
      `${source} or ${target} holds RDS DB instance(s) (${[...new Set(databases.map((db) => db.path))].join(', ')}): a rollback copies bucket data back, and a database's writes since the switch cannot be copied into ${target}'s database without replacing it.`,
      `Restore ${target}'s database from a snapshot of ${source}'s by hand, or migrate forward with strategy blue-green to ${request.version} (it snapshots ${source}'s databases into the new stack).`,
    );
  }
  const unmeasured = sourceData.filter(
    (resource) =>
      resource.type === TABLE_TYPE &&
      !inherited.verifiedTables?.some((verified) => verified.path === resource.path),
  );
  if (unmeasured.length > 0) {
    throw new RefusalError(
      `${source} holds DynamoDB table(s) (${unmeasured.map((table) => table.path).join(', ')}) that the statistics gate of migration ${inherited.undoes} did not measure in ${target}, so it cannot be shown that ${target}'s tables still hold what users left there.`,
      `Migrate forward with strategy blue-green to ${request.version} instead (it copies every item into the new stack's tables).`,
    );
  }
  const now = new Date(context.clock.now());
  const leaving = versionOf(colours.active) ?? inherited.leaving;
  context.logger.info(
    `Rolling back migration ${inherited.undoes}: ${source} (${leaving}) serves users; ${target} (${request.version}) is kept until ${new Date(endsAt).toISOString()}.`,
  );
  return {
    strategy: 'rollback',
    stacks: {
      source,
      target,
      sourceColour,
      targetColour,
      undoes: inherited.undoes,
      leaving,
    },
    steps: [
      // Named as the copying steps name a frozen stack's plan, so restoring it finds it.
      seeded(
        'plan-unavailable:target',
        `Take over how migration ${inherited.undoes} stopped traffic to ${target}`,
        inherited.unavailability,
        now,
      ),
      seeded(
        'verified:target',
        `Take over what migration ${inherited.undoes} verified in the buckets of ${target}`,
        inherited.verified,
        now,
      ),
      seeded(
        'verified-tables:target',
        `Take over what migration ${inherited.undoes} verified in the tables of ${target}`,
        inherited.verifiedTables ?? [],
        now,
      ),
    ],
  };
}

/**
 * Refuses to copy into the previous colour when it no longer holds exactly what the undone
 * migration's gate measured: whatever was written there since would be overwritten.
 */
async function checkUnchanged(run: MigrationRun, target: string): Promise<void> {
  const verified = (run.data('verified:target') as VerifiedBucket[] | undefined) ?? [];
  const verifiedTables = (run.data('verified-tables:target') as VerifiedTable[] | undefined) ?? [];
  const resources = await listStackResources(run.context.cloudFormation, target, [
    BUCKET_TYPE,
    TABLE_TYPE,
  ]);
  const buckets = resources.filter((resource) => resource.type === BUCKET_TYPE);
  const tables = resources.filter((resource) => resource.type === TABLE_TYPE);
  const changed: string[] = [];
  for (const bucket of verified) {
    const live = buckets.find((candidate) => candidate.path === bucket.path);
    if (!live) {
      changed.push(`${bucket.path} is gone`);
      continue;
    }
    const now = bucket.history
      ? await bucketHistoryStatistics(run.context.s3(), live.physicalId)
      : await bucketStatistics(run.context.s3(), live.physicalId);
    const then = bucket.statistics;
    if (now.digest !== then.digest) {
      changed.push(
        `${bucket.path} (${live.physicalId}) held ${then.objects} object(s), ${then.bytes} bytes and now holds ${now.objects}, ${now.bytes} bytes`,
      );
    } else {
      run.context.logger.info(
        `${bucket.path}: ${now.objects} object(s), as verified when users left ${target}.`,
      );
    }
  }
  for (const table of verifiedTables) {
    const live = tables.find((candidate) => candidate.path === table.path);
    if (!live) {
      changed.push(`table ${table.path} is gone`);
      continue;
    }
    const now = await tableStatistics(
      run.context.dynamodb(),
      live.physicalId,
      segmentsFor(run.request.copyConcurrency),
    );
    if (now.digest !== table.statistics.digest) {
      changed.push(
        `table ${table.path} (${live.physicalId}) held ${table.statistics.items} item(s) and now holds ${now.items}${now.items === table.statistics.items ? ', changed' : ''}`,
      );
    } else {
      run.context.logger.info(
        `${table.path}: ${now.items} item(s), as verified when users left ${target}.`,
      );
    }
  }
  if (changed.length > 0) {
    throw new RefusalError(
      `${target} was written to since users left it: ${changed.join('; ')}. Copying the newer data back would overwrite that.`,
      `Find out what wrote to ${target}; the newer colour still serves users, untouched.`,
    );
  }
}

/** The version the environment leaves is no longer vouched for there: promotions from it stop. */
async function recordLeft(run: MigrationRun): Promise<string> {
  const { leaving, source, target } = journalFor(run.journal, 'rollback').stacks;
  const { context, request } = run;
  return recordPromotion(
    context.s3(),
    request.journalBucket,
    newRecord(
      {
        component: request.component,
        version: leaving,
        environment: request.environment,
        gate: 'statistics',
      },
      false,
      request.run,
      new Date(context.clock.now()),
      {
        stackName: source,
        detail: `rolled back: ${request.environment} returned to ${request.version} (${target}) by migration ${run.journal.id}`,
      },
    ),
    context.logger,
  );
}

/** Everything after the check, forgotten when users are served again so a re-run redoes it. */
const PHASE = new Set([
  'plan-unavailable:source',
  'unavailable:source',
  `copy:${COPY_BACK}`,
  `compare:${COPY_BACK}`,
  'switch-pointer',
  'switch-dns',
]);

/**
 * Serves users from the newer colour again, as before the rollback began; the previous colour
 * stays out of service. `retry` leaves the rollback unfinished, to be run again (the copy back
 * is a mirror, so it picks up the writes made meanwhile); `abandon` ends it (recover: rollback).
 */
async function serveNewerAgain(
  run: MigrationRun,
  cause: unknown,
  then: 'retry' | 'abandon',
): Promise<void> {
  const { source, target, sourceColour } = journalFor(run.journal, 'rollback').stacks;
  if (isDone(run.journal, 'available:target')) {
    throw new RefusalError(
      `Rollback ${run.journal.id} already serves users from ${target}; it cannot be undone.`,
      `Run strategy: rollback again, with the version ${source} runs, to return to ${source}.`,
    );
  }
  await run.context.logger.group(`Serve users from ${source} again`, async () => {
    const problems = await pointUsersBack(run, sourceColour, source);
    await restoreStack(run, ['source'], source).catch((error: unknown) =>
      problems.push(`restoring ${source}'s availability failed: ${errorMessage(error)}`),
    );
    const location = `${source}, serving users again (nothing of it changed); ${target} out of service${hasStarted(run.journal, `copy:${COPY_BACK}`) ? ', part of the copy back done' : ''}`;
    if (problems.length > 0) {
      await run.setStatus(
        'failed',
        location,
        `${errorMessage(cause)} Then: ${problems.join('; ')}`,
      );
      throw new RefusalError(
        `Serving users from ${source} again left work undone: ${problems.join('; ')}.`,
        'Run again with recover: rollback to finish it.',
      );
    }
    if (then === 'abandon') {
      await run.setStatus('rolled-back', location, cause);
      return;
    }
    run.forget((name) => PHASE.has(name));
    await run.setStatus('failed', location, cause);
  });
}

/**
 * Returns users to the previous colour of a finished blue/green migration, inside its window:
 * the previous colour is checked to hold what was verified when users left it, the newer
 * colour is taken out of service, whatever changed in it since the switch is copied back and
 * the statistics gate compares the two, then the pointer and the DNS record move back. The
 * newer colour is kept, out of service, until keep-previous-hours pass: a rollback of this
 * rollback goes forward again.
 */
async function rollBack(run: MigrationRun): Promise<MigrationOutcome> {
  const stacks = journalFor(run.journal, 'rollback').stacks;
  const { source, target, targetColour } = stacks;
  try {
    await run.step('check:target', `Check that ${target} holds what was verified`, () =>
      checkUnchanged(run, target),
    );
    await makeStackUnavailable(run, 'source', source);
    await copyStep(run, COPY_BACK, source, target, 'mirror');
    await gateStep(run, COPY_BACK, source, target, []);
    await run.step(
      'switch-pointer',
      `Point ${run.request.pointerParameter} back at ${targetColour}`,
      () => writePointer(run.context.ssm(), run.request.pointerParameter, targetColour),
    );
    const record = run.request.dnsRecord;
    if (record) {
      await run.step('switch-dns', `Point ${record.name} back at ${target}`, async () =>
        pointRecord(
          run.context.route53(),
          record,
          stackOutputs(await findStack(run.context.cloudFormation, target)),
          target,
          run.context.logger,
        ),
      );
    }
    await run.locate(
      `${target} (active, verified against ${source}); ${source} keeps ${stacks.leaving}'s copy`,
    );
    await restoreStep(run, 'target', target);
  } catch (error) {
    // Refused before the newer colour was touched: nothing changed, so the rollback ends.
    const then = hasStarted(run.journal, 'plan-unavailable:source') ? 'retry' : 'abandon';
    return run.failAfter(error, () => serveNewerAgain(run, error, then));
  }
  await run.step('record:rolled-back', `Record that ${stacks.leaving} was rolled back`, () =>
    recordLeft(run),
  );
  await run.complete(
    `${target} (active at ${run.request.version}, verified against ${source}); ${source} keeps ${stacks.leaving} and its data, out of service, until keep-previous-hours pass`,
  );
  return run.outcome(target);
}

/** rollback, registered by name: a finished blue/green switch undone, data copied back. */
export const rollbackStrategy: MigrationStrategy = {
  name: 'rollback',
  plan: planRollback,
  async checkResumable(context, request, journal) {
    const { sourceColour, targetColour } = journalFor(journal, 'rollback').stacks;
    await checkPointerAsJournalled(context.ssm(), request.pointerParameter, journal, {
      from: sourceColour,
      to: targetColour,
    });
  },
  run: rollBack,
  rollBack: (run, reason) => serveNewerAgain(run, reason, 'abandon'),
  verifiedStack: (journal) => journalFor(journal, 'rollback').stacks.target,
};
