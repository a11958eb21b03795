import {
  cpSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as tar from 'tar';
import { startCountingServer, type CountingServer } from '../../harness/counting-server.js';
import { REPO_ROOT, runAction } from '../../harness/run-action.js';

// Every case runs the bundled action against a loopback "AWS" that counts requests: a user
// mistake must be reported, naming the input, before any AWS call is made.
let aws: CountingServer;
let work: string;

function variant(name: string, edit: (dir: string) => void): string {
  const dir = path.join(work, name);
  cpSync(path.join(REPO_ROOT, 'demo', 'environment'), dir, { recursive: true });
  edit(dir);
  return path.join(dir, 'environment.yml');
}

function replaceIn(file: string, from: string | RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`fixture edit did not apply to ${file}`);
  writeFileSync(file, next);
}

let tamperedPackage: string;
/** Packages holding an entry no package built by the suite has, by what the entry is. */
const linkedPackages: Record<string, string> = {};

beforeAll(async () => {
  aws = await startCountingServer();
  work = mkdtempSync(path.join(os.tmpdir(), 'bad-input-'));
  // A package whose template was edited after its manifest was written.
  const tree = path.join(work, 'tampered-tree');
  cpSync(path.join(REPO_ROOT, 'demo', 'environment'), tree, { recursive: true });
  const packaged = await runAction('action-provision', {
    operation: 'package',
    version: '1.0.0',
    definition: path.join(tree, 'environment.yml'),
    'output-dir': path.join(work, 'out'),
    lint: 'false',
  });
  expect(packaged.exitCode).toBe(0);
  const unpacked = path.join(work, 'unpacked');
  cpSync(tree, unpacked, { recursive: true });
  await tar.x({ file: packaged.outputs['package-path']!, cwd: unpacked });
  replaceIn(path.join(unpacked, 'environment.yml'), 'DesiredCapacity: 2', 'DesiredCapacity: 4');
  tamperedPackage = path.join(work, 'tampered.tgz');
  await tar.c({ gzip: true, file: tamperedPackage, cwd: unpacked }, [
    'manifest.json',
    'environment.yml',
    'cloudformation.yml',
    'scripts/README.md',
  ]);

  // The same valid files, plus one entry the manifest does not list: a symbolic link, a hard
  // link, an absolute path, a path climbing with `..`.
  const secretOutside = path.join(work, 'outside-secret.txt');
  writeFileSync(secretOutside, 'not part of any package\n');
  const packedFiles = [
    'manifest.json',
    'environment.yml',
    'cloudformation.yml',
    'scripts/README.md',
  ];
  const clean = path.join(work, 'clean');
  mkdirSync(clean);
  await tar.x({ file: packaged.outputs['package-path']!, cwd: clean });
  symlinkSync(secretOutside, path.join(clean, 'scripts', 'link'));
  linkedPackages['a symbolic link'] = path.join(work, 'symlink.tgz');
  await tar.c({ gzip: true, file: linkedPackages['a symbolic link'], cwd: clean }, [
    ...packedFiles,
    'scripts/link',
  ]);
  linkSync(path.join(clean, 'cloudformation.yml'), path.join(clean, 'scripts', 'hard'));
  linkedPackages['a hard link'] = path.join(work, 'hardlink.tgz');
  await tar.c({ gzip: true, file: linkedPackages['a hard link'], cwd: clean }, [
    ...packedFiles,
    'scripts/hard',
  ]);
  linkedPackages['an absolute path'] = path.join(work, 'absolute.tgz');
  await tar.c(
    { gzip: true, file: linkedPackages['an absolute path'], cwd: clean, preservePaths: true },
    [...packedFiles, secretOutside],
  );
  linkedPackages['a path climbing with ..'] = path.join(work, 'climbing.tgz');
  await tar.c(
    {
      gzip: true,
      file: linkedPackages['a path climbing with ..'],
      cwd: clean,
      preservePaths: true,
    },
    [...packedFiles, '../outside-secret.txt'],
  );
});

afterAll(async () => {
  await aws?.close();
});

type Case = [name: string, inputs: () => Record<string, string>, message: RegExp];

const DEMO_TEMPLATE_FILE = path.join(REPO_ROOT, 'demo', 'environment', 'cloudformation.yml');

const cases: Case[] = [
  [
    'missing operation',
    () => ({ environment: 'ci' }),
    /input 'operation': is required; valid values: package, plan, deploy, delete, recreate/,
  ],
  [
    'unknown operation',
    () => ({ operation: 'destroy', environment: 'ci' }),
    /input 'operation': 'destroy' is not valid; valid values: package, plan, deploy, delete, recreate/,
  ],
  [
    'missing environment',
    () => ({ operation: 'deploy' }),
    /input 'environment': is required for operation 'deploy'/,
  ],
  [
    'bad environment name',
    () => ({ operation: 'deploy', environment: 'Prod_1' }),
    /input 'environment': 'Prod_1' is not a valid environment name/,
  ],
  [
    'bad version',
    () => ({ operation: 'package', version: 'v1.0' }),
    /input 'version': 'v1.0' is not a valid version/,
  ],
  [
    's3:// URL without a key',
    () => ({ operation: 'deploy', environment: 'ci', package: 's3://artifacts/' }),
    /input 'package': 's3:\/\/artifacts\/' names a bucket but no object/,
  ],
  [
    'unsupported package URL',
    () => ({ operation: 'deploy', environment: 'ci', package: 'https://example.com/p.tgz' }),
    /input 'package': .* is not supported/,
  ],
  ...(
    [
      ['a symbolic link', /scripts\/link is a SymbolicLink to .*outside-secret\.txt/],
      ['a hard link', /scripts\/hard is a Link to cloudformation\.yml/],
      ['an absolute path', /\/.*outside-secret\.txt has an absolute path/],
      ['a path climbing with ..', /\.\.\/outside-secret\.txt climbs out of the package with \.\./],
    ] as const
  ).map(([kind, message]): Case => [
    `a package holding ${kind} the manifest does not list`,
    () => ({ operation: 'deploy', environment: 'ci', package: linkedPackages[kind]! }),
    new RegExp(
      `failed verification: it holds an entry no package has: ${message.source}; nothing was extracted`,
    ),
  ]),
  [
    'a template that is a symbolic link to a file outside the folder',
    () => ({
      operation: 'deploy',
      environment: 'ci',
      definition: variant('linked-template', (dir) => {
        renameSync(path.join(dir, 'cloudformation.yml'), path.join(work, 'elsewhere.yml'));
        symlinkSync(path.join(work, 'elsewhere.yml'), path.join(dir, 'cloudformation.yml'));
      }),
    }),
    /environment\.yml: template: 'cloudformation\.yml' leads outside .* \(to .*elsewhere\.yml, through a symbolic link\)/,
  ],
  [
    'an include entry that is a symbolic link to a file outside the folder',
    () => ({
      operation: 'package',
      'output-dir': path.join(work, 'never'),
      definition: variant('linked-include', (dir) =>
        symlinkSync(path.join(work, 'outside-secret.txt'), path.join(dir, 'scripts', 'secret.txt')),
      ),
    }),
    /include: 'scripts\/secret\.txt' leads outside .* through a symbolic link/,
  ],
  [
    'an include folder that is a symbolic link to a folder outside',
    () => ({
      operation: 'package',
      'output-dir': path.join(work, 'never'),
      definition: variant('linked-folder', (dir) => {
        replaceIn(path.join(dir, 'environment.yml'), '  - scripts\n', '  - scripts\n  - home\n');
        symlinkSync(os.tmpdir(), path.join(dir, 'home'));
      }),
    }),
    /include: 'home' leads outside .* through a symbolic link/,
  ],
  [
    'a template over 51,200 bytes',
    () => ({
      operation: 'deploy',
      environment: 'ci',
      definition: variant('big-template', (dir) =>
        writeFileSync(
          path.join(dir, 'cloudformation.yml'),
          `${readFileSync(path.join(dir, 'cloudformation.yml'), 'utf8')}\n${'# padding\n'.repeat(6000)}`,
        ),
      ),
    }),
    /input 'artifact-bucket': is needed: the template is [\d,]+ bytes, over the 51,200 bytes CloudFormation takes in a request/,
  ],
  [
    'a template over 1 MiB, more than CloudFormation reads even from S3',
    () => ({
      operation: 'deploy',
      environment: 'ci',
      'artifact-bucket': 'artifacts',
      definition: variant('huge-template', (dir) =>
        writeFileSync(
          path.join(dir, 'cloudformation.yml'),
          `${readFileSync(path.join(dir, 'cloudformation.yml'), 'utf8')}\n${'# padding\n'.repeat(110_000)}`,
        ),
      ),
    }),
    /cloudformation\.yml: the template is [\d,]+ bytes; CloudFormation accepts at most 1,048,576 bytes even from S3/,
  ],
  [
    'a template with more than 500 resources',
    () => ({
      operation: 'deploy',
      environment: 'ci',
      definition: variant('many-resources', (dir) =>
        replaceIn(
          path.join(dir, 'cloudformation.yml'),
          /^Resources:\n/m,
          `Resources:\n${Array.from({ length: 500 }, (_, index) => `  Topic${index}: { Type: AWS::SNS::Topic }\n`).join('')}`,
        ),
      ),
    }),
    /cloudformation\.yml: Resources: \d+ entries; CloudFormation allows at most 500 in a template/,
  ],
  [
    'a parameter value over 4,096 bytes',
    () => ({
      operation: 'deploy',
      environment: 'ci',
      parameters: `ImageId=ami-${'0'.repeat(4100)}`,
    }),
    /input 'parameters': the value of ImageId is [\d,]+ bytes; CloudFormation accepts at most 4,096 bytes/,
  ],
  [
    'an artifact bucket formatted as an IP address',
    () => ({ operation: 'package', 'artifact-bucket': '172.16.0.9' }),
    /input 'artifact-bucket': '172\.16\.0\.9' is not a valid S3 bucket name: it is formatted as an IP address/,
  ],
  [
    'an artifact bucket with a dot next to a hyphen',
    () => ({ operation: 'package', 'artifact-bucket': 'acme-.artifacts' }),
    /input 'artifact-bucket': 'acme-\.artifacts' is not a valid S3 bucket name: a dot next to a hyphen/,
  ],
  [
    'a definition with a second YAML document',
    () => ({
      operation: 'deploy',
      environment: 'ci',
      definition: variant('two-documents', (dir) =>
        writeFileSync(
          path.join(dir, 'environment.yml'),
          `${readFileSync(path.join(dir, 'environment.yml'), 'utf8')}\n---\ncomponent: other\n`,
        ),
      ),
    }),
    /environment\.yml: holds 2 YAML documents/,
  ],
  [
    'a template with an alias bomb',
    () => ({
      operation: 'deploy',
      environment: 'ci',
      definition: variant('template-bomb', (dir) =>
        writeFileSync(
          path.join(dir, 'cloudformation.yml'),
          `${readFileSync(path.join(dir, 'cloudformation.yml'), 'utf8')}\nMetadata:\n${ALIAS_BOMB.split(
            '\n',
          )
            .map((line) => `  ${line}`)
            .join('\n')}\n`,
        ),
      ),
    }),
    /cloudformation\.yml: not a valid template: .* \(at most 100 alias expansions\)/,
  ],
  [
    'a definition with a __proto__ key in its tags',
    () => ({
      operation: 'deploy',
      environment: 'ci',
      definition: variant('proto-tags', (dir) =>
        replaceIn(path.join(dir, 'environment.yml'), /^tags:\n/m, 'tags:\n  __proto__: yes\n'),
      ),
    }),
    /environment\.yml: tags\.__proto__: '__proto__' is not allowed as a key/,
  ],
  [
    'a package that is a folder',
    () => ({ operation: 'deploy', environment: 'ci', package: work }),
    /input 'package': '.*' is a folder \(or another kind of file\), not a package/,
  ],
  [
    'an output-dir that is a file',
    () => ({ operation: 'package', 'output-dir': DEMO_TEMPLATE_FILE }),
    /input 'output-dir': '.*' exists and is not a folder/,
  ],
  [
    'an environment-url-output the template does not declare, with a token',
    () => ({
      operation: 'deploy',
      environment: 'ci',
      'github-token': 'ghs_x',
      'environment-url-output': 'Portal',
    }),
    /input 'environment-url-output': names output Portal, which the template does not declare/,
  ],
  [
    'package and version together',
    () => ({ operation: 'deploy', environment: 'ci', package: tamperedPackage, version: '1.0.0' }),
    /input 'version': cannot be combined with 'package'/,
  ],
  [
    'bad bucket name',
    () => ({ operation: 'package', 'artifact-bucket': 'My_Bucket' }),
    /input 'artifact-bucket': 'My_Bucket' is not a valid S3 bucket name/,
  ],
  [
    'parameters line without =',
    () => ({ operation: 'deploy', environment: 'ci', parameters: 'DesiredCapacity 2' }),
    /input 'parameters': line 1 \('DesiredCapacity 2'\) is not KEY=VALUE/,
  ],
  [
    'parameter the template does not declare',
    () => ({ operation: 'deploy', environment: 'ci', version: '1.0.0', parameters: 'Colour=blue' }),
    /input 'parameters': Colour is not a parameter of the template; declared parameters: EnvironmentVersion, Greeting/,
  ],
  [
    'unknown capability',
    () => ({ operation: 'deploy', environment: 'ci', capabilities: 'CAPABILITY_ALL' }),
    /input 'capabilities': 'CAPABILITY_ALL' is not valid/,
  ],
  [
    'bad timeout',
    () => ({ operation: 'deploy', environment: 'ci', 'timeout-minutes': 'soon' }),
    /input 'timeout-minutes': 'soon' is not valid; expected a whole number from 1 to 720/,
  ],
  [
    'bad boolean',
    () => ({ operation: 'deploy', environment: 'ci', 'keep-failed': 'yes' }),
    /input 'keep-failed': 'yes' is not valid; valid values: true, false/,
  ],
  [
    'bad region',
    () => ({ operation: 'deploy', environment: 'ci', 'aws-region': 'Europe' }),
    /input 'aws-region': 'Europe' is not an AWS region name/,
  ],
  [
    'definition that does not exist',
    () => ({ operation: 'deploy', environment: 'ci', definition: 'nope/environment.yml' }),
    /input 'definition': environment definition 'nope\/environment.yml' does not exist/,
  ],
  [
    'malformed definition (YAML)',
    () => ({
      operation: 'deploy',
      environment: 'ci',
      definition: variant('malformed', (dir) =>
        replaceIn(
          path.join(dir, 'environment.yml'),
          'parameters:\n  InstanceType',
          'parameters: [\n  InstanceType',
        ),
      ),
    }),
    /environment\.yml: not valid YAML( \(line \d+, column \d+\)|: .*\(at [^)]*environment\.yml:\d+:\d+\))/,
  ],
  [
    'unknown key in the definition',
    () => ({
      operation: 'package',
      definition: variant('unknown-key', (dir) =>
        replaceIn(path.join(dir, 'environment.yml'), 'tags:\n  team', 'tagz:\n  team'),
      ),
    }),
    /environment\.yml: tagz: unknown key; valid keys here: component, template/,
  ],
  [
    'bad value in the definition',
    () => ({
      operation: 'package',
      definition: variant('bad-value', (dir) =>
        replaceIn(path.join(dir, 'environment.yml'), 'protected: true', 'protected: sometimes'),
      ),
    }),
    /environment\.yml: environments\.production\.protected: expected true or false, got string 'sometimes'/,
  ],
  [
    'a stateful-resources entry naming no resource of the template (a typo)',
    () => ({
      operation: 'package',
      definition: variant('stateful-typo', (dir) =>
        replaceIn(
          path.join(dir, 'environment.yml'),
          'logical-ids: [DataBucket]',
          'logical-ids: [DataBuckt]',
        ),
      ),
    }),
    /environment\.yml: stateful-resources\.logical-ids: 'DataBuckt' names no resource of .*cloudformation\.yml \(did you mean 'DataBucket'\?\)\. An entry that matches nothing protects nothing/,
  ],
  [
    'template parse error',
    () => ({
      operation: 'package',
      definition: variant('bad-template', (dir) =>
        replaceIn(
          path.join(dir, 'cloudformation.yml'),
          "MinSize: '0'",
          "MinSize: '0\n      Broken: [",
        ),
      ),
    }),
    /cloudformation\.yml: not a valid template( \(line \d+, column \d+\)|: .*\(at [^)]*cloudformation\.yml:\d+:\d+\))/,
  ],
  [
    'unknown intrinsic tag in the template',
    () => ({
      operation: 'package',
      definition: variant('bad-tag', (dir) =>
        replaceIn(path.join(dir, 'cloudformation.yml'), '!GetAZs', '!GetAZz'),
      ),
    }),
    /cloudformation\.yml: not a valid template.*Unresolved tag: !GetAZz/,
  ],
  [
    'a required parameter missing for one environment',
    () => ({
      operation: 'package',
      definition: variant('missing-parameter', (dir) =>
        replaceIn(path.join(dir, 'environment.yml'), '      Greeting: hello from staging\n', ''),
      ),
    }),
    /environment 'staging' is missing required parameter\(s\) Greeting/,
  ],
  [
    'a tampered package',
    () => ({ operation: 'deploy', environment: 'ci', package: tamperedPackage }),
    /failed verification: environment\.yml has SHA-256 [0-9a-f]{64}, the manifest says/,
  ],
];

cases.push(
  [
    'smoke-test on delete',
    () => ({ operation: 'delete', environment: 'ci', 'smoke-test': 'true' }),
    /input 'smoke-test': applies to deploy and recreate, not to 'delete'/,
  ],
  [
    'smoke-test with a definition that has no smoke section',
    () => ({
      operation: 'deploy',
      environment: 'ci',
      'smoke-test': 'true',
      definition: variant('no-smoke', (dir) =>
        replaceIn(path.join(dir, 'environment.yml'), /\nsmoke:[\s\S]*$/, '\n'),
      ),
    }),
    /input 'smoke-test': is true, but .* has no smoke section/,
  ],
  [
    'a smoke check naming an output the template does not declare',
    () => ({
      operation: 'package',
      definition: variant('bad-placeholder', (dir) =>
        replaceIn(
          path.join(dir, 'environment.yml'),
          "'{{ ServiceUrl }}/test'",
          "'{{ ApiUrl }}/test'",
        ),
      ),
    }),
    /smoke\.checks\[1\]\.url: unknown placeholder \{\{ ApiUrl \}\}; outputs that exist: DataBucketName, ServiceUrl, SettingsParameter, Version, WebServerGroup/,
  ],
  [
    'require-promotion-from without a ledger',
    () => ({ operation: 'deploy', environment: 'production', 'require-promotion-from': 'staging' }),
    /input 'require-promotion-from': needs the promotion ledger: set artifact-bucket/,
  ],
  [
    'require-promotion-from naming the target environment',
    () => ({
      operation: 'deploy',
      environment: 'staging',
      'artifact-bucket': 'artifacts',
      'require-promotion-from': 'ci, staging',
    }),
    /input 'require-promotion-from': names 'staging', the environment being deployed/,
  ],
);

function checksFile(name: string, text: string): string {
  const file = path.join(work, name);
  writeFileSync(file, text);
  return file;
}

const smokeCases: Case[] = [
  [
    'unknown placeholder',
    () => ({
      checks: checksFile('placeholder.yml', '- url: "{{ ApiUrl }}/health"\n'),
      outputs: '{"ServiceUrl": "http://127.0.0.1:1", "DataBucketName": "b"}',
    }),
    /checks\[0\]\.url: unknown placeholder \{\{ ApiUrl \}\}; outputs that exist: DataBucketName, ServiceUrl/,
  ],
  [
    'malformed checks file',
    () => ({ checks: checksFile('malformed.yml', '- url: [unclosed\n  name: x\n') }),
    /malformed\.yml: not valid YAML or JSON( \(line \d+, column \d+\)|: .*\(at malformed\.yml:\d+:\d+\))/,
  ],
  [
    'a checks file that does not exist',
    () => ({ checks: path.join(work, 'nope.yml') }),
    /input 'checks': checks file '.*nope\.yml' does not exist/,
  ],
  [
    'bad regex',
    () => ({
      checks: checksFile('regex.yml', '- url: http://127.0.0.1:1/\n  body-matches: "(unclosed"\n'),
    }),
    /regex\.yml: checks\[0\]\.body-matches: '\(unclosed' is not a valid regular expression/,
  ],
  [
    'negative timeout',
    () => ({ url: 'http://127.0.0.1:1/health', 'timeout-seconds': '-5' }),
    /input 'timeout-seconds': '-5' is not valid; expected a whole number from 0 to 3600/,
  ],
  [
    'concurrency of 0',
    () => ({
      checks: checksFile(
        'burst.yml',
        '- url: http://127.0.0.1:1/\n  type: burst\n  concurrency: 0\n',
      ),
    }),
    /burst\.yml: checks\[0\]\.concurrency: expected a whole number from 1 to 1000, got number '0'/,
  ],
  [
    'a proxy that is not a URL',
    () => ({
      checks: checksFile('proxy.yml', '- url: http://127.0.0.1:1/\n  proxy: squid:3128\n'),
    }),
    /proxy\.yml: checks\[0\]\.proxy: 'squid:3128' is not a proxy URL; write http:\/\/HOST:PORT/,
  ],
  [
    'url and checks together',
    () => ({ url: 'http://127.0.0.1:1/', checks: 'checks.yml' }),
    /input 'url': cannot be combined with 'checks'/,
  ],
  [
    'a url that is not one',
    () => ({ url: '127.0.0.1/health' }),
    /input 'url': '127\.0\.0\.1\/health' is not an absolute http\(s\) URL/,
  ],
  [
    'a status that is not one',
    () => ({ url: 'http://127.0.0.1:1/', 'expect-status': '200, 999' }),
    /input 'expect-status': '999' is not an HTTP status/,
  ],
  [
    'outputs that are not JSON',
    () => ({ url: 'http://127.0.0.1:1/', outputs: '{ServiceUrl: x}' }),
    /input 'outputs': is not JSON/,
  ],
  [
    'a ledger record without a version',
    () => ({
      url: 'http://127.0.0.1:1/',
      outputs: '{}',
      environment: 'ci',
      component: 'web',
      'artifact-bucket': 'artifacts',
    }),
    /input 'artifact-bucket': records the result in the promotion ledger, .*set input\(s\) version/,
  ],
  [
    'a checks file with a second YAML document',
    () => ({
      checks: checksFile(
        'two.yml',
        '- url: http://127.0.0.1:1/\n---\n- url: http://127.0.0.1:2/\n',
      ),
    }),
    /two\.yml: holds 2 YAML documents \(separated by ---\); it must be one/,
  ],
  [
    'a checks file with an alias bomb',
    () => ({ checks: checksFile('bomb.yml', `${ALIAS_BOMB}\n`) }),
    /bomb\.yml: not valid YAML or JSON: .* \(at most 100 alias expansions\)/,
  ],
  [
    'a checks file with a __proto__ key',
    () => ({
      checks: checksFile(
        'proto.yml',
        '- url: http://127.0.0.1:1/\n  __proto__: { method: DELETE }\n',
      ),
    }),
    /proto\.yml: \[0\]\.__proto__: '__proto__' is not allowed as a key/,
  ],
  [
    'interval-seconds with a checks file',
    () => ({
      checks: checksFile('plain.yml', '- url: http://127.0.0.1:1/\n'),
      'interval-seconds': '5',
    }),
    /input 'interval-seconds': only applies to the quick check given by 'url'/,
  ],
  [
    'expect-status without url',
    () => ({
      checks: checksFile('plain2.yml', '- url: http://127.0.0.1:1/\n'),
      'expect-status': '204',
    }),
    /input 'expect-status': only applies to the quick check given by 'url'/,
  ],
  [
    'outputs and stack-name together',
    () => ({ url: 'http://127.0.0.1:1/', outputs: '{}', 'stack-name': 'ci-web' }),
    /input 'outputs': cannot be combined with 'stack-name'/,
  ],
  [
    'a stack name CloudFormation would refuse',
    () => ({ url: 'http://127.0.0.1:1/', 'stack-name': '1-web_stack' }),
    /input 'stack-name': '1-web_stack' is not a CloudFormation stack name/,
  ],
  [
    'a component name with capitals',
    () => ({ url: 'http://127.0.0.1:1/', component: 'Web' }),
    /input 'component': 'Web' is not a component name/,
  ],
  [
    'a version that is not one',
    () => ({ url: 'http://127.0.0.1:1/', version: '1..2' }),
    /input 'version': '1\.\.2' is not/,
  ],
  [
    'an artifact bucket formatted as an IP address',
    () => ({ url: 'http://127.0.0.1:1/', 'artifact-bucket': '10.0.0.1' }),
    /input 'artifact-bucket': '10\.0\.0\.1' is not a valid S3 bucket name: it is formatted as an IP address/,
  ],
  [
    'an artifact bucket with a prefix S3 reserves',
    () => ({ url: 'http://127.0.0.1:1/', 'artifact-bucket': 'xn--ledger' }),
    /input 'artifact-bucket': 'xn--ledger' is not a valid S3 bucket name: the prefix xn-- is reserved by S3/,
  ],
  [
    'fail-on-error that is not a boolean',
    () => ({ url: 'http://127.0.0.1:1/', 'fail-on-error': 'maybe' }),
    /input 'fail-on-error': 'maybe' is not valid; valid values: true, false/,
  ],
  [
    'an environment name with a space',
    () => ({ url: 'http://127.0.0.1:1/', environment: 'pre prod' }),
    /input 'environment': 'pre prod'/,
  ],
  [
    'a request timeout of 0',
    () => ({ url: 'http://127.0.0.1:1/', 'request-timeout-seconds': '0' }),
    /input 'request-timeout-seconds': '0' is not valid; expected a whole number from 1 to 300/,
  ],
  [
    'an interval of 0',
    () => ({ url: 'http://127.0.0.1:1/', 'interval-seconds': '0' }),
    /input 'interval-seconds': '0' is not valid; expected a whole number from 1 to 600/,
  ],
  [
    'a timeout over an hour',
    () => ({ url: 'http://127.0.0.1:1/', 'timeout-seconds': '7200' }),
    /input 'timeout-seconds': '7200' is not valid; expected a whole number from 0 to 3600/,
  ],
  [
    'outputs that are a JSON list',
    () => ({ url: 'http://127.0.0.1:1/', outputs: '["http://x"]' }),
    /input 'outputs':/,
  ],
  [
    'a check with an unknown key',
    () => ({ checks: checksFile('unknown-key.yml', '- url: http://127.0.0.1:1/\n  retries: 3\n') }),
    /unknown-key\.yml: checks\[0\]\.retries/,
  ],
  [
    'a check with an unknown method',
    () => ({ checks: checksFile('method.yml', '- url: http://127.0.0.1:1/\n  method: FETCH\n') }),
    /method\.yml: checks\[0\]\.method: 'FETCH'/,
  ],
  [
    'a check whose secret flag is not a boolean',
    () => ({
      checks: checksFile(
        'secret-flag.yml',
        '- url: http://127.0.0.1:1/\n  headers:\n    Authorization: { value: x, secret: sometimes }\n',
      ),
    }),
    /secret-flag\.yml: checks\[0\]\.headers\.Authorization/,
  ],
  [
    'a definition with no smoke section and no checks',
    () => ({
      definition: variant('smoke-less', (dir) =>
        replaceIn(path.join(dir, 'environment.yml'), /\nsmoke:[\s\S]*$/, '\n'),
      ),
      outputs: '{}',
    }),
    /has no smoke section; add one, or give the checks input or url/,
  ],
];

async function expectRefusedWithoutAws(
  action: string,
  inputs: Record<string, string>,
  message: RegExp,
  env: Record<string, string> = {},
): Promise<void> {
  const before = aws.requests.length;
  const run = await runAction(
    action,
    {
      definition: path.join(REPO_ROOT, 'demo', 'environment', 'environment.yml'),
      lint: 'false',
      ...inputs,
    },
    {
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      ...env,
    },
    { cwd: work },
  );
  expect(run.exitCode).toBe(1);
  // A mistake in a file of the workspace is annotated on its line: `::error file=…,line=…::`.
  expect(run.stdout).toMatch(/::error( file=[^:]*,line=\d+,col=\d+)?::/);
  expect(run.stdout).toMatch(message);
  expect(run.summaryText).toMatch(/^## (❌|⛔) /m);
  expect(aws.requests.length - before).toBe(0);
}

describe('action-smoke-test: bad input is reported before any request', () => {
  test.each(smokeCases)('%s', (_name, inputs, message) =>
    expectRefusedWithoutAws('action-smoke-test', inputs(), message),
  );
});

describe('a huge value is never echoed whole', () => {
  const huge: Array<[string, () => Record<string, string>, RegExp]> = [
    [
      'action-provision',
      () => ({ operation: 'deploy', environment: 'ci', version: `1.${'9'.repeat(100_000)}x` }),
      /input 'version'/,
    ],
    [
      'action-smoke-test',
      () => ({ url: 'http://127.0.0.1:1/', 'expect-status': `2${'0'.repeat(100_000)}` }),
      /input 'expect-status'/,
    ],
    [
      'action-migrate',
      () => ({
        ...migrate({ strategy: 'blue-green' })(),
        'pointer-parameter': `/${'p'.repeat(100_000)} x`,
      }),
      /input 'pointer-parameter'/,
    ],
  ];
  test.each(huge)('%s', async (action, inputs, names) => {
    const before = aws.requests.length;
    const run = await runAction(
      action,
      inputs(),
      { AWS_ENDPOINT_URL: aws.endpoint, AWS_REGION: 'us-east-1' },
      { cwd: work },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(names);
    // The value is 100,000 characters; what reaches the log and the summary is a few thousand.
    expect(run.stdout.length).toBeLessThan(8_000);
    expect(run.summary.length).toBeLessThan(8_000);
    expect(aws.requests.length - before).toBe(0);
  });
});

describe('bad input is reported before any AWS call', () => {
  test.each(cases)('%s', (_name, inputs, message) =>
    expectRefusedWithoutAws('action-provision', inputs(), message),
  );
});

function templateFile(name: string, text: string): string {
  writeFileSync(path.join(work, name), text);
  return name;
}

// A valid JSON template: the demo's image.
const DEMO_TEMPLATE = path.join(REPO_ROOT, 'demo', 'ami', 'sample-service.json');

const buildAmiCases: Case[] = [
  ['missing template', () => ({ name: 'web' }), /input 'template': is required/],
  [
    'a template that does not exist',
    () => ({ name: 'web', template: 'packer/missing.json' }),
    /input 'template': .*packer\/missing\.json does not exist/,
  ],
  [
    'a template that is not JSON',
    () => ({ name: 'web', template: templateFile('broken.json', '{"builders": [') }),
    /input 'template': .*broken\.json is not valid JSON/,
  ],
  [
    'an unknown wait mode',
    () => ({
      name: 'web',
      template: DEMO_TEMPLATE,
      'wait-for-user-data': 'forever',
    }),
    /input 'wait-for-user-data': 'forever' is not valid; valid values: none, cloud-init, signal-file/,
  ],
  [
    'an injected wait on an HCL2 template',
    () => ({
      name: 'web',
      template: templateFile('image.pkr.hcl', 'source "null" "x" { communicator = "none" }\n'),
      'wait-for-user-data': 'cloud-init',
    }),
    /input 'wait-for-user-data': cloud-init waits are injected into JSON templates only/,
  ],
  [
    'an HCL2 template without the source AMI variable',
    () => ({
      name: 'web',
      template: templateFile('nosource.pkr.hcl', 'source "null" "x" { communicator = "none" }\n'),
      'source-ami-filter': 'owners=amazon\nname=al2023-ami-*',
    }),
    /input 'source-ami-variable': nosource\.pkr\.hcl declares no variable "source_ami"/,
  ],
  [
    'a source filter without owners',
    () => ({
      name: 'web',
      template: DEMO_TEMPLATE,
      'source-ami-filter': 'name=al2023-*',
    }),
    /input 'source-ami-filter': needs owners=/,
  ],
  [
    'a bad region to copy to',
    () => ({
      name: 'web',
      template: DEMO_TEMPLATE,
      'copy-to-regions': 'mars-1',
    }),
    /input 'copy-to-regions': 'mars-1' is not an AWS region name/,
  ],
  [
    'a build timeout that is not a number of minutes',
    () => ({ name: 'web', template: DEMO_TEMPLATE, 'build-timeout-minutes': '2h' }),
    /input 'build-timeout-minutes': '2h' is not valid; expected a number from 0\.1 to 1440/,
  ],
  [
    'a tag with the aws: prefix',
    () => ({ name: 'web', template: DEMO_TEMPLATE, tags: 'aws:owner=me' }),
    /input 'tags': 'aws:owner' uses a reserved prefix/,
  ],
  [
    "a tag with the suite's ami: prefix",
    () => ({ name: 'web', template: DEMO_TEMPLATE, tags: 'ami:version=9' }),
    /input 'tags': 'ami:version' uses a reserved prefix/,
  ],
  [
    'a tag value over 256 characters',
    () => ({ name: 'web', template: DEMO_TEMPLATE, tags: `Team=${'x'.repeat(300)}` }),
    /input 'tags': 'Team': EC2 tag keys are at most 128 characters and values at most 256/,
  ],
  [
    'more tags than an image can carry',
    () => ({
      name: 'web',
      template: DEMO_TEMPLATE,
      tags: Array.from({ length: 45 }, (_, index) => `t${index}=v`).join('\n'),
    }),
    /input 'tags': 45 tags; EC2 allows 50 per image/,
  ],
  [
    'packer that is a folder',
    () => ({ name: 'web', template: DEMO_TEMPLATE, packer: work }),
    /input 'packer': .* is a folder, not the Packer program/,
  ],
  [
    'packer that is not executable',
    () => ({ name: 'web', template: DEMO_TEMPLATE, packer: DEMO_TEMPLATE }),
    /input 'packer': .*sample-service\.json is not executable/,
  ],
  [
    'a name with capitals',
    () => ({ name: 'Web', template: DEMO_TEMPLATE }),
    /input 'name': 'Web' is not valid: lower-case letters/,
  ],
  [
    'a version that is not one',
    () => ({ name: 'web', template: DEMO_TEMPLATE, version: 'latest!' }),
    /input 'version': 'latest!' is not/,
  ],
  [
    'an account ID that is not one',
    () => ({ name: 'web', template: DEMO_TEMPLATE, 'share-with-accounts': '1234' }),
    /input 'share-with-accounts': '1234'/,
  ],
  [
    'retention settings without keep',
    () => ({ name: 'web', template: DEMO_TEMPLATE, 'min-age-days': '3' }),
    /input 'min-age-days': only applies with keep/,
  ],
  [
    'a var-file that does not exist',
    () => ({ name: 'web', template: DEMO_TEMPLATE, 'var-file': 'nope.pkrvars.hcl' }),
    /input 'var-file': .*nope\.pkrvars\.hcl does not exist/,
  ],
  [
    'a JSON var-file that is a list',
    () => ({
      name: 'web',
      template: DEMO_TEMPLATE,
      'var-file': templateFile('vars.json', '["a"]'),
    }),
    /input 'var-file': .*vars\.json is not a JSON object/,
  ],
  [
    'a source-ami-variable that is not a Packer variable name',
    () => ({ name: 'web', template: DEMO_TEMPLATE, 'source-ami-variable': 'source ami' }),
    /input 'source-ami-variable': 'source ami' is not a Packer variable name/,
  ],
  [
    'keep that is not a number',
    () => ({ name: 'web', template: DEMO_TEMPLATE, keep: 'all' }),
    /input 'keep': 'all' is not valid; expected a whole number from 0 to 1000/,
  ],
  [
    'a copy timeout of 0 minutes',
    () => ({ name: 'web', template: DEMO_TEMPLATE, 'copy-timeout-minutes': '0' }),
    /input 'copy-timeout-minutes': '0' is not valid; expected a whole number from 1 to 720/,
  ],
  [
    'retention-dry-run that is not a boolean',
    () => ({ name: 'web', template: DEMO_TEMPLATE, keep: '3', 'retention-dry-run': 'perhaps' }),
    /input 'retention-dry-run': 'perhaps' is not valid; valid values: true, false/,
  ],
  [
    'a var-file that is not valid HCL',
    () => ({
      name: 'web',
      template: DEMO_TEMPLATE,
      'var-file': templateFile('bad.pkrvars.hcl', 'region = "eu-west-1\ncert = <<EOT\n'),
    }),
    /input 'var-file': bad\.pkrvars\.hcl is not valid HCL: bad\.pkrvars\.hcl:1,/,
  ],
  [
    'a sensitive-variables name the template does not declare',
    () => ({ name: 'web', template: DEMO_TEMPLATE, 'sensitive-variables': 'db_pasword' }),
    /input 'sensitive-variables': 'db_pasword' is not a variable of .*sample-service\.json, so nothing would be masked; variables it declares: /,
  ],
  [
    'a manifest-file outside the working directory',
    () => ({ name: 'web', template: DEMO_TEMPLATE, 'manifest-file': '../ami-manifest.json' }),
    /input 'manifest-file': '\.\.\/ami-manifest\.json' is outside the working directory/,
  ],
  [
    'a manifest-file through a symbolic link out of the working directory',
    () => {
      const link = path.join(work, 'out-link');
      try {
        symlinkSync(os.tmpdir(), link);
      } catch {
        // made by an earlier run of this case
      }
      return { name: 'web', template: DEMO_TEMPLATE, 'manifest-file': 'out-link/m.json' };
    },
    /input 'manifest-file': 'out-link\/m\.json' is outside the working directory/,
  ],
  [
    'a manifest-file in a folder that does not exist',
    () => ({ name: 'web', template: DEMO_TEMPLATE, 'manifest-file': 'no-such-folder/m.json' }),
    /input 'manifest-file': 'no-such-folder\/m\.json' is in .*no-such-folder, which is not an existing folder/,
  ],
  [
    'Packer not installed',
    () => ({
      name: 'web',
      template: DEMO_TEMPLATE,
      packer: path.join(work, 'no-packer'),
    }),
    /input 'packer': Packer was not found .*hashicorp\/setup-packer/,
  ],
];

describe('action-build-ami: bad input is reported before Packer runs or AWS is called', () => {
  test.each(buildAmiCases)('%s', (_name, inputs, message) =>
    expectRefusedWithoutAws(
      'action-build-ami',
      { 'working-directory': work, ...inputs() },
      message,
    ),
  );
});

const MIGRATION_DEFINITION = path.join(
  REPO_ROOT,
  'test',
  'fixtures',
  'migration',
  'environment.yml',
);
/** A copy of the migration fixture, edited: for definition and template mistakes. */
function migrationVariant(name: string, edit: (dir: string) => void): string {
  const dir = path.join(work, `migration-${name}`);
  cpSync(path.dirname(MIGRATION_DEFINITION), dir, { recursive: true });
  edit(dir);
  return path.join(dir, 'environment.yml');
}

/** Ten levels of nine aliases each: a billion-laughs expansion in a few hundred bytes. */
const ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map(
    (name, index) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[index]}`).join(',')}]`,
  ),
].join('\n');

const migrate = (inputs: Record<string, string>) => () => ({
  environment: 'staging',
  definition: MIGRATION_DEFINITION,
  version: '2.0.0',
  'artifact-bucket': 'artifacts',
  ...inputs,
});

const migrateCases: Case[] = [
  [
    'unknown strategy',
    migrate({ strategy: 'rolling' }),
    /input 'strategy': 'rolling' is not valid; valid values: update, blue-green, double-clone/,
  ],
  [
    'missing strategy',
    migrate({}),
    /input 'strategy': is required; valid values: update, blue-green, double-clone/,
  ],
  [
    'a statistics URL with no placeholder',
    migrate({ strategy: 'blue-green', 'statistics-url': 'http://127.0.0.1:8080/admin/statistics' }),
    /input 'statistics-url': .* has no \{\{ Output \}\} placeholder, so both environments would be asked at the same address/,
  ],
  [
    'a statistics URL naming an output the template lacks',
    migrate({ strategy: 'blue-green', 'statistics-url': '{{ AdminUrl }}/statistics' }),
    /input 'statistics-url': unknown placeholder \{\{ AdminUrl \}\}; outputs that exist: DataBucketName, Endpoint, ServiceUrl, Version/,
  ],
  [
    'copy concurrency 0',
    migrate({ strategy: 'double-clone', 's3-copy-concurrency': '0' }),
    /input 's3-copy-concurrency': '0' is not valid; expected a whole number from 1 to 512/,
  ],
  [
    'maintenance-hook without its URLs',
    migrate({ strategy: 'double-clone', availability: 'maintenance-hook' }),
    /input 'maintenance-on-url': availability maintenance-hook needs both/,
  ],
  [
    'unknown availability',
    migrate({ strategy: 'double-clone', availability: 'drain' }),
    /input 'availability': 'drain' is not valid; valid values: asg-standby, maintenance-hook, none/,
  ],
  [
    'allow-replacement with a copying strategy',
    migrate({ strategy: 'blue-green', 'allow-replacement': 'DataBucket' }),
    /input 'allow-replacement': applies to strategy update only/,
  ],
  [
    'no version',
    migrate({ strategy: 'update', version: '' }),
    /input 'version': is required without 'package'/,
  ],
  [
    'no artifact bucket for the journal',
    migrate({ strategy: 'update', 'artifact-bucket': '' }),
    /input 'artifact-bucket': is required: the migration journal/,
  ],
  [
    'a DNS record with a strategy that keeps the stack name',
    migrate({
      strategy: 'double-clone',
      'route53-zone-id': 'Z123',
      'route53-record-name': 'records.example.com',
    }),
    /input 'route53-record-name': applies to strategies blue-green and rollback only/,
  ],
  [
    'a DNS record over an output the template lacks',
    migrate({
      strategy: 'blue-green',
      'route53-zone-id': 'Z123',
      'route53-record-name': 'records.example.com',
      'route53-endpoint-output': 'LoadBalancerDns',
    }),
    /input 'route53-endpoint-output': names output LoadBalancerDns, which the template does not declare/,
  ],
  [
    'pointer-parameter with a strategy that has no colours',
    migrate({ strategy: 'double-clone', 'pointer-parameter': '/records/colour' }),
    /input 'pointer-parameter': is set, but strategy double-clone has no colours; it applies to strategies blue-green and rollback only/,
  ],
  [
    'keep-previous-hours with update',
    migrate({ strategy: 'update', 'keep-previous-hours': '48' }),
    /input 'keep-previous-hours': is set, but strategy update has no colours/,
  ],
  [
    'copy-versions with update, which copies nothing',
    migrate({ strategy: 'update', 'copy-versions': 'current' }),
    /input 'copy-versions': is set, but strategy update copies no data/,
  ],
  [
    's3-copy-concurrency with update',
    migrate({ strategy: 'update', 's3-copy-concurrency': '64' }),
    /input 's3-copy-concurrency': is set, but strategy update copies no data/,
  ],
  [
    'an unknown s3-copy-engine',
    migrate({ strategy: 'blue-green', 's3-copy-engine': 'lambda' }),
    /input 's3-copy-engine': 'lambda' is not valid; valid values: runner, batch-operations, auto/,
  ],
  [
    's3-copy-engine batch-operations without the role the job assumes',
    migrate({ strategy: 'blue-green', 's3-copy-engine': 'batch-operations' }),
    /input 's3-batch-role-arn': is required with s3-copy-engine batch-operations: the IAM role S3 Batch Operations assumes/,
  ],
  [
    's3-batch-role-arn that is not a role ARN',
    migrate({
      strategy: 'blue-green',
      's3-copy-engine': 'auto',
      's3-batch-role-arn': 'arn:aws:iam::123:user/me',
    }),
    /input 's3-batch-role-arn': 'arn:aws:iam::123:user\/me' is not an IAM role ARN/,
  ],
  [
    's3-batch-role-arn with the runner engine',
    migrate({
      strategy: 'blue-green',
      's3-batch-role-arn': 'arn:aws:iam::123456789012:role/copy',
    }),
    /input 's3-batch-role-arn': is set, but s3-copy-engine is runner/,
  ],
  [
    's3-batch-threshold without auto',
    migrate({
      strategy: 'blue-green',
      's3-copy-engine': 'batch-operations',
      's3-batch-role-arn': 'arn:aws:iam::123456789012:role/copy',
      's3-batch-threshold': '1000',
    }),
    /input 's3-batch-threshold': is set, but s3-copy-engine is batch-operations; it applies to s3-copy-engine auto/,
  ],
  [
    's3-copy-engine with update',
    migrate({ strategy: 'update', 's3-copy-engine': 'auto' }),
    /input 's3-copy-engine': is set, but strategy update copies no data/,
  ],
  [
    'route53-ttl without a record',
    migrate({ strategy: 'blue-green', 'route53-ttl': '300' }),
    /input 'route53-ttl': is set, but there is no record to point/,
  ],
  [
    'maintenance-method without maintenance-hook',
    migrate({ strategy: 'update', 'maintenance-method': 'PUT' }),
    /input 'maintenance-method': is set, but availability is asg-standby/,
  ],
  [
    'maintenance-headers without maintenance-hook',
    migrate({ strategy: 'update', 'maintenance-headers': 'Authorization=Bearer x' }),
    /input 'maintenance-headers': is set, but availability is asg-standby/,
  ],
  [
    'an unknown copy-versions value',
    migrate({ strategy: 'double-clone', 'copy-versions': 'latest' }),
    /input 'copy-versions': 'latest' is not valid; valid values: all, current/,
  ],
  [
    'an unknown recover value',
    migrate({ strategy: 'double-clone', recover: 'retry' }),
    /input 'recover': 'retry' is not valid; valid values: resume, rollback/,
  ],
  [
    'a timeout of 0 minutes',
    migrate({ strategy: 'update', 'timeout-minutes': '0' }),
    /input 'timeout-minutes': '0' is not valid; expected a whole number from 1 to 720/,
  ],
  [
    'keep-previous-hours that is not a number',
    migrate({ strategy: 'blue-green', 'keep-previous-hours': 'a day' }),
    /input 'keep-previous-hours': 'a day' is not valid; expected a whole number/,
  ],
  [
    'an environment-url-output the template does not declare, with a token',
    migrate({ strategy: 'update', 'github-token': 'ghs_x', 'environment-url-output': 'Portal' }),
    /input 'environment-url-output': names output Portal, which the template does not declare/,
  ],
  [
    'a snapshot parameter for a logical ID that is no DB instance',
    () => ({
      ...migrate({ strategy: 'double-clone' })(),
      definition: migrationVariant('snapshot-bucket', (dir) =>
        replaceIn(
          path.join(dir, 'environment.yml'),
          'Database: DatabaseSnapshot',
          'DataBucket: DatabaseSnapshot',
        ),
      ),
    }),
    /migration\.snapshot-parameters\.DataBucket is a AWS::S3::Bucket, not AWS::RDS::DBInstance of .*cloudformation\.yml; DB instances it declares: Database/,
  ],
  [
    'a snapshot parameter for a logical ID the template lacks',
    () => ({
      ...migrate({ strategy: 'double-clone' })(),
      definition: migrationVariant('snapshot-missing', (dir) =>
        replaceIn(
          path.join(dir, 'environment.yml'),
          'Database: DatabaseSnapshot',
          'Databse: DatabaseSnapshot',
        ),
      ),
    }),
    /migration\.snapshot-parameters\.Databse names no AWS::RDS::DBInstance/,
  ],
  [
    'a definition with a second YAML document',
    () => ({
      ...migrate({ strategy: 'update' })(),
      definition: migrationVariant('two-documents', (dir) =>
        writeFileSync(
          path.join(dir, 'environment.yml'),
          `${readFileSync(path.join(dir, 'environment.yml'), 'utf8')}---\ncomponent: other\n`,
        ),
      ),
    }),
    /environment\.yml: holds 2 YAML documents \(separated by ---\); it must be one/,
  ],
  [
    'a definition with an alias bomb',
    () => ({
      ...migrate({ strategy: 'update' })(),
      definition: migrationVariant('alias-bomb', (dir) =>
        writeFileSync(
          path.join(dir, 'environment.yml'),
          `${readFileSync(path.join(dir, 'environment.yml'), 'utf8')}${ALIAS_BOMB}\n`,
        ),
      ),
    }),
    /environment\.yml: not valid YAML: .*alias.* \(at most 100 alias expansions\)/,
  ],
  [
    'a definition with a __proto__ key',
    () => ({
      ...migrate({ strategy: 'update' })(),
      definition: migrationVariant('proto', (dir) =>
        writeFileSync(
          path.join(dir, 'environment.yml'),
          `${readFileSync(path.join(dir, 'environment.yml'), 'utf8')}parameters:\n  __proto__: { polluted: yes }\n`,
        ),
      ),
    }),
    /environment\.yml: parameters\.__proto__: '__proto__' is not allowed as a key/,
  ],
  [
    'an artifact bucket formatted as an IP address',
    migrate({ strategy: 'update', 'artifact-bucket': '192.168.5.4' }),
    /input 'artifact-bucket': '192\.168\.5\.4' is not a valid S3 bucket name: it is formatted as an IP address/,
  ],
  [
    'an artifact bucket with a suffix S3 reserves',
    migrate({ strategy: 'update', 'artifact-bucket': 'journal-s3alias' }),
    /input 'artifact-bucket': 'journal-s3alias' is not a valid S3 bucket name: the suffix -s3alias is reserved by S3/,
  ],
  [
    'a parameter value over 4,096 bytes',
    migrate({ strategy: 'update', parameters: `ServiceEndpoint=${'x'.repeat(5000)}` }),
    /input 'parameters': the value of ServiceEndpoint is 5,000 bytes; CloudFormation accepts at most 4,096 bytes per parameter value/,
  ],
  [
    'a package that is a folder',
    migrate({ strategy: 'update', version: '', package: path.join(REPO_ROOT, 'demo') }),
    /input 'package': '.*demo' is a folder \(or another kind of file\), not a package/,
  ],
  [
    'a pointer parameter that is not an SSM name',
    migrate({ strategy: 'blue-green', 'pointer-parameter': 'records colour!' }),
    /input 'pointer-parameter': 'records colour!' is not an SSM parameter name/,
  ],
  [
    'require-promotion-from naming the environment itself',
    migrate({ strategy: 'update', 'require-promotion-from': 'staging' }),
    /input 'require-promotion-from': names 'staging', the environment being migrated/,
  ],
  [
    'an unknown gate',
    migrate({ strategy: 'update', 'require-promotion-from': 'ci', 'require-gates': 'load' }),
    /input 'require-gates': 'load' is not valid; valid values: smoke, statistics/,
  ],
  [
    'an ignore path that is not a path',
    migrate({ strategy: 'update', 'statistics-ignore': 'objects..total' }),
    /input 'statistics-ignore': 'objects\.\.total' is not a path/,
  ],
];

// Each placeholder the migration fills in later is refused now, before the lock is taken. The
// fixture's statistics header reads STATISTICS_TOKEN: the cases above have it set.
const unsetVariableCases: Case[] = [
  [
    "the definition's statistics header names a variable that is not set",
    migrate({ strategy: 'blue-green' }),
    /definition: statistics\.headers\.authorization: \{\{ env\.STATISTICS_TOKEN \}\} names environment variable STATISTICS_TOKEN, which is not set/,
  ],
  [
    'a maintenance header names a variable that is not set',
    migrate({
      strategy: 'blue-green',
      availability: 'maintenance-hook',
      'maintenance-on-url': '{{ ServiceUrl }}/maintenance/on',
      'maintenance-off-url': '{{ ServiceUrl }}/maintenance/off',
      'maintenance-headers': 'Authorization=Bearer {{ env.MAINTENANCE_TOKEN }}',
    }),
    /input 'maintenance-headers' \(Authorization\): \{\{ env\.MAINTENANCE_TOKEN \}\} names environment variable MAINTENANCE_TOKEN, which is not set/,
  ],
];

describe('action-migrate: bad input is reported before any AWS call', () => {
  test.each(migrateCases)('%s', (_name, inputs, message) =>
    expectRefusedWithoutAws('action-migrate', inputs(), message, {
      STATISTICS_TOKEN: 'statistics-token',
    }),
  );
  test.each(unsetVariableCases)('%s', (_name, inputs, message) =>
    expectRefusedWithoutAws('action-migrate', inputs(), message),
  );
});
