import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import {
  startStatisticsService,
  type StatisticsService,
} from '../../harness/statistics-service.js';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import {
  ARTIFACTS,
  expectSuccess,
  MigrationWorld,
  TOKEN,
} from '../support/migration-environment.js';

// Crash injection: the bundled action kills itself (SIGKILL, no cleanup) right after each step
// is journalled, then a plain re-run must finish the migration from the journal, or roll it
// back on request, with every object present in the stack that serves users.
let moto: MotoServer;
let service: StatisticsService;
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
  moto = await startMoto();
  service = await startStatisticsService({ endpoint: moto.endpoint, region: 'us-east-1' }, TOKEN);
  world = new MigrationWorld(moto, service);
  await world.createArtifactBucket();
});

afterAll(async () => {
  await service?.close();
  await moto?.stop();
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
