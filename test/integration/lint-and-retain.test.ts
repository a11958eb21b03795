import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import { REPO_ROOT, runAction } from '../../harness/run-action.js';

let moto: MotoServer;
let work: string;

function sample(name: string, edit: (template: string) => string): string {
  const dir = path.join(work, name);
  cpSync(path.join(REPO_ROOT, 'demo', 'environment'), dir, { recursive: true });
  const file = path.join(dir, 'cloudformation.yml');
  const edited = edit(readFileSync(file, 'utf8'));
  writeFileSync(file, edited);
  return path.join(dir, 'environment.yml');
}

beforeAll(async () => {
  moto = await startMoto();
  work = mkdtempSync(path.join(os.tmpdir(), 'lint-retain-'));
});

afterAll(async () => {
  await moto?.stop();
});

const cfnLintInstalled = spawnSync('cfn-lint', ['--version']).status === 0;

describe('package runs cfn-lint', () => {
  (cfnLintInstalled ? test : test.skip)(
    'lint errors become annotations on the template line and fail the package',
    async () => {
      const definition = sample('lint', (template) =>
        template.replace('VersioningConfiguration:', 'VersioningConfiguratio:'),
      );
      const line =
        readFileSync(path.join(path.dirname(definition), 'cloudformation.yml'), 'utf8')
          .split('\n')
          .findIndex((text) => text.includes('VersioningConfiguratio:')) + 1;
      const run = await runAction(
        'action-provision',
        { operation: 'package', version: '1.0.0', definition, lint: 'true' },
        {},
        { cwd: work },
      );
      expect(run.exitCode).toBe(1);
      expect(line).toBeGreaterThan(1);
      expect(run.stdout).toContain(
        `::error title=cfn-lint E3002,file=lint/cloudformation.yml,line=${line},col=7::E3002 Additional properties are not allowed ('VersioningConfiguratio'`,
      );
      expect(run.stdout).toMatch(
        /Configuration error: cloudformation\.yml: cfn-lint found 1 error/,
      );
    },
  );
});

describe('delete and DeletionPolicy', () => {
  test('a bucket whose DeletionPolicy is Retain keeps its objects; the stack is deleted', async () => {
    const definition = sample('retain', (template) =>
      template.replace('DeletionPolicy: Delete', 'DeletionPolicy: Retain'),
    );
    const env = moto.env;
    const deployed = await runAction(
      'action-provision',
      { operation: 'deploy', environment: 'ci', version: '1.0.0', definition },
      env,
      { cwd: work },
    );
    expect(deployed.exitCode).toBe(0);
    const bucket = JSON.parse(deployed.outputs.outputs!).DataBucketName as string;
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'keep-me.json', Body: '{}' }));

    const deleted = await runAction(
      'action-provision',
      { operation: 'delete', environment: 'ci', definition },
      env,
      { cwd: work },
    );

    expect(deleted.exitCode).toBe(0);
    expect(deleted.stdout).toContain(
      `Keeping bucket ${bucket} (DataBucket): its DeletionPolicy retains it.`,
    );
    expect(deleted.summaryText).toContain('retained (DeletionPolicy)');
    await expect(s3.send(new HeadBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual(['keep-me.json']);
  });
});
