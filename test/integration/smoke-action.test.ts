// The bundled action-smoke-test and action-provision's smoke-test / require-promotion-from,
// run as the runner runs them, against moto and real loopback HTTP servers.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { startForwardProxy, type ForwardProxy } from '../../harness/forward-proxy.js';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import { REPO_ROOT, runAction, type ActionRun } from '../../harness/run-action.js';
import { startSmokeService, type SmokeService } from '../../harness/smoke-service.js';

let moto: MotoServer;
let service: SmokeService;
let proxy: ForwardProxy;
let work: string;
let definition: string;
let s3: S3Client;
let cloudFormation: CloudFormationClient;
const BUCKET = 'artifacts';
const RUN_ENV = {
  GITHUB_SHA: 'c0ffee'.padEnd(40, '0'),
  GITHUB_REPOSITORY: 'acme/sample',
  GITHUB_RUN_ID: '77',
};

function expectSuccess(run: ActionRun): void {
  if (run.exitCode !== 0)
    throw new Error(`action failed (${run.exitCode}):\n${run.stdout}\n${run.stderr}`);
}

function smokeTest(
  inputs: Record<string, string>,
  env: Record<string, string> = moto.env,
): Promise<ActionRun> {
  return runAction(
    'action-smoke-test',
    { definition, ...inputs },
    { ...env, ...RUN_ENV },
    { cwd: work },
  );
}

function provision(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction(
    'action-provision',
    { definition, lint: 'false', ...inputs },
    { ...moto.env, ...RUN_ENV },
    { cwd: work },
  );
}

async function stackExists(name: string): Promise<boolean> {
  try {
    const stacks = await cloudFormation.send(new DescribeStacksCommand({ StackName: name }));
    return stacks.Stacks?.[0]?.StackStatus !== 'DELETE_COMPLETE';
  } catch {
    return false;
  }
}

async function ledger(
  prefix: string,
): Promise<Array<{ key: string; record: Record<string, unknown> }>> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return Promise.all(
    (listed.Contents ?? []).map(async (object) => {
      const body = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: object.Key! }));
      return { key: object.Key!, record: JSON.parse(await body.Body!.transformToString()) };
    }),
  );
}

function writeChecks(name: string, text: string): string {
  const file = path.join(work, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  moto = await startMoto();
  service = await startSmokeService();
  proxy = await startForwardProxy();
  work = mkdtempSync(path.join(os.tmpdir(), 'smoke-action-'));
  cpSync(path.join(REPO_ROOT, 'demo', 'environment'), work, { recursive: true });
  definition = path.join(work, 'environment.yml');
  // Short waits: a check that cannot pass should give up in seconds, not a minute.
  const text = readFileSync(definition, 'utf8')
    .replace('timeout-seconds: 60', 'timeout-seconds: 2')
    .replace('interval-seconds: 2', 'interval-seconds: 0.5')
    .replace('duration-seconds: 2', 'duration-seconds: 0.5');
  writeFileSync(definition, text);
  const config = {
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  s3 = new S3Client({ ...config, forcePathStyle: true });
  cloudFormation = new CloudFormationClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  await service?.close();
  await proxy?.close();
  await moto?.stop();
});

describe('action-smoke-test', () => {
  test('one quick url check needs no AWS at all', async () => {
    const run = await smokeTest({ url: `${service.endpoint}/health` }, {});
    expectSuccess(run);
    expect(run.outputs.passed).toBe('true');
    const report = JSON.parse(run.outputs.report!);
    expect(report.checks).toEqual([
      expect.objectContaining({ name: `${service.endpoint}/health`, passed: true, attempts: 1 }),
    ]);
    expect(run.summaryText).toContain('| Check | Result | Attempts | Time | Detail |');
    expect(run.stdout).toContain('::group::Smoke check: ');
  });

  test('a check that never passes fails the step with an annotation and its last value', async () => {
    const run = await smokeTest(
      { url: `${service.endpoint}/never`, 'timeout-seconds': '2', 'interval-seconds': '1' },
      {},
    );
    expect(run.exitCode).toBe(1);
    expect(run.outputs.passed).toBe('false');
    expect(run.stdout).toMatch(
      /::error title=Smoke check failed%3A http%3A\/\/127\.0\.0\.1%3A\d+\/never::.*last actual value: 503 \{"error":"database unreachable"\}; waited 2\.\d s over 3 attempts/,
    );
    expect(run.stdout).toMatch(/::error::Smoke test failed: /);
    expect(run.summaryText).toMatch(
      /^## ❌ Smoke test of http:\/\/127\.0\.0\.1:\d+\/never failed$/m,
    );
    expect(run.summaryText).toContain('❌ failed');
  });

  test('fail-on-error: false reports the failure and passes the step', async () => {
    const run = await smokeTest(
      { url: `${service.endpoint}/maintenance`, 'timeout-seconds': '0', 'fail-on-error': 'false' },
      {},
    );
    expect(run.exitCode).toBe(0);
    expect(run.outputs.passed).toBe('false');
    expect(run.stdout).toMatch(/::warning::Smoke test failed: .*fail-on-error is false/);
  });

  test('a checks file with outputs JSON, a secret header masked before any request, and a proxy', async () => {
    const checks = writeChecks(
      'secret.yml',
      [
        '- name: authorised echo',
        '  url: "{{ ServiceUrl }}/echo"',
        '  proxy: "{{ ProxyUrl }}"',
        '  headers:',
        '    Authorization: { value: "Bearer {{ env.SMOKE_TOKEN }}", secret: true }',
        '  json:',
        '    - { path: headers.authorization, equals: "Bearer s3cr3t-token" }',
        // Fails, so its last actual value (the echoed headers) lands in the log and report.
        '- name: wrong method',
        '  url: "{{ ServiceUrl }}/echo"',
        '  timeout-seconds: 0',
        '  headers:',
        '    Authorization: { value: "Bearer {{ env.SMOKE_TOKEN }}", secret: true }',
        '  json: [{ path: method, equals: POST }]',
        // The service echoes the bare token: masked too, not only the whole header value.
        '- name: who am I',
        '  url: "{{ ServiceUrl }}/whoami"',
        '  timeout-seconds: 0',
        '  headers:',
        '    Authorization: { value: "Bearer {{ env.SMOKE_TOKEN }}", secret: true }',
        '  json: [{ path: token, equals: nobody }]',
      ].join('\n'),
    );
    const run = await smokeTest(
      {
        checks,
        outputs: JSON.stringify({ ServiceUrl: service.endpoint, ProxyUrl: proxy.url }),
        'fail-on-error': 'false',
      },
      { SMOKE_TOKEN: 's3cr3t-token' },
    );
    expectSuccess(run);
    expect(
      JSON.parse(run.outputs.report!).checks.map((check: { passed: boolean }) => check.passed),
    ).toEqual([true, false, false]);
    const lines = run.stdout.split('\n');
    // The only lines carrying the secret are the mask commands, for the token alone and for
    // each form of the header value, and they come before any check runs.
    const carrying = lines.filter((line) => line.includes('s3cr3t-token'));
    expect(carrying).toEqual(
      expect.arrayContaining(['::add-mask::s3cr3t-token', '::add-mask::Bearer s3cr3t-token']),
    );
    expect(carrying.filter((line) => !line.startsWith('::add-mask::'))).toEqual([]);
    const lastMask = Math.max(...carrying.map((line) => lines.indexOf(line)));
    expect(lines.findIndex((line) => line.startsWith('::group::Smoke check'))).toBeGreaterThan(
      lastMask,
    );
    expect(run.stdout).toMatch(/token.*\*\*\*/);
    expect(run.summaryText).not.toContain('s3cr3t-token');
    expect(proxy.requests).toContainEqual({ method: 'GET', target: `${service.endpoint}/echo` });
    // Outputs and the job summary are not masked by the runner; the action redacts them.
    expect(run.outputs.report).toContain('\\"authorization\\":\\"***\\"');
    expect(run.outputs.report).not.toContain('s3cr3t-token');
  });

  test('https through the proxy uses a CONNECT tunnel', async () => {
    const key = path.join(work, 'key.pem');
    const cert = path.join(work, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const server = https.createServer(
      { key: readFileSync(key), cert: readFileSync(cert) },
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"MaintenanceMode": false, "secure": true}');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const checks = writeChecks(
        'tls.yml',
        `- url: https://localhost:${port}/health\n  proxy: ${proxy.url}\n  json: [{ path: secure, equals: true }]\n`,
      );
      const run = await smokeTest({ checks }, { NODE_EXTRA_CA_CERTS: cert });
      expectSuccess(run);
      expect(proxy.requests).toContainEqual({ method: 'CONNECT', target: `localhost:${port}` });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("behind the runner's proxy (HTTP_PROXY / HTTPS_PROXY, NO_PROXY)", () => {
  test('the checks and every AWS call go through it, and NO_PROXY sends them direct', async () => {
    const proxied = { ...moto.env, ...RUN_ENV, HTTP_PROXY: proxy.url };
    const before = proxy.requests.length;
    const check = await smokeTest({ url: `${service.endpoint}/health` }, { HTTP_PROXY: proxy.url });
    expectSuccess(check);
    expect(proxy.requests.slice(before)).toContainEqual({
      method: 'GET',
      target: `${service.endpoint}/health`,
    });

    // The AWS SDK ignores the variables by itself; the suite's clients do not.
    const packaged = await runAction(
      'action-provision',
      {
        definition,
        lint: 'false',
        operation: 'package',
        version: '2.9.0',
        'artifact-bucket': BUCKET,
      },
      proxied,
      { cwd: work },
    );
    expectSuccess(packaged);
    const toMoto = proxy.requests
      .slice(before)
      .filter((request) => request.target.startsWith(moto.endpoint));
    expect(toMoto.map((request) => request.method)).toContain('PUT');
    expect(toMoto.some((request) => request.target.includes('2.9.0'))).toBe(true);

    const direct = proxy.requests.length;
    const bypassed = await runAction(
      'action-provision',
      {
        definition,
        lint: 'false',
        operation: 'package',
        version: '2.9.1',
        'artifact-bucket': BUCKET,
      },
      { ...proxied, NO_PROXY: '127.0.0.1' },
      { cwd: work },
    );
    expectSuccess(bypassed);
    expect(proxy.requests.length).toBe(direct);

    const broken = await smokeTest(
      { url: `${service.endpoint}/health` },
      { HTTP_PROXY: 'http://bad proxy:3128' },
    );
    expect(broken.exitCode).not.toBe(0);
    expect(broken.stdout).toContain("HTTP_PROXY: 'http://bad proxy:3128' is not a proxy URL");

    // A proxy URL with a port no URL can have: named, its password hidden, never a link.
    const unparsable = await smokeTest(
      { url: `${service.endpoint}/health` },
      { HTTP_PROXY: 'http://deploy:hunter2@127.0.0.1:99999' },
    );
    expect(unparsable.exitCode).not.toBe(0);
    expect(unparsable.stdout).toContain(
      "HTTP_PROXY: 'http://***@127.0.0.1:99999' is not a proxy URL",
    );
    expect(unparsable.summaryText).toContain("HTTP_PROXY: 'http://***@127.0.0.1:99999'");
    for (const text of [unparsable.stdout, unparsable.stderr, unparsable.summary]) {
      expect(text).not.toContain('hunter2');
    }
    expect(unparsable.summary).not.toMatch(/<a href="http:\/\/[^"]*99999/);
  });
});

describe('provisioning with smoke tests, the ledger and the promotion gate', () => {
  let packageUrl: string;

  test('deploy ci with smoke-test: passes, keeps the stack, records the ledger', async () => {
    const packaged = await provision({
      operation: 'package',
      version: '2.0.0',
      'artifact-bucket': BUCKET,
    });
    expectSuccess(packaged);
    packageUrl = packaged.outputs.package!;
    const run = await provision({
      operation: 'deploy',
      environment: 'ci',
      package: packageUrl,
      parameters: `ServiceEndpoint=${service.endpoint}`,
      'smoke-test': 'true',
    });
    expectSuccess(run);
    expect(run.outputs['smoke-passed']).toBe('true');
    expect(
      JSON.parse(run.outputs['smoke-report']!).checks.map((check: { name: string }) => check.name),
    ).toEqual(['health', 'self-test', 'concurrent readers']);
    expect(await stackExists('ci-sample-service')).toBe(true);
    expect(run.summaryText).toContain('### Smoke test: ✅ all 3 checks passed');
    expect(run.summaryText).toMatch(
      /^## ✅ Created ci-sample-service \(ci\) at 2\.0\.0\n.*Smoke test: all 3 checks passed\.$/m,
    );
    const records = await ledger('promotions/sample-service/2.0.0/ci/smoke/');
    expect(records).toHaveLength(1);
    expect(run.outputs['promotion-record']).toBe(`s3://${BUCKET}/${records[0]!.key}`);
    expect(records[0]!.record).toMatchObject({
      component: 'sample-service',
      version: '2.0.0',
      environment: 'ci',
      gate: 'smoke',
      passed: true,
      commit: RUN_ENV.GITHUB_SHA,
      runUrl: 'https://github.com/acme/sample/actions/runs/77',
      stackName: 'ci-sample-service',
    });
  });

  test('action-smoke-test reads the stack by environment and records another record, never overwriting', async () => {
    const run = await smokeTest({ environment: 'ci', 'artifact-bucket': BUCKET });
    expectSuccess(run);
    expect(run.summaryText).toContain('| Stack | ci-sample-service (');
    expect(run.summaryText).toContain('| Version | 2.0.0 |');
    const records = await ledger('promotions/sample-service/2.0.0/ci/smoke/');
    expect(records).toHaveLength(2);
    expect(records.map((entry) => entry.key)).toContain(
      run.outputs.record!.replace(`s3://${BUCKET}/`, ''),
    );
  });

  test('an unknown placeholder against a real stack lists the outputs it has, before any request', async () => {
    const hits = service.hits.get('/health') ?? 0;
    const checks = writeChecks('unknown.yml', '- url: "{{ ApiUrl }}/health"\n');
    const run = await smokeTest({ checks, environment: 'ci' });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(
      /unknown placeholder \{\{ ApiUrl \}\}; outputs that exist: DataBucketName, ServiceUrl, SettingsParameter, Version, WebServerGroup/,
    );
    expect(service.hits.get('/health') ?? 0).toBe(hits);
  });

  test('a stack that does not exist is refused with what to do', async () => {
    const run = await smokeTest({ environment: 'qa' });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(
      /Stack qa-sample-service does not exist, so there is nothing to smoke test/,
    );
  });

  test('the gate refuses a version without a passed record in the named environment', async () => {
    const run = await provision({
      operation: 'deploy',
      environment: 'staging',
      package: packageUrl,
      'require-promotion-from': 'ci, qa',
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(
      /sample-service 2\.0\.0 has not been promoted: no smoke record in qa/,
    );
    expect(run.stdout).toMatch(/passed smoke in ci at /);
    expect(await stackExists('staging-sample-service')).toBe(false);
  });

  test('the gate lets a version through once it passed, and the newest record decides', async () => {
    const allowed = await provision({
      operation: 'deploy',
      environment: 'staging',
      package: packageUrl,
      parameters: `ServiceEndpoint=${service.endpoint}`,
      'require-promotion-from': 'ci',
    });
    expectSuccess(allowed);
    expect(allowed.outputs.operation).toBe('create');

    // A later failed smoke test in ci revokes the promotion.
    const failing = writeChecks(
      'failing.yml',
      '- url: "{{ ServiceUrl }}/test/failing"\n  timeout-seconds: 0\n',
    );
    const failed = await smokeTest({
      checks: failing,
      environment: 'ci',
      'artifact-bucket': BUCKET,
      'fail-on-error': 'false',
    });
    expect(failed.outputs.passed).toBe('false');
    expect(failed.outputs.record).toMatch(/-failed-[0-9a-f]{8}\.json$/);
    const refused = await provision({
      operation: 'deploy',
      environment: 'staging',
      package: packageUrl,
      parameters: `ServiceEndpoint=${service.endpoint}`,
      'require-promotion-from': 'ci',
    });
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toMatch(
      /its latest smoke in ci failed \(.*https:\/\/github\.com\/acme\/sample\/actions\/runs\/77\)/,
    );
  });

  test('a smoke failure on update fails the step and leaves the stack', async () => {
    const run = await provision({
      operation: 'deploy',
      environment: 'staging',
      package: packageUrl,
      parameters: `ServiceEndpoint=${service.endpoint}/broken`,
      'smoke-test': 'true',
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ operation: 'update', 'smoke-passed': 'false' });
    expect(run.stdout).toMatch(
      /staging-sample-service failed its smoke test \(health, self-test, concurrent readers\)\. staging-sample-service was updated and is left as it is/,
    );
    expect(await stackExists('staging-sample-service')).toBe(true);
    expect(run.summaryText).toContain(
      '### Smoke test: ❌ 3 of 3 checks failed: health, self-test, concurrent readers',
    );
  });

  test('a smoke failure on create deletes the new stack, and keep-failed keeps it', async () => {
    const failing = {
      operation: 'deploy',
      environment: 'qa',
      package: packageUrl,
      parameters: `ServiceEndpoint=${service.endpoint}/broken\nGreeting=hello from qa`,
      'smoke-test': 'true',
    };
    const deleted = await provision(failing);
    expect(deleted.exitCode).toBe(1);
    expect(deleted.stdout).toMatch(
      /The new stack qa-sample-service was deleted, as a failed environment/,
    );
    expect(await stackExists('qa-sample-service')).toBe(false);
    const records = await ledger('promotions/sample-service/2.0.0/qa/smoke/');
    expect(records.map((entry) => entry.record.passed)).toEqual([false]);

    const kept = await provision({ ...failing, 'keep-failed': 'true' });
    expect(kept.exitCode).toBe(1);
    expect(kept.stdout).toMatch(/The new stack qa-sample-service was kept for investigation/);
    expect(await stackExists('qa-sample-service')).toBe(true);
  });
});
