import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateStackCommand, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { ARTIFACTS, expectSuccess, MigrationWorld } from '../support/migration-environment.js';

// Crash injection: the bundled action kills itself (SIGKILL, no cleanup) right after each step
// is journalled, then a plain re-run must finish the migration from the journal, or roll it
// back on request, with every object present in the stack that serves users.
let world: MigrationWorld;
const OBJECTS = 40;

const DOUBLE_CLONE_STEPS = [
  'plan-unavailable:source',
  'unavailable:source',
  'snapshot:source',
  'create:temporary',
  'plan-unavailable:temporary',
  'unavailable:temporary',
  'copy:source-to-temporary',
  'compare:source-to-temporary',
  'delete:source',
  'plan-unavailable:temporary-again',
  'unavailable:temporary-again',
  'snapshot:temporary',
  'create:final',
  'plan-unavailable:final',
  'unavailable:final',
  'copy:temporary-to-final',
  'compare:temporary-to-final',
  'delete:temporary',
  'available:final',
];

const BLUE_GREEN_STEPS = [
  'plan-unavailable:source',
  'unavailable:source',
  'snapshot:source',
  'create:target',
  'plan-unavailable:target',
  'unavailable:target',
  'copy:source-to-target',
  'compare:source-to-target',
  'switch-pointer',
  'available:target',
];

const CRASH = 'ENVIRONMENT_PIPELINE_CRASH_AFTER';

beforeAll(async () => {
  world = await MigrationWorld.start();
});

afterAll(async () => {
  await world?.stop();
});

describe('double-clone killed after each step, then run again', () => {
  test.each(DOUBLE_CLONE_STEPS.map((step, index) => [step, index]))(
    'after %s: the re-run resumes and completes',
    async (step, index) => {
      const environment = `dc${index}`;
      const stack = `${environment}-records`;
      expectSuccess(await world.provision(environment, '1.0.0'));
      const keys = await world.writeData(stack, OBJECTS, 4);
      const inputs = { strategy: 'double-clone', environment, version: '2.0.0' };

      const crashed = await world.migrate(inputs, { [CRASH]: String(step) });
      expect(crashed.exitCode).not.toBe(0);
      expect(crashed.stdout).toContain(`${CRASH}=${step}: killing the process now`);

      const resumed = expectSuccess(await world.migrate(inputs));
      expect(resumed.stdout).toContain('Resuming the unfinished migration');
      expect(resumed.outputs['status']).toBe('completed');
      expect(await world.keysOf(stack)).toEqual(keys.sort());
      expect(await world.stack(`${stack}-temporary`)).toBeUndefined();
      expect((await world.stack(stack))?.Tags).toContainEqual({
        Key: 'environment:version',
        Value: '2.0.0',
      });
      expect(await world.instanceStates(stack)).toEqual(['InService', 'InService']);
    },
  );

  test('before the point of no return, recover: rollback restores the original', async () => {
    expectSuccess(await world.provision('dcrb', '1.0.0'));
    const keys = await world.writeData('dcrb-records', OBJECTS, 4);
    const inputs = { strategy: 'double-clone', environment: 'dcrb', version: '2.0.0' };
    await world.migrate(inputs, { [CRASH]: 'copy:source-to-temporary' });
    expect(await world.instanceStates('dcrb-records')).toEqual(['Standby', 'Standby']);

    // A different migration is refused while this one is unfinished.
    const other = await world.migrate({ ...inputs, version: '3.0.0' });
    expect(other.exitCode).not.toBe(0);
    expect(other.stdout).toMatch(
      /An unfinished migration .* must be finished before another starts/,
    );

    const rolledBack = expectSuccess(await world.migrate({ ...inputs, recover: 'rollback' }));
    expect(rolledBack.outputs['status']).toBe('rolled-back');
    expect(await world.stack('dcrb-records-temporary')).toBeUndefined();
    expect(await world.keysOf('dcrb-records')).toEqual(keys.sort());
    expect(await world.instanceStates('dcrb-records')).toEqual(['InService', 'InService']);
  });

  test('after the point of no return, rollback is refused and says where the data is', async () => {
    expectSuccess(await world.provision('dcnr', '1.0.0'));
    await world.writeData('dcnr-records', OBJECTS, 4);
    const inputs = { strategy: 'double-clone', environment: 'dcnr', version: '2.0.0' };
    await world.migrate(inputs, { [CRASH]: 'delete:source' });
    const refused = await world.migrate({ ...inputs, recover: 'rollback' });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stdout).toMatch(
      /past its point of no return: dcnr-records was deleted .* Run again with recover: resume/,
    );
    expect((await world.keysOf('dcnr-records-temporary')).length).toBe(OBJECTS);
    expectSuccess(await world.migrate(inputs));
    expect((await world.keysOf('dcnr-records')).length).toBe(OBJECTS);
  });
});

describe('blue-green killed after each step, then run again', () => {
  test.each(BLUE_GREEN_STEPS.map((step, index) => [step, index]))(
    'after %s: the re-run resumes and completes',
    async (step, index) => {
      const environment = `bg${index}`;
      const pointer = `/environments/${environment}/records/active-colour`;
      expectSuccess(await world.migrate({ strategy: 'blue-green', environment, version: '1.0.0' }));
      const keys = await world.writeData(`${environment}-records-blue`, OBJECTS, 4);
      const inputs = { strategy: 'blue-green', environment, version: '2.0.0' };

      const crashed = await world.migrate(inputs, { [CRASH]: String(step) });
      expect(crashed.exitCode).not.toBe(0);

      const resumed = expectSuccess(await world.migrate(inputs));
      expect(resumed.outputs['status']).toBe('completed');
      expect(await world.pointer(pointer)).toBe('green');
      expect(await world.keysOf(`${environment}-records-green`)).toEqual(keys.sort());
      expect(await world.instanceStates(`${environment}-records-green`)).toEqual([
        'InService',
        'InService',
      ]);
    },
  );

  test('a pointer changed by hand during the migration stops the re-run: it cannot tell what is safe', async () => {
    expectSuccess(
      await world.migrate({ strategy: 'blue-green', environment: 'bghand', version: '1.0.0' }),
    );
    await world.writeData('bghand-records-blue', OBJECTS, 4);
    const inputs = { strategy: 'blue-green', environment: 'bghand', version: '2.0.0' };
    await world.migrate(inputs, { [CRASH]: 'copy:source-to-target' });
    await world.ssm.send(
      new PutParameterCommand({
        Name: '/environments/bghand/records/active-colour',
        Value: 'green',
        Overwrite: true,
        Type: 'String',
      }),
    );
    const refused = await world.migrate(inputs);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stdout).toMatch(
      /expects \/environments\/bghand\/records\/active-colour to be blue, but it is green\. Someone changed it during the migration; it cannot tell what is safe\./,
    );
    expect((await world.keysOf('bghand-records-blue')).length).toBe(OBJECTS);
  });

  test('a journal that cannot be read stops every run until a person looks', async () => {
    expectSuccess(
      await world.migrate({ strategy: 'blue-green', environment: 'bgjunk', version: '1.0.0' }),
    );
    await world.s3.send(
      new PutObjectCommand({
        Bucket: ARTIFACTS,
        Key: 'migrations/records/bgjunk/29991231T000000000Z-000000.json',
        Body: '{"half": "a journal',
      }),
    );
    const refused = await world.migrate({
      strategy: 'blue-green',
      environment: 'bgjunk',
      version: '2.0.0',
    });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stdout).toMatch(
      /cannot be read as a journal of records in bgjunk, so it is not possible to tell whether a migration is half-finished/,
    );
    expect(await world.stack('bgjunk-records-green')).toBeUndefined();
  });

  test('recover: rollback after the pointer moved puts it back and removes the new colour', async () => {
    expectSuccess(
      await world.migrate({ strategy: 'blue-green', environment: 'bgrb', version: '1.0.0' }),
    );
    const keys = await world.writeData('bgrb-records-blue', OBJECTS, 4);
    const inputs = { strategy: 'blue-green', environment: 'bgrb', version: '2.0.0' };
    await world.migrate(inputs, { [CRASH]: 'switch-pointer' });
    expect(await world.pointer('/environments/bgrb/records/active-colour')).toBe('green');
    expectSuccess(await world.migrate({ ...inputs, recover: 'rollback' }));
    expect(await world.pointer('/environments/bgrb/records/active-colour')).toBe('blue');
    expect(await world.stack('bgrb-records-green')).toBeUndefined();
    expect(await world.keysOf('bgrb-records-blue')).toEqual(keys.sort());
    expect(await world.instanceStates('bgrb-records-blue')).toEqual(['InService', 'InService']);
  });
});

describe('killed where a re-run must recognise what the dead run did', () => {
  async function statisticsRecords(environment: string): Promise<string[]> {
    const listed = await world.s3.send(
      new ListObjectsV2Command({
        Bucket: ARTIFACTS,
        Prefix: `promotions/records/2.0.0/${environment}/statistics/`,
      }),
    );
    return (listed.Contents ?? []).map((object) => object.Key!);
  }

  test('mid-copy: the re-run copies again and completes with every object', async () => {
    // Enough objects that the copies in flight at the kill (32 at a time) cannot finish them all.
    const objects = 300;
    expectSuccess(await world.provision('dcmid', '1.0.0'));
    const keys = await world.writeData('dcmid-records', objects, 6);
    const inputs = { strategy: 'double-clone', environment: 'dcmid', version: '2.0.0' };
    const crashed = await world.migrate(inputs, { [CRASH]: 'copy-object:60' });
    expect(crashed.stdout).toContain(`${CRASH}=copy-object:60: killing the process now`);
    const temporary = await world.keysOf('dcmid-records-temporary');
    expect(temporary.length).toBeGreaterThanOrEqual(60);
    expect(temporary.length).toBeLessThan(objects);

    const resumed = expectSuccess(await world.migrate(inputs));
    expect(resumed.stdout).toContain('Took over the migration lock');
    expect(resumed.outputs['status']).toBe('completed');
    expect(await world.keysOf('dcmid-records')).toEqual(keys.sort());
  });

  test('after the final stack was created but before the journal said so: the re-run adopts it', async () => {
    expectSuccess(await world.provision('dcadopt', '1.0.0'));
    const keys = await world.writeData('dcadopt-records', OBJECTS, 4);
    const inputs = { strategy: 'double-clone', environment: 'dcadopt', version: '2.0.0' };
    await world.migrate(inputs, { [CRASH]: 'create:final:unjournalled' });
    const created = await world.stack('dcadopt-records');
    expect(created?.StackStatus).toBe('CREATE_COMPLETE');
    expect((await world.keysOf('dcadopt-records-temporary')).length).toBe(OBJECTS);

    const resumed = expectSuccess(await world.migrate(inputs));
    expect(resumed.stdout).toMatch(
      /dcadopt-records \(CREATE_COMPLETE\) was created by this migration \(tag environment:migration=.*\) .* adopting it/,
    );
    // The very stack the dead run created, not a new one after deleting it.
    expect((await world.stack('dcadopt-records'))?.StackId).toBe(created?.StackId);
    expect(await world.keysOf('dcadopt-records')).toEqual(keys.sort());
    expect(await world.stack('dcadopt-records-temporary')).toBeUndefined();
  });

  test('a stack of that name the migration did not create is refused, never deleted', async () => {
    expectSuccess(await world.provision('dcforeign', '1.0.0'));
    await world.writeData('dcforeign-records', OBJECTS, 4);
    const inputs = { strategy: 'double-clone', environment: 'dcforeign', version: '2.0.0' };
    await world.migrate(inputs, { [CRASH]: 'create:temporary:unjournalled' });
    // Someone replaces the half-made temporary with a stack of their own under that name.
    await world.cloudFormation.send(
      new DeleteStackCommand({ StackName: 'dcforeign-records-temporary' }),
    );
    await world.cloudFormation.send(
      new CreateStackCommand({
        StackName: 'dcforeign-records-temporary',
        TemplateBody: JSON.stringify({
          Resources: { Data: { Type: 'AWS::S3::Bucket' } },
        }),
      }),
    );
    const refused = await world.migrate(inputs);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stdout).toMatch(
      /dcforeign-records-temporary already exists .* but migration .* did not create it \(its environment:migration tag is missing\)\. It may hold data, so it is neither updated nor deleted\./,
    );
    expect(await world.stack('dcforeign-records-temporary')).toBeDefined();
    expect(await world.instanceStates('dcforeign-records')).toEqual(['InService', 'InService']);
  });

  test.each([
    ['before the statistics record was written', 'available:final'],
    ['after the record was written, before the journal said so', 'record:statistics:unjournalled'],
  ])('%s: the re-run completes with the record in the ledger', async (_name, point) => {
    const environment = point === 'available:final' ? 'dcrec' : 'dcrec2';
    expectSuccess(await world.provision(environment, '1.0.0'));
    await world.writeData(`${environment}-records`, OBJECTS, 4);
    const inputs = { strategy: 'double-clone', environment, version: '2.0.0' };
    await world.migrate(inputs, { [CRASH]: point });
    const journalBefore = await world.latestJournal(environment);
    expect(journalBefore['status']).toBe('running');

    const resumed = expectSuccess(await world.migrate(inputs));
    expect(resumed.outputs['status']).toBe('completed');
    expect(resumed.outputs['promotion-record']).toMatch(
      new RegExp(
        `^s3://${ARTIFACTS}/promotions/records/2\\.0\\.0/${environment}/statistics/.*-passed-`,
      ),
    );
    const records = await statisticsRecords(environment);
    expect(records.length).toBe(point === 'available:final' ? 1 : 2);
    // A later environment's gate that requires the record now finds it (that environment has
    // no stack, so its migration then stops, after the gate).
    const gated = await world.migrate({
      strategy: 'double-clone',
      environment: `${environment}next`,
      version: '2.0.0',
      'require-promotion-from': environment,
      'require-gates': 'statistics',
    });
    expect(gated.stdout).toContain(`✔ records 2.0.0 passed statistics in ${environment}`);
  });
});

describe('two migrations of one environment started together', () => {
  test('one migrates; the other is refused before it touches anything, naming the run', async () => {
    expectSuccess(await world.provision('dcpair', '1.0.0'));
    const keys = await world.writeData('dcpair-records', OBJECTS, 4);
    const inputs = { strategy: 'double-clone', environment: 'dcpair', version: '2.0.0' };
    const [first, second] = await Promise.all([
      world.migrate(inputs, { GITHUB_RUN_ID: '101' }),
      world.migrate(inputs, { GITHUB_RUN_ID: '102' }),
    ]);
    const runs = [first, second];
    const winners = runs.filter((run) => run.exitCode === 0);
    const losers = runs.filter((run) => run.exitCode !== 0);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    const winnerRun = winners[0] === first ? '101' : '102';
    expect(losers[0]!.stdout).toMatch(
      new RegExp(
        `Another migration of records in dcpair holds the lock s3://${ARTIFACTS}/locks/migrations/records/dcpair\\.json: run https://github\\.com/acme/records/actions/runs/${winnerRun} .*This run changed nothing`,
      ),
    );
    expect(losers[0]!.stdout).not.toContain('Stop traffic to');
    expect(winners[0]!.outputs['status']).toBe('completed');
    expect(await world.keysOf('dcpair-records')).toEqual(keys.sort());
    expect(await world.instanceStates('dcpair-records')).toEqual(['InService', 'InService']);
    expect(await world.stack('dcpair-records-temporary')).toBeUndefined();
  });
});
