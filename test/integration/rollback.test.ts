import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { listHistories } from '../../src/migration/bucket-versions.js';
import { startDroppingProxy } from '../../harness/dropping-proxy.js';
import {
  ARTIFACTS,
  expectSuccess,
  MigrationWorld,
  nestedGroups,
} from '../support/migration-environment.js';

// strategy: rollback end to end through the bundled action, on moto, with the local service
// whose statistics endpoint counts each stack's objects. These environments keep their data in
// a versioned bucket only (WithDatabase=false): a rollback refuses DB instances, tested last.
let world: MigrationWorld;
// Each test runs the bundled action several times against one moto; on a loaded two-core
// runner that takes minutes, and every run is bounded by runAction's own timeout.
jest.setTimeout(300_000);

beforeAll(async () => {
  world = await MigrationWorld.start();
});

afterAll(async () => {
  await world?.stop();
});

function inputs(environment: string, extra: Record<string, string>): Record<string, string> {
  return {
    environment,
    parameters: `ServiceEndpoint=${world.service.endpoint}\nWithDatabase=false`,
    ...extra,
  };
}

/** Two finished blue/green migrations: blue at 1.0.0 with data, then green at 1.1.0 serving. */
async function switchedToGreen(environment: string, objects: number): Promise<string[]> {
  expectSuccess(
    await world.migrate(inputs(environment, { strategy: 'blue-green', version: '1.0.0' })),
  );
  const keys = await world.writeData(`${environment}-records-blue`, objects, 10);
  expectSuccess(
    await world.migrate(inputs(environment, { strategy: 'blue-green', version: '1.1.0' })),
  );
  return keys;
}

async function put(stackName: string, key: string, body: string): Promise<void> {
  await world.s3.send(
    new PutObjectCommand({ Bucket: await world.bucketOf(stackName), Key: key, Body: body }),
  );
}

async function historyOf(stackName: string, key: string) {
  for await (const history of listHistories(world.s3, await world.bucketOf(stackName))) {
    if (history.key === key) return history.versions.map((version) => version.deleteMarker);
  }
  return [];
}

async function ledger(version: string, environment: string): Promise<string[]> {
  const listed = await world.s3.send(
    new ListObjectsV2Command({
      Bucket: ARTIFACTS,
      Prefix: `promotions/records/${version}/${environment}/statistics/`,
    }),
  );
  return (listed.Contents ?? []).map((object) => object.Key!.replace(/^.*\//, '')).sort();
}

describe('strategy: rollback', () => {
  test('returns users to the previous colour with every write made since the switch, and forward again', async () => {
    const pointer = '/environments/rb/records/active-colour';
    const keys = await switchedToGreen('rb', 300);
    expect(await world.pointer(pointer)).toBe('green');
    expect(await world.instanceStates('rb-records-blue')).toEqual(['Standby', 'Standby']);

    // Users keep writing to green after the switch: a new object, a changed one, a deleted one.
    await put('rb-records-green', 'customer-000/after-the-switch.json', '{"new":true}');
    await put('rb-records-green', keys[1]!, '{"changed":true}');
    await world.s3.send(
      new DeleteObjectCommand({ Bucket: await world.bucketOf('rb-records-green'), Key: keys[2]! }),
    );
    const expected = (await world.keysOf('rb-records-green')).sort();

    // The version is what the previous colour runs; anything else is refused, naming it.
    const wrong = await world.migrate(inputs('rb', { strategy: 'rollback', version: '1.1.0' }));
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.stdout).toContain('rb-records-blue, the previous colour, runs 1.0.0, not 1.1.0');
    // Outside the window it is refused too, with what to do instead.
    const late = await world.migrate(
      inputs('rb', { strategy: 'rollback', version: '1.0.0', 'keep-previous-hours': '0' }),
    );
    expect(late.exitCode).not.toBe(0);
    expect(late.stdout).toMatch(/The rollback window of rb-records-blue ended at/);
    expect(late.stdout).toContain('Migrate forward instead: strategy blue-green');
    expect(await world.pointer(pointer)).toBe('green');
    expect(await world.instanceStates('rb-records-green')).toEqual(['InService', 'InService']);

    const back = expectSuccess(
      await world.migrate(inputs('rb', { strategy: 'rollback', version: '1.0.0' })),
    );
    expect(back.outputs['stack-name']).toBe('rb-records-blue');
    expect(back.outputs['previous-stack']).toBe('rb-records-green');
    expect(back.outputs['status']).toBe('completed');
    expect(await world.pointer(pointer)).toBe('blue');
    expect(await world.instanceStates('rb-records-blue')).toEqual(['InService', 'InService']);
    expect(await world.instanceStates('rb-records-green')).toEqual(['Standby', 'Standby']);
    expect(await world.keysOf('rb-records-blue')).toEqual(expected);
    expect(await world.readObject('rb-records-blue', keys[1]!)).toBe('{"changed":true}');
    // The history is extended, never pruned: the old version, then the one written on green.
    expect(await historyOf('rb-records-blue', keys[1]!)).toEqual([false, false]);
    expect(await historyOf('rb-records-blue', keys[2]!)).toEqual([false, true]);
    // Only what changed since the switch is copied back: two versions and one delete marker.
    expect(back.stdout).toContain(
      'Copy what changed in rb-records-green back into rb-records-blue',
    );
    expect(back.stdout).toMatch(/every version: 2 version\(s\) and 1 delete marker\(s\)/);
    expect(back.summaryText).toContain('rolled back to 1.0.0 (from 1.1.0)');
    expect(back.summaryText).toContain('Statistics gate: rb-records-green → rb-records-blue equal');
    expect(nestedGroups(back.stdout)).toEqual([]);
    const journal = await world.journal(back.outputs['journal']!);
    expect(journal).toMatchObject({
      strategy: 'rollback',
      status: 'completed',
      toVersion: '1.0.0',
      stacks: { source: 'rb-records-green', target: 'rb-records-blue', leaving: '1.1.0' },
    });
    // The ledger: 1.0.0's data passed the gate in rb; 1.1.0 is no longer vouched for there.
    expect((await ledger('1.1.0', 'rb')).pop()).toMatch(/-failed-/);
    expect((await ledger('1.0.0', 'rb')).pop()).toMatch(/-passed-/);

    // A new migration still keeps green for its window...
    const early = await world.migrate(inputs('rb', { strategy: 'blue-green', version: '1.2.0' }));
    expect(early.exitCode).not.toBe(0);
    expect(early.stdout).toMatch(
      /rb-records-green is the previous colour, kept for rollback until/,
    );

    // ...and rolling back the rollback goes forward again, with what blue took meanwhile.
    await put('rb-records-blue', 'customer-001/during-the-rollback.json', '{"blue":true}');
    const forward = expectSuccess(
      await world.migrate(inputs('rb', { strategy: 'rollback', version: '1.1.0' })),
    );
    expect(forward.outputs['stack-name']).toBe('rb-records-green');
    expect(await world.pointer(pointer)).toBe('green');
    expect(await world.keysOf('rb-records-green')).toEqual(
      [...expected, 'customer-001/during-the-rollback.json'].sort(),
    );
    expect(await world.instanceStates('rb-records-green')).toEqual(['InService', 'InService']);
    expect(await world.instanceStates('rb-records-blue')).toEqual(['Standby', 'Standby']);
    expect((await ledger('1.1.0', 'rb')).pop()).toMatch(/-passed-/);
  });

  test('a lossy copy back is caught by the gate: green serves again, and a re-run finishes the rollback', async () => {
    await switchedToGreen('rbl', 60);
    const written = Array.from(
      { length: 40 },
      (_, index) => `customer-00${index % 3}/late-${index}.json`,
    );
    for (const key of written) await put('rbl-records-green', key, `{"late":"${key}"}`);
    const expected = await world.keysOf('rbl-records-green');
    const rollback = inputs('rbl', { strategy: 'rollback', version: '1.0.0' });

    const proxy = await startDroppingProxy(world.moto.endpoint, 8);
    let failed;
    try {
      failed = await world.migrate(rollback, { AWS_ENDPOINT_URL: proxy.endpoint });
    } finally {
      await proxy.close();
    }
    expect(proxy.dropped.length).toBe(5);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stdout).toMatch(
      /The statistics of rbl-records-blue do not match rbl-records-green: bucket DataBucket: 5 object\(s\) differ/,
    );
    // Users are served by green again, as before the rollback; blue stays out of service.
    expect(failed.outputs['status']).toBe('failed');
    expect(failed.outputs['data-location']).toMatch(/^rbl-records-green, serving users again/);
    expect(await world.pointer('/environments/rbl/records/active-colour')).toBe('green');
    expect(await world.instanceStates('rbl-records-green')).toEqual(['InService', 'InService']);
    expect(await world.instanceStates('rbl-records-blue')).toEqual(['Standby', 'Standby']);

    // Green took another write meanwhile; the re-run copies back what is still missing.
    await put('rbl-records-green', 'customer-002/after-the-failure.json', '{}');
    const finished = expectSuccess(await world.migrate(rollback));
    expect(finished.stdout).toContain('Resuming the unfinished migration');
    expect(finished.outputs['status']).toBe('completed');
    expect(await world.keysOf('rbl-records-blue')).toEqual(
      [...expected, 'customer-002/after-the-failure.json'].sort(),
    );
    expect(await world.instanceStates('rbl-records-blue')).toEqual(['InService', 'InService']);
  });

  test('a previous colour written to while out of service is refused before users lose anything', async () => {
    await switchedToGreen('rbw', 50);
    await put('rbw-records-blue', 'customer-000/written-to-the-frozen-colour.json', 'lost?');
    const run = await world.migrate(inputs('rbw', { strategy: 'rollback', version: '1.0.0' }));
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toMatch(
      /rbw-records-blue was written to since users left it: DataBucket \(.*\) held 50 object\(s\)/,
    );
    expect(await world.pointer('/environments/rbw/records/active-colour')).toBe('green');
    expect(await world.instanceStates('rbw-records-green')).toEqual(['InService', 'InService']);
    // Nothing changed, so the rollback ended: a new migration is not blocked by it.
    expect(await world.latestJournal('rbw')).toMatchObject({
      strategy: 'rollback',
      status: 'rolled-back',
    });
  });

  test('a previous colour that is gone, or DB instances, are refused with what to do', async () => {
    // This environment keeps the fixture's database.
    const withDb = (extra: Record<string, string>) => ({ environment: 'rbdb', ...extra });
    expectSuccess(await world.migrate(withDb({ strategy: 'blue-green', version: '1.0.0' })));
    expectSuccess(await world.migrate(withDb({ strategy: 'blue-green', version: '1.1.0' })));
    const run = await world.migrate(withDb({ strategy: 'rollback', version: '1.0.0' }));
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toMatch(/holds RDS DB instance\(s\) \(Database\)/);
    expect(run.stdout).toMatch(/Restore rbdb-records-blue's database from a snapshot/);
    expect(await world.pointer('/environments/rbdb/records/active-colour')).toBe('green');

    const none = await world.migrate(inputs('rbnone', { strategy: 'rollback', version: '1.0.0' }));
    expect(none.exitCode).not.toBe(0);
    expect(none.stdout).toMatch(/has no colours to roll back between/);
  });
});

// The rollback killed (SIGKILL, no cleanup) right after each of its steps is journalled
// (switch-dns needs a record, tested in the first test): the re-run finishes from the journal.
const ROLLBACK_CRASH_POINTS = [
  'check:target',
  'plan-unavailable:source',
  'unavailable:source',
  'copy:source-to-target',
  'compare:source-to-target',
  'switch-pointer',
  'available:target',
  'record:rolled-back',
];

describe('strategy: rollback killed after a step, then run again', () => {
  test.each(ROLLBACK_CRASH_POINTS.map((step, index) => [step, index]))(
    'after %s: the re-run finishes the rollback with every write',
    async (step, index) => {
      const environment = `rbk${index}`;
      await switchedToGreen(environment, 30);
      await put(`${environment}-records-green`, 'customer-000/after-the-switch.json', '{}');
      const expected = (await world.keysOf(`${environment}-records-green`)).sort();
      const rollback = inputs(environment, { strategy: 'rollback', version: '1.0.0' });

      const crashed = await world.migrate(rollback, {
        ENVIRONMENT_PIPELINE_CRASH_AFTER: String(step),
      });
      expect(crashed.exitCode).not.toBe(0);

      const resumed = expectSuccess(await world.migrate(rollback));
      expect(resumed.outputs['status']).toBe('completed');
      expect(resumed.outputs['stack-name']).toBe(`${environment}-records-blue`);
      expect(await world.pointer(`/environments/${environment}/records/active-colour`)).toBe(
        'blue',
      );
      expect(await world.keysOf(`${environment}-records-blue`)).toEqual(expected);
      expect(await world.instanceStates(`${environment}-records-blue`)).toEqual([
        'InService',
        'InService',
      ]);
      expect(await world.instanceStates(`${environment}-records-green`)).toEqual([
        'Standby',
        'Standby',
      ]);
      // Recorded once, after users moved: the version left is no longer vouched for there.
      expect(
        (await ledger('1.1.0', environment)).filter((name) => /-failed-/.test(name)),
      ).toHaveLength(1);
    },
  );
});
