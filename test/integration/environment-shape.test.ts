import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { runAction, type ActionRun } from '../../harness/run-action.js';
import { DEFINITION, expectSuccess, MigrationWorld } from '../support/migration-environment.js';

// An environment is plain (one stack) or blue/green (two colours and a pointer), and every
// operation reads which: through the bundled actions on moto, with the migration fixture.
let world: MigrationWorld;
let declared: string;
jest.setTimeout(300_000);

beforeAll(async () => {
  world = await MigrationWorld.start();
  // The same environment, with the shape of two environments declared.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shape-'));
  cpSync(path.dirname(DEFINITION), dir, { recursive: true });
  declared = path.join(dir, 'environment.yml');
  writeFileSync(
    declared,
    `${readFileSync(declared, 'utf8')}
environments:
  colours:
    layout: blue-green
  single:
    layout: plain
`,
  );
});

afterAll(async () => {
  await world?.stop();
});

function provision(
  environment: string,
  inputs: Record<string, string>,
  definition = DEFINITION,
): Promise<ActionRun> {
  return runAction(
    'action-provision',
    {
      definition,
      environment,
      parameters: `ServiceEndpoint=${world.service.endpoint}`,
      ...inputs,
    },
    world.env(),
  );
}

describe('a blue/green environment', () => {
  test('deploy is refused, and creates no third stack beside the colours', async () => {
    expectSuccess(
      await world.migrate({ strategy: 'blue-green', environment: 'bgdeploy', version: '1.0.0' }),
    );
    const run = await provision('bgdeploy', { operation: 'deploy', version: '1.1.0' });
    expect(run.exitCode).not.toBe(0);
    expect(run.summaryText).toMatch(
      /^## ⛔ A blue\/green environment is changed by action-migrate/,
    );
    expect(run.stdout).toContain(
      'bgdeploy is blue/green (bgdeploy-records-blue; pointer /environments/bgdeploy/records/active-colour → blue): deploy would create a third stack, bgdeploy-records, beside the colours',
    );
    expect(await world.stack('bgdeploy-records')).toBeUndefined();
  });

  test('delete removes both colours and the pointer, and says so', async () => {
    expectSuccess(
      await world.migrate({ strategy: 'blue-green', environment: 'bgdelete', version: '1.0.0' }),
    );
    expectSuccess(
      await world.migrate({ strategy: 'blue-green', environment: 'bgdelete', version: '1.1.0' }),
    );
    expect(await world.stack('bgdelete-records-blue')).toBeDefined();
    expect(await world.stack('bgdelete-records-green')).toBeDefined();

    const run = expectSuccess(await provision('bgdelete', { operation: 'delete' }));
    expect(await world.stack('bgdelete-records-blue')).toBeUndefined();
    expect(await world.stack('bgdelete-records-green')).toBeUndefined();
    expect(await world.pointer('/environments/bgdelete/records/active-colour')).toBeUndefined();
    expect(run.summaryText).toMatch(/^## ✅ Deleted bgdelete/);
    // The idle colour first, the one serving users last, then the pointer.
    expect(run.summaryText).toContain('| bgdelete-records-blue (idle colour) | removed |');
    expect(run.summaryText).toContain(
      '| bgdelete-records-green (colour serving users) | removed |',
    );
    expect(run.summaryText).toContain(
      '| pointer /environments/bgdelete/records/active-colour (said green) | removed |',
    );
    expect(run.outputs).toMatchObject({ changed: 'true', 'stack-name': 'bgdelete-records-green' });
  });

  test('compare and plan use the colour serving users; a stray plain stack beside it is refused', async () => {
    expectSuccess(
      await world.migrate({ strategy: 'blue-green', environment: 'bgstray', version: '1.0.0' }),
    );
    const plan = expectSuccess(await provision('bgstray', { operation: 'plan', version: '1.1.0' }));
    expect(plan.outputs['stack-name']).toBe('bgstray-records-blue');
    // A stack made beside the colours by hand (or by a deploy of an older version of the suite).
    await world.cloudFormation.send(
      new CreateStackCommand({
        StackName: 'bgstray-records',
        TemplateBody: 'Resources:\n  Stray:\n    Type: AWS::SNS::Topic\n',
      }),
    );
    const compare = await provision('bgstray', {
      operation: 'compare',
      'compare-to': 'bgdeploy',
    });
    expect(compare.exitCode).not.toBe(0);
    expect(compare.summaryText).toMatch(/^## ⛔ The environment has two shapes/);
    expect(compare.stdout).toContain(
      'bgstray has both a plain stack, bgstray-records, and blue/green bgstray-records-blue',
    );
  });
});

describe('a plan never stands in the way', () => {
  test('a plan of a new environment, then its first blue/green migration', async () => {
    const plan = expectSuccess(await provision('fresh', { operation: 'plan', version: '1.0.0' }));
    expect(plan.outputs['stack-name']).toBe('fresh-records');
    expect((await world.stack('fresh-records'))?.StackStatus).toBe('REVIEW_IN_PROGRESS');
    const run = expectSuccess(
      await world.migrate({ strategy: 'blue-green', environment: 'fresh', version: '1.0.0' }),
    );
    expect(run.stdout).toContain(
      'fresh-records holds only a plan under review (REVIEW_IN_PROGRESS, no resources), made before fresh had colours; deleting it and creating fresh-records-blue.',
    );
    expect(run.outputs['stack-name']).toBe('fresh-records-blue');
    expect(await world.stack('fresh-records')).toBeUndefined();
  });

  test('a declared blue/green environment plans its first colour, and the migration takes that stack', async () => {
    const plan = expectSuccess(
      await provision('colours', { operation: 'plan', version: '1.0.0' }, declared),
    );
    expect(plan.outputs['stack-name']).toBe('colours-records-blue');
    expect(await world.stack('colours-records')).toBeUndefined();
    const run = expectSuccess(
      await world.migrate({
        strategy: 'blue-green',
        environment: 'colours',
        version: '1.0.0',
        definition: declared,
      }),
    );
    expect(run.outputs['stack-name']).toBe('colours-records-blue');
    expect((await world.stack('colours-records-blue'))?.StackStatus).toBe('CREATE_COMPLETE');
    // And a deploy is refused even before there was anything to refuse it by.
    const deploy = await provision('colours', { operation: 'deploy', version: '1.1.0' }, declared);
    expect(deploy.exitCode).not.toBe(0);
    expect(deploy.summaryText).toContain('A blue/green environment is changed by action-migrate');
  });
});

describe('a declared shape', () => {
  test('that contradicts the stacks is refused, naming both', async () => {
    expectSuccess(
      await world.migrate({ strategy: 'blue-green', environment: 'single', version: '1.0.0' }),
    );
    const run = await provision('single', { operation: 'deploy', version: '1.0.0' }, declared);
    expect(run.exitCode).not.toBe(0);
    expect(run.summaryText).toMatch(
      /^## ⛔ The environment is not laid out as the definition says/,
    );
    expect(run.stdout).toContain(
      'The definition says single is plain, but it is blue-green: single-records-blue exists.',
    );
  });
});
