import { beforeEach, describe, expect, test } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { emptyBucket } from '../../src/aws/s3-buckets.js';
import { parseDefinition } from '../../src/definition/definition.js';
import { parseTemplate } from '../../src/definition/template.js';
import { resolveParameters } from '../../src/provisioning/stack-settings.js';
import { RecordingLogger } from '../support/recording-logger.js';
import { inert, Secrets, secretForms } from '../../src/core/logger.js';
import { maskCredential } from '../../src/core/placeholders.js';

// moto answers DeleteObjects without per-key errors; the AWS API reference says a 200 response
// can still list failed keys in Errors, which must fail the delete rather than pass silently.
const s3 = mockClient(S3Client);
beforeEach(() => {
  s3.reset();
});

describe('emptying a bucket', () => {
  test('pages through versions and delete markers in batches of at most 1000', async () => {
    const versions = (from: number, count: number) =>
      Array.from({ length: count }, (_, index) => ({
        Key: `k${from + index}`,
        VersionId: `v${from + index}`,
      }));
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({
        Versions: versions(0, 900),
        DeleteMarkers: versions(900, 300),
        IsTruncated: true,
        NextKeyMarker: 'k1199',
        NextVersionIdMarker: 'v1199',
        EncodingType: 'url',
      })
      .resolvesOnce({ Versions: versions(1200, 5), IsTruncated: false, EncodingType: 'url' });
    s3.on(DeleteObjectsCommand).resolves({});
    const result = await emptyBucket(new S3Client({ region: 'us-east-1' }), 'data');
    expect(result).toEqual({ bucket: 'data', deleted: 1205, missing: false });
    const batches = s3
      .commandCalls(DeleteObjectsCommand)
      .map((call) => call.args[0].input.Delete!.Objects!.length);
    expect(batches).toEqual([1000, 200, 5]);
    // Every page is listed from the start: what the last page listed has been deleted.
    expect(s3.commandCalls(ListObjectVersionsCommand)[1]!.args[0].input).toEqual({
      Bucket: 'data',
      MaxKeys: 1000,
      EncodingType: 'url',
    });
  });

  test('per-key errors in a DeleteObjects response fail the operation', async () => {
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [{ Key: 'locked.json', VersionId: 'v1' }],
      IsTruncated: false,
      EncodingType: 'url',
    });
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [
        { Key: 'locked.json', VersionId: 'v1', Code: 'AccessDenied', Message: 'Access Denied' },
      ],
    });
    await expect(emptyBucket(new S3Client({ region: 'us-east-1' }), 'data')).rejects.toThrow(
      'Could not delete 1 object(s) from bucket data: "locked.json"@v1: AccessDenied Access Denied',
    );
  });

  // XML 1.0 cannot carry a control character in a DeleteObjects body (S3 answers MalformedXML):
  // such a key is deleted by DeleteObject, named in the URL. Shapes from the S3 API reference.
  test('a key XML cannot carry is deleted on its own; a CR goes with the rest', async () => {
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [
        { Key: 'ctl/a%01b.json', VersionId: 'v1' },
        { Key: 'cr/a%0Db.json', VersionId: 'v2' },
        { Key: 'sp/a+b.json', VersionId: 'v3' },
      ],
      IsTruncated: false,
      EncodingType: 'url',
    });
    s3.on(DeleteObjectsCommand).resolves({});
    s3.on(DeleteObjectCommand).resolves({});
    const result = await emptyBucket(new S3Client({ region: 'us-east-1' }), 'data');
    expect(result.deleted).toBe(3);
    expect(s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'data', Key: 'ctl/a\u0001b.json', VersionId: 'v1' },
    ]);
    expect(s3.commandCalls(DeleteObjectsCommand)[0]!.args[0].input.Delete!.Objects).toEqual([
      { Key: 'cr/a\rb.json', VersionId: 'v2' },
      { Key: 'sp/a b.json', VersionId: 'v3' },
    ]);
  });

  test('a bucket that is already gone counts as empty', async () => {
    s3.on(ListObjectVersionsCommand).rejects(
      Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' }),
    );
    await expect(emptyBucket(new S3Client({ region: 'us-east-1' }), 'gone')).resolves.toEqual({
      bucket: 'gone',
      deleted: 0,
      missing: true,
    });
  });
});

describe('parameters', () => {
  test('NoEcho values are masked; precedence is definition, environment, input; EnvironmentVersion comes last', () => {
    const template = parseTemplate(
      'Parameters:\n  EnvironmentVersion: {Type: String}\n  DbPassword: {Type: String, NoEcho: true}\n  Size: {Type: Number, Default: 1}\nResources:\n  Q: {Type: AWS::SQS::Queue}\n',
      't.yml',
    );
    const definition = parseDefinition(
      'component: svc\ntemplate: t.yml\nparameters: {Size: 1, DbPassword: default-secret}\nenvironments:\n  ci: {parameters: {Size: 2}}\n',
      'env.yml',
    );
    const logger = new RecordingLogger();
    const values = resolveParameters(
      definition,
      template,
      'ci',
      { DbPassword: 's3cr3t' },
      '1.2.3',
      logger,
    );
    expect(values).toEqual({ Size: '2', DbPassword: 's3cr3t', EnvironmentVersion: '1.2.3' });
    expect(logger.masked).toEqual(['s3cr3t']);
    expect(() =>
      resolveParameters(definition, template, 'ci', { EnvironmentVersion: '9' }, '1.2.3', logger),
    ).toThrow(/EnvironmentVersion comes from the package version/);
  });
});

describe('every form of a masked value is redacted', () => {
  test('raw, JSON-escaped, URL-encoded, and line by line when it spans lines or holds a literal \\n', () => {
    const secrets = new Secrets();
    secrets.add('p@ss "word"/x y');
    secrets.add('first-half\\nsecond-half');
    secrets.add('-----BEGIN KEY-----\nAAAABBBBCCCC\n-----END KEY-----');
    const text = [
      'raw p@ss "word"/x y',
      `json ${JSON.stringify({ v: 'p@ss "word"/x y' })}`,
      `url ?k=${encodeURIComponent('p@ss "word"/x y')}`,
      'form ?k=p%40ss+%22word%22%2Fx+y',
      // Packer unescapes a literal \n: both halves are printed on lines of their own.
      'packer: first-half',
      'packer: second-half',
      'pem line AAAABBBBCCCC',
    ].join('\n');
    expect(secrets.redact(text)).toBe(
      [
        'raw ***',
        'json {"v":"***"}',
        'url ?k=***',
        'form ?k=***',
        'packer: ***',
        'packer: ***',
        'pem line ***',
      ].join('\n'),
    );
  });

  test('a value cut where no redactor was at hand leaves no start of a masked value at the cut', () => {
    const secrets = new Secrets();
    secrets.add('ghs_planToken123');
    const cut = `${'x'.repeat(188)}ghs_planToken123`.slice(0, 200);
    expect(secrets.redact(`'${cut}… (204 characters)'`)).toBe(
      `'${'x'.repeat(188)}***… (204 characters)'`,
    );
    // An ellipsis of the suite's own, with nothing of a secret before it, is left alone.
    expect(secrets.redact('change sets named plan-web-1-0-…')).toBe(
      'change sets named plan-web-1-0-…',
    );
  });

  test('a line of a log that would be a workflow command is made inert', () => {
    expect(inert('key a\n::add-mask::x\r::stop-commands::t\n:: fine')).toBe(
      'key a\n\u200B::add-mask::x\r\u200B::stop-commands::t\n\u200B:: fine',
    );
    expect(inert('::error::from a key')).toBe('\u200B::error::from a key');
    expect(inert('a :: b')).toBe('a :: b');
  });

  test('forms too short or blank to be secrets are not masked', () => {
    expect(secretForms('ab\n  \nlong-enough')).toEqual(
      expect.not.arrayContaining(['ab', '  ', '']),
    );
    expect(secretForms('ab')).toEqual([]);
  });

  test("a credential header masks the whole value, the credential alone, and Basic's password", () => {
    const masked: string[] = [];
    maskCredential('Bearer abc.def.ghi', (secret) => masked.push(secret));
    maskCredential(`Basic ${Buffer.from('deploy:hunter2-pass').toString('base64')}`, (secret) =>
      masked.push(secret),
    );
    expect(masked).toEqual(
      expect.arrayContaining([
        'Bearer abc.def.ghi',
        'abc.def.ghi',
        'deploy:hunter2-pass',
        'hunter2-pass',
      ]),
    );
  });
});
