import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { runAction } from '../../harness/run-action.js';
import { listHistories } from '../../src/migration/bucket-versions.js';
import { startDroppingProxy } from '../../harness/dropping-proxy.js';
import {
  DEFINITION,
  expectSuccess,
  MigrationWorld,
  nestedGroups,
  TOKEN,
  withoutMaskCommands,
} from '../support/migration-environment.js';

// Each strategy end to end through the bundled action, on moto, with a real local service
// whose statistics endpoint counts the objects in each stack's bucket.
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

describe('double-clone', () => {
  test('moves 2,000 objects and the database to the new version under the same name', async () => {
    expectSuccess(await world.provision('dc', '1.0.0'));
    const keys = await world.writeData('dc-records', 2000, 40);
    expect(await world.instanceStates('dc-records')).toEqual(['InService', 'InService']);

    const run = expectSuccess(
      await world.migrate({ strategy: 'double-clone', environment: 'dc', version: '2.0.0' }),
    );
    expect(run.outputs['status']).toBe('completed');
    expect(run.outputs['stack-name']).toBe('dc-records');
    expect(await world.keysOf('dc-records')).toEqual(keys.sort());
    expect((await world.stack('dc-records'))?.Tags).toContainEqual({
      Key: 'environment:version',
      Value: '2.0.0',
    });
    expect(await world.stack('dc-records-temporary')).toBeUndefined();
    expect(await world.instanceStates('dc-records')).toEqual(['InService', 'InService']);
    expect(run.summaryText).toContain('Where the data is');
    expect(nestedGroups(run.stdout)).toEqual([]);
    expect(run.outputs['promotion-record']).toMatch(
      /^s3:\/\/migration-artifacts\/promotions\/records\/2\.0\.0\/dc\/statistics\/.*-passed-/,
    );
    // Production can now require the statistics gate of this version in dc...
    const gated = await world.migrate({
      strategy: 'double-clone',
      environment: 'dcprod',
      version: '2.0.0',
      'require-promotion-from': 'dc',
      'require-gates': 'smoke, statistics',
    });
    expect(gated.exitCode).not.toBe(0);
    expect(gated.stdout).toMatch(/records 2\.0\.0 has not been promoted: no smoke record in dc/);
    expect(gated.stdout).toContain('✔ records 2.0.0 passed statistics in dc');
    expect(withoutMaskCommands(run.stdout)).not.toContain(TOKEN);
  });
});

describe('blue-green', () => {
  const pointer = '/environments/bg/records/active-colour';

  test('the first run creates blue; the next clones into green once and moves the pointer', async () => {
    const first = expectSuccess(
      await world.migrate({ strategy: 'blue-green', environment: 'bg', version: '1.0.0' }),
    );
    expect(first.outputs['stack-name']).toBe('bg-records-blue');
    expect(await world.pointer(pointer)).toBe('blue');
    const keys = await world.writeData('bg-records-blue', 1500, 30);

    const zone = await world.route53.send(
      new CreateHostedZoneCommand({ Name: 'records.example.com', CallerReference: 'bg-test' }),
    );
    const zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
    const run = expectSuccess(
      await world.migrate({
        strategy: 'blue-green',
        environment: 'bg',
        version: '1.1.0',
        'route53-zone-id': zoneId,
        'route53-record-name': 'app.records.example.com',
        's3-copy-engine': 'auto',
        's3-batch-role-arn': 'arn:aws:iam::123456789012:role/copy',
      }),
    );
    // Below s3-batch-threshold (or a version history): no copy job, the runner copies.
    expect(run.stdout).toMatch(/s3-copy-engine auto: .*copied on the runner/);
    expect(run.stdout).not.toMatch(/S3 Batch Operations job/);
    const records = await world.route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }),
    );
    expect(
      records.ResourceRecordSets?.find((record) => record.Name?.startsWith('app.records'))
        ?.ResourceRecords,
    ).toEqual([{ Value: 'bg-records-green.records.internal' }]);
    expect(run.outputs['stack-name']).toBe('bg-records-green');
    expect(run.outputs['previous-stack']).toBe('bg-records-blue');
    expect(await world.pointer(pointer)).toBe('green');
    expect(await world.keysOf('bg-records-green')).toEqual(keys.sort());
    // The previous colour keeps its copy, out of service, for rollback.
    expect(await world.keysOf('bg-records-blue')).toEqual(keys.sort());
    expect(await world.instanceStates('bg-records-blue')).toEqual(['Standby', 'Standby']);
    expect(await world.instanceStates('bg-records-green')).toEqual(['InService', 'InService']);
    expect(run.summaryText).toContain(
      '### ✅ Statistics gate: bg-records-blue → bg-records-green equal',
    );
    expect(nestedGroups(run.stdout)).toEqual([]);
    const journal = await world.journal(run.outputs['journal']!);
    expect(journal.status).toBe('completed');

    // Within keep-previous-hours the previous colour is not touched...
    const early = await world.migrate({
      strategy: 'blue-green',
      environment: 'bg',
      version: '1.2.0',
    });
    expect(early.exitCode).not.toBe(0);
    expect(early.stdout).toMatch(/bg-records-blue is the previous colour, kept for rollback until/);
    // ...and once it has passed, the next migration retires it and goes back to blue.
    const next = expectSuccess(
      await world.migrate({
        strategy: 'blue-green',
        environment: 'bg',
        version: '1.2.0',
        'keep-previous-hours': '0',
      }),
    );
    expect(next.outputs['stack-name']).toBe('bg-records-blue');
    expect(await world.keysOf('bg-records-blue')).toEqual(keys.sort());
    expect((await world.stack('bg-records-blue'))?.Tags).toContainEqual({
      Key: 'environment:version',
      Value: '1.2.0',
    });
  });

  test("the live colour's drift is asked before a new colour is built: unknown with drift: fail stops it", async () => {
    expectSuccess(
      await world.migrate({ strategy: 'blue-green', environment: 'bgdrift', version: '1.0.0' }),
    );
    // moto cannot detect drift: every detection is unknown, which drift: fail takes as drifted.
    const run = await world.migrate({
      strategy: 'blue-green',
      environment: 'bgdrift',
      version: '1.1.0',
      drift: 'fail',
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toContain('::group::Detect drift of bgdrift-records-blue');
    expect(run.stdout).toMatch(/The drift of stack bgdrift-records-blue could not be detected/);
    expect(run.summaryText).toContain('The drift of the stack is unknown');
    expect(await world.stack('bgdrift-records-green')).toBeUndefined();
    expect(await world.pointer('/environments/bgdrift/records/active-colour')).toBe('blue');
    expect(await world.instanceStates('bgdrift-records-blue')).toEqual(['InService', 'InService']);
  });

  test('a plain stack without colours is refused before anything changes', async () => {
    expectSuccess(await world.provision('plain', '1.0.0'));
    const run = await world.migrate({
      strategy: 'blue-green',
      environment: 'plain',
      version: '2.0.0',
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toMatch(
      /Configuration error: input 'strategy': 'blue-green' needs the stacks plain-records-blue/,
    );
    expect(await world.stack('plain-records-blue')).toBeUndefined();
    expect(await world.instanceStates('plain-records')).toEqual(['InService', 'InService']);
  });
});

describe('update', () => {
  test('a token in the query string of statistics-url and the maintenance URLs reaches no log, summary, output or journal', async () => {
    expectSuccess(await world.provision('qs', '1.0.0'));
    await world.writeData('qs-records', 20, 2);
    const run = expectSuccess(
      await world.migrate({
        strategy: 'update',
        environment: 'qs',
        version: '1.0.1',
        availability: 'maintenance-hook',
        'maintenance-on-url': '{{ ServiceUrl }}/maintenance/on?key={{ env.STATISTICS_TOKEN }}',
        'maintenance-off-url': '{{ ServiceUrl }}/maintenance/off?key={{ env.STATISTICS_TOKEN }}',
        'statistics-url': '{{ ServiceUrl }}/admin/statistics?key={{ env.STATISTICS_TOKEN }}',
      }),
    );
    const log = withoutMaskCommands(run.stdout);
    expect(log).toContain('/admin/statistics?key=***');
    expect(log).toContain('/maintenance/on?key=***');
    const journal = JSON.stringify(await world.journal(run.outputs['journal']!));
    expect(journal).toContain('?key=***');
    for (const [where, text] of Object.entries({
      log,
      stderr: run.stderr,
      summary: run.summary,
      summaryText: run.summaryText,
      outputs: JSON.stringify(run.outputs),
      journal,
    })) {
      expect({ where, leaks: text.includes(TOKEN) }).toEqual({ where, leaks: false });
    }
  });

  test('updates in place with maintenance mode, measuring the data before and after', async () => {
    expectSuccess(await world.provision('up', '1.0.0'));
    const keys = await world.writeData('up-records', 300, 10);
    const run = expectSuccess(
      await world.migrate({
        strategy: 'update',
        environment: 'up',
        version: '1.0.1',
        availability: 'maintenance-hook',
        'maintenance-on-url': '{{ ServiceUrl }}/maintenance/on',
        'maintenance-off-url': '{{ ServiceUrl }}/maintenance/off',
      }),
    );
    expect(run.outputs['stack-name']).toBe('up-records');
    expect(world.service.maintenanceCalls.filter((call) => call.startsWith('up-records '))).toEqual(
      ['up-records on', 'up-records off'],
    );
    expect(await world.keysOf('up-records')).toEqual(keys.sort());
    expect(nestedGroups(run.stdout)).toEqual([]);
    expect((await world.stack('up-records'))?.Tags).toContainEqual({
      Key: 'environment:version',
      Value: '1.0.1',
    });
  });
});

describe('update', () => {
  test('a new version that removes a stateful resource is stopped before anything changes', async () => {
    expectSuccess(await world.provision('upguard', '1.0.0'));
    const keys = await world.writeData('upguard-records', 50, 5);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'migrate-guard-'));
    cpSync(path.dirname(DEFINITION), dir, { recursive: true });
    const template = path.join(dir, 'cloudformation.yml');
    const text = readFileSync(template, 'utf8');
    // Version 2 drops the bucket: a change set would remove it, and its data with it.
    writeFileSync(
      template,
      text
        .replace(
          / {2}DataBucket:\n {4}Type: AWS::S3::Bucket\n {4}Properties:\n {6}VersioningConfiguration:\n {8}Status: Enabled\n/,
          '',
        )
        .replace(/ {2}DataBucketName:\n {4}Value: !Ref DataBucket\n/, ''),
    );
    expect(readFileSync(template, 'utf8')).not.toContain('AWS::S3::Bucket');
    const run = await world.migrate({
      strategy: 'update',
      environment: 'upguard',
      version: '2.0.0',
      definition: path.join(dir, 'environment.yml'),
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toMatch(
      /Refusing to update upguard-records: DataBucket \(AWS::S3::Bucket\) would be removed/,
    );
    expect(run.outputs['status']).toBe('rolled-back');
    expect(await world.keysOf('upguard-records')).toEqual(keys.sort());
    expect(await world.instanceStates('upguard-records')).toEqual(['InService', 'InService']);
    expect((await world.stack('upguard-records'))?.Tags).toContainEqual({
      Key: 'environment:version',
      Value: '1.0.0',
    });
  });
});

describe('the statistics gate', () => {
  test('a clone that silently drops objects is caught: original intact and available, temporary removed', async () => {
    expectSuccess(await world.provision('lossy', '1.0.0'));
    const keys = await world.writeData('lossy-records', 400, 8);
    const proxy = await startDroppingProxy(world.moto.endpoint, 50);
    try {
      const run = await world.migrate(
        { strategy: 'double-clone', environment: 'lossy', version: '2.0.0' },
        { AWS_ENDPOINT_URL: proxy.endpoint },
      );
      expect(proxy.dropped.length).toBe(8);
      expect(run.exitCode).not.toBe(0);
      expect(run.outputs['status']).toBe('rolled-back');
      expect(run.outputs['data-location']).toBe('lossy-records, untouched (the original)');
      expect(run.stdout).toMatch(
        /The statistics of lossy-records-temporary do not match lossy-records: bucket DataBucket: 8 object\(s\) differ/,
      );
      expect(run.summaryText).toContain('| DataBucket | customer-');
      expect(run.summaryText).toContain('| missing |');
      // The endpoint's view differs too, and the table shows both values.
      expect(run.summaryText).toMatch(/\| objects\.total \| 400 \| 392 \|/);
    } finally {
      await proxy.close();
    }
    expect(await world.keysOf('lossy-records')).toEqual(keys.sort());
    expect(await world.stack('lossy-records-temporary')).toBeUndefined();
    expect(await world.instanceStates('lossy-records')).toEqual(['InService', 'InService']);
  });
});

describe('after the point of no return', () => {
  test('a lossy copy back keeps the temporary (the only verified copy), available, and a re-run finishes', async () => {
    expectSuccess(await world.provision('late', '1.0.0'));
    const keys = await world.writeData('late-records', 300, 6);
    const inputs = { strategy: 'double-clone', environment: 'late', version: '2.0.0' };
    // The first run dies right after deleting the original; the data is in the temporary.
    await world.migrate(inputs, { ENVIRONMENT_PIPELINE_CRASH_AFTER: 'delete:source' });
    expect(await world.stack('late-records')).toBeUndefined();

    const proxy = await startDroppingProxy(world.moto.endpoint, 40);
    let failed;
    try {
      failed = await world.migrate(inputs, { AWS_ENDPOINT_URL: proxy.endpoint });
    } finally {
      await proxy.close();
    }
    expect(failed.exitCode).not.toBe(0);
    expect(failed.outputs['status']).toBe('failed');
    expect(failed.outputs['data-location']).toMatch(/^late-records-temporary only/);
    expect(failed.summaryText).toContain('| Where the data is | late-records-temporary only');
    expect(failed.stdout).toMatch(
      /The statistics of late-records do not match late-records-temporary/,
    );
    // The unverified new original is gone; the temporary holds every object and serves again.
    expect(await world.stack('late-records')).toBeUndefined();
    expect(await world.keysOf('late-records-temporary')).toEqual(keys.sort());
    expect(await world.instanceStates('late-records-temporary')).toEqual([
      'InService',
      'InService',
    ]);

    const finished = expectSuccess(await world.migrate(inputs));
    expect(finished.outputs['status']).toBe('completed');
    expect(await world.keysOf('late-records')).toEqual(keys.sort());
    expect(await world.stack('late-records-temporary')).toBeUndefined();
    expect(await world.instanceStates('late-records')).toEqual(['InService', 'InService']);
  });
});

describe('data the migration cannot clone', () => {
  test('a stack with an EFS file system is refused by the copying strategies before anything changes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'migrate-table-'));
    cpSync(path.dirname(DEFINITION), dir, { recursive: true });
    const template = path.join(dir, 'cloudformation.yml');
    writeFileSync(
      template,
      readFileSync(template, 'utf8').replace(
        'Resources:\n',
        'Resources:\n  Files:\n    Type: AWS::EFS::FileSystem\n    Properties: {}\n',
      ),
    );
    const definition = path.join(dir, 'environment.yml');
    const deployed = await runAction(
      'action-provision',
      {
        operation: 'deploy',
        definition,
        environment: 'tbl',
        version: '1.0.0',
        parameters: `ServiceEndpoint=${world.service.endpoint}`,
      },
      world.env(),
    );
    expectSuccess(deployed);
    const run = await world.migrate({
      strategy: 'double-clone',
      environment: 'tbl',
      version: '2.0.0',
      definition,
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toMatch(
      /tbl-records holds data the migration cannot clone: Files \(AWS::EFS::FileSystem\)/,
    );
    expect(await world.stack('tbl-records-temporary')).toBeUndefined();
    expect(await world.instanceStates('tbl-records')).toEqual(['InService', 'InService']);
  });
});

describe('versioned buckets', () => {
  /** Each key's history, oldest first, as sizes and delete markers (version IDs differ). */
  async function histories(stack: string): Promise<Record<string, string[]>> {
    const result: Record<string, string[]> = {};
    for await (const history of listHistories(world.s3, await world.bucketOf(stack))) {
      result[history.key] = history.versions.map((version) =>
        version.deleteMarker ? 'delete marker' : `${version.size} ${version.etag}`,
      );
    }
    return result;
  }

  /** 3 versions and a delete marker on one key, a key deleted and written again, 20 plain. */
  async function writeHistory(stack: string): Promise<void> {
    const bucket = await world.bucketOf(stack);
    const put = (Key: string, Body: string) =>
      world.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
    await world.writeData(stack, 20, 2);
    await put('history/one.json', '{"v":1}');
    await put('history/one.json', '{"v":22}');
    await put('history/one.json', '{"v":333}');
    await world.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'history/one.json' }));
    await put('history/two.json', '{"first":true}');
    await world.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'history/two.json' }));
    await put('history/two.json', '{"second":true}');
  }

  test('double-clone keeps every version and delete marker of every key, in order', async () => {
    expectSuccess(await world.provision('dcver', '1.0.0'));
    await writeHistory('dcver-records');
    const before = await histories('dcver-records');
    expect(before['history/one.json']).toHaveLength(4);

    const run = expectSuccess(
      await world.migrate({ strategy: 'double-clone', environment: 'dcver', version: '2.0.0' }),
    );

    expect(run.outputs['status']).toBe('completed');
    expect(await histories('dcver-records')).toEqual(before);
    expect(run.stdout).toMatch(/copied every version: 25 version\(s\) and 2 delete marker\(s\)/);
    expect(run.stdout).toMatch(
      /DataBucket: 25 version\(s\) and 2 delete marker\(s\) in dcver-records-temporary, 25 and 2 in dcver-records, compared key by key in order \(version IDs necessarily differ\): equal/,
    );
    expect(run.summaryText).toContain('Version IDs necessarily differ between two buckets');
  });

  test('copy-versions: current says what it leaves behind before anything is deleted', async () => {
    expectSuccess(await world.provision('dccur', '1.0.0'));
    await writeHistory('dccur-records');
    const before = await histories('dccur-records');

    const run = expectSuccess(
      await world.migrate({
        strategy: 'double-clone',
        environment: 'dccur',
        version: '2.0.0',
        'copy-versions': 'current',
      }),
    );

    const warning = run.stdout.indexOf('copy-versions: current: DataBucket (');
    expect(warning).toBeGreaterThan(-1);
    expect(run.stdout).toMatch(
      /4 noncurrent version\(s\) and 2 delete marker\(s\) will not be carried over/,
    );
    expect(warning).toBeLessThan(run.stdout.indexOf('Delete dccur-records'));
    const after = await histories('dccur-records');
    expect(Object.keys(after).sort()).toEqual(
      Object.keys(before)
        .filter((key) => key !== 'history/one.json')
        .sort(),
    );
    expect(after['history/two.json']).toHaveLength(1);
  });
});
