import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { ConfigurationError } from '../../src/core/errors.js';
import { isManifest, MANIFEST_SCHEMA } from '../../src/packaging/manifest.js';
import { localReferences, packLocalParts } from '../../src/packaging/local-parts.js';
import { reproducibleZip } from '../../src/packaging/zip.js';

const STORE = { bucket: 'artifacts', region: 'eu-west-1', component: 'orders' };

function folder(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'local-parts-'));
  for (const [file, content] of Object.entries(files)) {
    if (file.endsWith('/')) {
      mkdirSync(path.join(root, file), { recursive: true });
      continue;
    }
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  return root;
}

/** What Python's zipfile (a reader the suite did not write) sees in a zip. */
function readZip(
  data: Buffer,
): Array<{ name: string; date: number[]; mode: string; text: string }> {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'zip-')), 'a.zip');
  writeFileSync(file, data);
  const script = [
    'import json, sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'bad = z.testzip()',
    'assert bad is None, bad',
    'print(json.dumps([{"name": i.filename, "date": list(i.date_time), "mode": oct(i.external_attr >> 16), "text": z.read(i).decode()} for i in z.infolist()]))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as Array<{
    name: string;
    date: number[];
    mode: string;
    text: string;
  }>;
}

const ROOT_TEMPLATE = `# The orders service.
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
  Handler:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn # kept as written
      Runtime: python3.12
      Handler: main.handler
      Code: src/
  Already:
    Type: AWS::Lambda::Function
    Properties:
      Code:
        S3Bucket: elsewhere
        S3Key: code.zip
  Network:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ./stacks/network.yaml
      Parameters:
        Name: !Sub "\${AWS::StackName}-network"
`;

const CHILD_TEMPLATE = `Resources:
  Shared:
    Type: AWS::Lambda::LayerVersion
    Properties:
      Content: ../layer
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: https://example.com/not-local.zip
`;

describe('reproducibleZip', () => {
  test('the same files give the same bytes in any order, readable by another zip reader', () => {
    const entries = [
      {
        name: 'main.py',
        data: Buffer.from('def handler(e, c):\n    return 1\n'),
        executable: false,
      },
      { name: 'bin/bootstrap', data: Buffer.from('#!/bin/sh\n'), executable: true },
    ];
    const one = reproducibleZip(entries, 'test');
    const two = reproducibleZip([...entries].reverse(), 'test');
    expect(two.equals(one)).toBe(true);
    const read = readZip(one);
    expect(read.map((entry) => entry.name)).toEqual(['bin/bootstrap', 'main.py']);
    expect(read.map((entry) => entry.mode)).toEqual(['0o100755', '0o100644']);
    expect(read.every((entry) => entry.date.join('-') === '1980-1-1-0-0-0')).toBe(true);
    expect(read[1]!.text).toContain('return 1');
  });
});

describe('packLocalParts', () => {
  test('zips Lambda code and packages nested templates recursively, children first, keeping the YAML as written', async () => {
    const root = folder({
      'template.yaml': ROOT_TEMPLATE,
      'src/main.py': 'def handler(event, context):\n    return "ok"\n',
      'src/lib/util.py': 'VALUE = 1\n',
      'stacks/network.yaml': CHILD_TEMPLATE,
      'layer/python/shared.py': 'SHARED = True\n',
    });
    const packed = await packLocalParts(root, 'template.yaml', ROOT_TEMPLATE, STORE);

    expect(
      packed.artifacts.map((a) => `${a.template} ${a.resource}.${a.property} ${a.source}`),
    ).toEqual([
      'template.yaml Handler.Code src/',
      'stacks/network.yaml Shared.Content ../layer',
      'template.yaml Network.TemplateURL ./stacks/network.yaml',
    ]);
    for (const artifact of packed.artifacts) {
      expect(createHash('sha256').update(artifact.data).digest('hex')).toBe(artifact.sha256);
      expect(artifact.bytes).toBe(artifact.data.length);
      expect(artifact.key).toMatch(/^artifacts\/orders\/[0-9a-f]{64}\.(zip|template)$/);
      expect(artifact.file).toBe(`.artifacts/${path.posix.basename(artifact.key)}`);
    }
    const [code, layer, network] = packed.artifacts;
    expect(readZip(code!.data).map((entry) => entry.name)).toEqual(['lib/util.py', 'main.py']);
    expect(readZip(layer!.data).map((entry) => entry.name)).toEqual(['python/shared.py']);

    // The root names its parts in S3, and keeps its comments and short-form intrinsics.
    expect(packed.body).toContain('# The orders service.');
    expect(packed.body).toContain('Role: !GetAtt Role.Arn # kept as written');
    expect(packed.body).toContain(`S3Bucket: artifacts\n        S3Key: ${code!.key}`);
    expect(packed.body).toContain('S3Key: code.zip');
    expect(packed.body).toContain(
      `TemplateURL: https://artifacts.s3.eu-west-1.amazonaws.com/${network!.key}`,
    );
    expect(packed.body).toContain('Name: !Sub "${AWS::StackName}-network"');
    // The nested template as uploaded names its own part in S3; a URL is left alone.
    const child = network!.data.toString('utf8');
    expect(child).toContain(`S3Key: ${layer!.key}`);
    expect(child).toContain('CodeUri: https://example.com/not-local.zip');

    // Touched files and another run: the same digests.
    utimesSync(path.join(root, 'src/main.py'), new Date(2030, 1, 1), new Date(2030, 1, 1));
    const again = await packLocalParts(root, 'template.yaml', ROOT_TEMPLATE, STORE);
    expect(again.artifacts.map((a) => a.sha256)).toEqual(packed.artifacts.map((a) => a.sha256));
    expect(again.body).toBe(packed.body);

    // A change to the code changes the function's key, and so the parent's template.
    writeFileSync(path.join(root, 'layer/python/shared.py'), 'SHARED = False\n');
    const changed = await packLocalParts(root, 'template.yaml', ROOT_TEMPLATE, STORE);
    expect(changed.artifacts[1]!.sha256).not.toBe(layer!.sha256);
    expect(changed.artifacts[2]!.sha256).not.toBe(network!.sha256);
    expect(changed.artifacts[0]!.sha256).toBe(code!.sha256);
  });

  test('a JSON template, a single code file, SAM and API definitions: each replaced in its own form', async () => {
    const template = JSON.stringify({
      Resources: {
        Fn: { Type: 'AWS::Serverless::Function', Properties: { CodeUri: 'handler.js' } },
        Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { BodyS3Location: 'api.json' } },
        Prebuilt: { Type: 'AWS::Lambda::Function', Properties: { Code: 'build/fn.zip' } },
      },
    });
    const root = folder({
      'template.json': template,
      'handler.js': 'exports.handler = async () => 1;\n',
      'api.json': '{"openapi":"3.0.1"}',
      'build/fn.zip': 'PK-not-really',
    });
    chmodSync(path.join(root, 'handler.js'), 0o755);
    const packed = await packLocalParts(root, 'template.json', template, STORE);
    const body = JSON.parse(packed.body) as {
      Resources: Record<string, { Properties: Record<string, unknown> }>;
    };
    const [fn, api, prebuilt] = packed.artifacts;
    expect(body.Resources.Fn!.Properties.CodeUri).toBe(`s3://artifacts/${fn!.key}`);
    expect(readZip(fn!.data).map((entry) => [entry.name, entry.mode])).toEqual([
      ['handler.js', '0o100755'],
    ]);
    expect(body.Resources.Api!.Properties.BodyS3Location).toEqual({
      Bucket: 'artifacts',
      Key: api!.key,
    });
    expect(api!.key).toMatch(/\.json$/);
    expect(api!.data.toString()).toBe('{"openapi":"3.0.1"}');
    // An archive already built is uploaded as it is.
    expect(prebuilt!.data.toString()).toBe('PK-not-really');
    expect(body.Resources.Prebuilt!.Properties.Code).toEqual({
      S3Bucket: 'artifacts',
      S3Key: prebuilt!.key,
    });
  });

  test.each([
    [
      'a path outside the folder',
      {
        'template.yaml':
          'Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: ../../etc\n',
      },
      /leads outside|does not exist/,
    ],
    [
      'a missing path',
      {
        'template.yaml':
          'Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: missing/\n',
      },
      /Resources\.F\.Properties\.Code: 'missing\/' does not exist \(local paths are relative to the template's folder\)/,
    ],
    [
      'an empty folder',
      {
        'template.yaml':
          'Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: empty\n',
        'empty/': '',
      },
      /'empty' holds no files/,
    ],
    [
      'a nested template that nests its parent',
      {
        'template.yaml':
          'Resources:\n  S:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: child.yaml\n',
        'child.yaml':
          'Resources:\n  S:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./template.yaml\n',
      },
      /nests a template that nests this one/,
    ],
    [
      'a nested template that is not one',
      {
        'template.yaml':
          'Resources:\n  S:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: child.yaml\n',
        'child.yaml': 'Parameters: {}\n',
      },
      /child\.yaml: Resources/,
    ],
  ])('refuses %s, naming the template and the property', async (_name, files, message) => {
    const root = folder(files);
    const body = files['template.yaml'];
    const error = await packLocalParts(root, 'template.yaml', body, STORE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
  });

  test('refuses a symbolic link that leads out of the environment folder', async () => {
    const outside = folder({ 'secret.txt': 'do not ship\n' });
    const template =
      'Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: code\n';
    const root = folder({ 'template.yaml': template, 'code/main.py': 'x = 1\n' });
    symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'code', 'secret.txt'));
    await expect(packLocalParts(root, 'template.yaml', template, STORE)).rejects.toThrow(
      /leads outside/,
    );
  });

  test('finds only local paths: URLs, intrinsic functions and inline code are left alone', () => {
    const found = localReferences({
      Resources: {
        A: { Type: 'AWS::Lambda::Function', Properties: { Code: { ZipFile: 'x' } } },
        B: { Type: 'AWS::Serverless::Function', Properties: { CodeUri: 's3://b/k.zip' } },
        C: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: { 'Fn::Sub': 'x' } } },
        D: { Type: 'AWS::Serverless::Application', Properties: { Location: 'apps/app.yaml' } },
        E: { Type: 'AWS::Lambda::Function', Properties: { Code: '.' } },
      },
    });
    expect(found.map((reference) => `${reference.resource}:${reference.source}`)).toEqual([
      'D:apps/app.yaml',
      'E:.',
    ]);
  });
});

describe('the manifest of a package with artifacts', () => {
  const sha = 'a'.repeat(64);
  const manifest = (
    artifact: Record<string, unknown>,
    files = { [`.artifacts/${sha}.zip`]: sha },
  ) => ({
    schema: MANIFEST_SCHEMA,
    component: 'orders',
    version: '1.0.0',
    commit: null,
    runUrl: null,
    createdAt: '2026-12-02T00:00:00.000Z',
    definition: 'environment.yml',
    files: { 'environment.yml': 'b'.repeat(64), ...files },
    artifacts: [artifact],
  });
  const artifact = {
    template: 'template.yaml',
    resource: 'Fn',
    property: 'Code',
    source: 'src/',
    file: `.artifacts/${sha}.zip`,
    bucket: 'artifacts',
    key: `artifacts/orders/${sha}.zip`,
    region: 'eu-west-1',
    sha256: sha,
    bytes: 10,
  };

  test('is accepted when each artifact is a file of the package with the digest its key names', () => {
    expect(isManifest(manifest(artifact))).toBe(true);
  });

  test.each([
    ['an artifact the package does not hold', manifest(artifact, {})],
    ['a key not named by the digest', manifest({ ...artifact, key: 'artifacts/orders/other.zip' })],
    ['a digest that is not SHA-256', manifest({ ...artifact, sha256: 'xyz' })],
    ['an artifact with no bucket', manifest({ ...artifact, bucket: '' })],
  ])('is refused with %s', (_name, candidate) => {
    expect(isManifest(candidate)).toBe(false);
  });
});

describe('zip entry names', () => {
  test('a name another tool would read as a path elsewhere, or that hides a character, is refused', () => {
    const entry = (name: string) => ({ name, data: Buffer.from('x'), executable: false });
    for (const [name, problem] of [
      ['..\\..\\tmp\\evil.sh', 'a backslash'],
      ['D:/boot.ini', 'a drive letter'],
      ['/etc/passwd', 'an absolute path'],
      ['a/../../b', "'..'"],
      ['tab\there', 'a control character'],
      ['del\u007f', 'a control character'],
    ] as const) {
      expect(() => reproducibleZip([entry(name)], 'Handler.Code')).toThrow(problem);
    }
    expect(reproducibleZip([entry('src/main.py')], 'Handler.Code').length).toBeGreaterThan(0);
  });
});
