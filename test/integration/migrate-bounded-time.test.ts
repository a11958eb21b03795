import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startDroppingProxy } from '../../harness/dropping-proxy.js';
import { expectSuccess, MigrationWorld } from '../support/migration-environment.js';

// Every step ends in bounded time and leaves users served (issue 12). A proxy in front of moto
// answers 503 SlowDown to every CopyObject, as S3 does to a hot prefix: the SDK's adaptive
// retries and the copier's own rounds would otherwise keep the migration going for tens of
// minutes with the original in Standby.
let world: MigrationWorld;

beforeAll(async () => {
  world = await MigrationWorld.start();
});

afterAll(async () => {
  await world?.stop();
});

async function throttledMigration(
  environment: string,
  inputs: Record<string, string>,
  signal?: Parameters<MigrationWorld['migrate']>[2],
) {
  // A blue/green environment's first run creates blue, which then holds the data.
  let source = `${environment}-records`;
  if (inputs['strategy'] === 'blue-green') {
    expectSuccess(await world.migrate({ strategy: 'blue-green', environment, version: '1.0.0' }));
    source = `${environment}-records-blue`;
  } else {
    expectSuccess(await world.provision(environment, '1.0.0'));
  }
  const keys = await world.writeData(source, 30, 3);
  const proxy = await startDroppingProxy(world.moto.endpoint, 1, 'throttle');
  try {
    const run = await world.migrate(
      { environment, version: '2.0.0', ...inputs },
      { AWS_ENDPOINT_URL: proxy.endpoint },
      signal,
    );
    return { run, keys, source, throttled: proxy.dropped.length };
  } finally {
    await proxy.close();
  }
}

describe('a migration S3 throttles without end', () => {
  test('timeout-minutes: 2 ends the step within 2 minutes, with the original serving users again', async () => {
    const { run, keys, throttled } = await throttledMigration('slow', {
      strategy: 'double-clone',
      'timeout-minutes': '2',
    });

    expect(run.exitCode).not.toBe(0);
    // The whole step, node start-up and the rollback included, fits in the 2 minutes.
    expect(run.durationMs).toBeLessThan(120_000);
    // The work had its share (2 min less the 30 s reserve) before it was stopped.
    expect(run.durationMs).toBeGreaterThan(85_000);
    expect(throttled).toBeGreaterThan(10);
    expect(run.outputs['status']).toBe('rolled-back');
    expect(run.outputs['data-location']).toBe('slow-records, untouched (the original)');
    // Says what ran out, and what AWS was doing to the step meanwhile.
    expect(run.stdout).toMatch(/The step ran out of time during S3 CopyObject: timeout-minutes: 2/);
    expect(run.stdout).toMatch(/S3 CopyObject answered SlowDown for 1 min \d+ s \(\d+ times\)/);
    expect(run.summaryText).toContain('### AWS throttling');
    expect(run.summaryText).toMatch(/\| S3 CopyObject \| SlowDown \| \d+ \|/);
    // Users are served by the original again, with every object; the partial copy is gone.
    expect(await world.instanceStates('slow-records')).toEqual(['InService', 'InService']);
    expect(await world.keysOf('slow-records')).toEqual(keys.sort());
    expect(await world.stack('slow-records-temporary')).toBeUndefined();
    const journal = await world.latestJournal('slow');
    expect(journal['status']).toBe('rolled-back');
    expect(String(journal['error'])).toMatch(/S3 CopyObject answered SlowDown/);

    // Nothing is left locked or half done: the next run, unthrottled, migrates.
    const next = expectSuccess(
      await world.migrate({ strategy: 'double-clone', environment: 'slow', version: '2.0.0' }),
    );
    expect(next.outputs['status']).toBe('completed');
    expect(await world.keysOf('slow-records')).toEqual(keys.sort());
  }, 300_000);

  test('the runner stopping the step (SIGINT) serves users again before its 7.5 s run out', async () => {
    const { run, keys, source } = await throttledMigration(
      'cut',
      { strategy: 'blue-green' },
      { signal: 'SIGINT', when: /Copy the data of cut-records-blue into cut-records-green/ },
    );

    expect(run.signalledAtMs).toBeDefined();
    expect(run.exitCode).not.toBe(0);
    // The runner sends SIGTERM 7.5 s after SIGINT: the step had ended by then.
    expect(run.durationMs - run.signalledAtMs!).toBeLessThan(7_500);
    expect(run.outputs['status']).toBe('rolled-back');
    expect(run.stdout).toMatch(/The runner stopped the step \(SIGINT/);
    expect(await world.pointer('/environments/cut/records/active-colour')).toBe('blue');
    const journal = await world.latestJournal('cut');
    expect(journal['status']).toBe('rolled-back');
    expect(await world.instanceStates(source)).toEqual(['InService', 'InService']);
    expect(await world.keysOf(source)).toEqual(keys.sort());
  });
});
