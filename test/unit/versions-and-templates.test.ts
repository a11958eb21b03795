import { describe, expect, test } from '@jest/globals';
import { ConfigurationError } from '../../src/core/errors.js';
import { inputsFromRecord, keyValues, list, readInputs } from '../../src/core/inputs.js';
import { waitUntil } from '../../src/core/waiter.js';
import { parseDefinition } from '../../src/definition/definition.js';
import { parseTemplate } from '../../src/definition/template.js';
import { isUnversioned, unversionedVersion, validateVersion } from '../../src/packaging/version.js';
import { FakeClock } from '../support/fake-clock.js';

describe('versions', () => {
  test('an unversioned build is 0.0.YYDDD.SSSSS in UTC', () => {
    expect(unversionedVersion(new Date(Date.UTC(2026, 10, 22, 3, 4, 5)))).toBe('0.0.26326.11045');
    expect(unversionedVersion(new Date(Date.UTC(2024, 0, 1, 0, 0, 7)))).toBe('0.0.24001.00007');
    expect(unversionedVersion(new Date(Date.UTC(2024, 11, 31, 23, 59, 59)))).toBe(
      '0.0.24366.86399',
    );
    expect(isUnversioned('0.0.26326.11045')).toBe(true);
    expect(isUnversioned('1.0.0')).toBe(false);
  });

  test.each(['1.0', '1.0.0', '2.3.4.5', '1.4.0-rc.1', '1.4.0+build.7'])(
    '%s is a valid version',
    (version) => {
      expect(validateVersion(version)).toBe(version);
    },
  );

  test.each(['1', 'v1.0.0', '1.0.0.0.0', '01.0', '1.0 ', '1..0', '1.0/evil'])(
    '%s is not',
    (version) => {
      expect(() => validateVersion(version)).toThrow(ConfigurationError);
    },
  );
});

describe('CloudFormation templates', () => {
  test('short-form intrinsics parse to their long forms', () => {
    const template = parseTemplate(
      [
        'Parameters:',
        '  Secret: {Type: String, NoEcho: true}',
        '  Name: {Type: String, Default: x}',
        'Resources:',
        '  Bucket:',
        '    Type: AWS::S3::Bucket',
        '    DeletionPolicy: Retain',
        '    Properties:',
        '      BucketName: !Sub "${AWS::StackName}-data"',
        '      Tags: [{Key: a, Value: !GetAtt Other.Arn}, {Key: b, Value: !Join [",", [!Ref Name, !Select [0, !GetAZs ""]]]}]',
        'Outputs:',
        '  Arn: {Value: !GetAtt Bucket.Arn}',
      ].join('\n'),
      't.yml',
    );
    expect(template.parameters).toEqual({
      Secret: { type: 'String', hasDefault: false, noEcho: true },
      Name: { type: 'String', hasDefault: true, defaultValue: 'x', noEcho: false },
    });
    expect(template.resources.Bucket).toEqual({
      type: 'AWS::S3::Bucket',
      deletionPolicy: 'Retain',
    });
    expect(template.outputs).toEqual(['Arn']);
  });

  test('JSON templates parse too, and errors name the file', () => {
    expect(
      parseTemplate('{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}', 't.json').format,
    ).toBe('json');
    expect(() => parseTemplate('{"Resources": ', 't.json')).toThrow(/^t\.json: not valid JSON/);
    expect(() => parseTemplate('Resources: {}', 't.yml')).toThrow(
      /t\.yml: Resources: 'Resources' must be a mapping with at least one resource/,
    );
    expect(() => parseTemplate('Resources:\n  A: {Properties: {}}', 't.yml')).toThrow(
      /Resources\.A: each resource needs a 'Type'/,
    );
  });
});

describe('the environment definition', () => {
  const base = 'component: svc\ntemplate: t.yml\n';

  test('values are normalised to strings; lists join with commas', () => {
    const definition = parseDefinition(
      `${base}parameters: {Count: 2, On: true, Subnets: [a, b]}\n`,
      'env.yml',
    );
    expect(definition.parameters).toEqual({ Count: '2', On: 'true', Subnets: 'a,b' });
  });

  test.each([
    [`component: Svc_1\ntemplate: t.yml\n`, /component: 'Svc_1' is not valid/],
    [`component: svc\n`, /template: expected a non-empty string, got nothing/],
    [`${base}template2: x\n`, /template2: unknown key/],
    [
      `${base}environments: {ci: {paramters: {}}}\n`,
      /environments\.ci\.paramters: unknown key; valid keys here: parameters, tags, protected/,
    ],
    [
      `${base}environments: {ci: {parameters: {A: {b: 1}}}}\n`,
      /environments\.ci\.parameters\.A: expected a string, number or boolean/,
    ],
    [`${base}tags: {environment: x}\n`, /tags\.environment: this tag is set by the suite/],
    [
      `${base}stateful-resources: {resource-types: [S3Bucket]}\n`,
      /'S3Bucket' is not a resource type like AWS::S3::Bucket/,
    ],
    [`${base}template: other.yml\n`, /not valid YAML: Map keys must be unique \(at env\.yml:3:1\)/],
    [
      `component: svc\ntemplate: ../t.yml\n`,
      /template: '..\/t.yml' must be a path inside the definition's folder/,
    ],
  ])('rejects %j', (text, message) => {
    expect(() => parseDefinition(text, 'env.yml')).toThrow(message);
  });
});

describe('inputs', () => {
  const shape = { parameters: keyValues(), dup: keyValues(), l: list() };

  test('key=value pairs keep = in values, skip comments, refuse duplicates', () => {
    const values = { parameters: 'A=1\n# note\nB = x=y\n\n', dup: 'A=1', l: '' };
    expect(readInputs(shape, inputsFromRecord(values)).parameters).toEqual({ A: '1', B: 'x=y' });
    expect(() => readInputs(shape, inputsFromRecord({ ...values, dup: 'A=1\nA=2' }))).toThrow(
      /input 'dup': line 2: 'A' is given twice/,
    );
  });

  test('lists split on commas and newlines', () => {
    expect(readInputs(shape, inputsFromRecord({ l: 'a, b\nc,,' })).l).toEqual(['a', 'b', 'c']);
  });

  test('a rule between inputs blames the input it names, after every input is read', () => {
    const rule = (values: { l: string[] }) =>
      values.l.length > 1 ? (['l', 'takes one entry'] as const) : undefined;
    expect(() => readInputs(shape, inputsFromRecord({ l: 'a,b' }), [rule])).toThrow(
      "input 'l': takes one entry",
    );
    // A malformed input is told first; the rule is not reached.
    expect(() => readInputs(shape, inputsFromRecord({ l: 'a,b', dup: 'x' }), [rule])).toThrow(
      /input 'dup': line 1 \('x'\) is not KEY=VALUE/,
    );
  });
});

describe('the waiter', () => {
  test('backs off with jitter up to the cap and times out naming what is pending', async () => {
    const clock = new FakeClock();
    let polls = 0;
    const wait = waitUntil(
      'the thing',
      async () => {
        polls += 1;
        return { done: false, pending: `step ${polls}` };
      },
      { initialDelayMs: 1000, maxDelayMs: 8000, factor: 2, timeoutMs: 60_000 },
      clock,
      () => 1, // maximum jitter: delay exactly as computed
    );
    await expect(wait).rejects.toThrow(
      /Timed out after 1 min 0 s waiting for the thing; still pending: step \d+/,
    );
    expect(clock.sleeps.slice(0, 5)).toEqual([1000, 2000, 4000, 8000, 8000]);
  });

  test('returns the value once done', async () => {
    const clock = new FakeClock();
    let polls = 0;
    const value = await waitUntil(
      'x',
      async () => (++polls < 3 ? { done: false, pending: 'no' } : { done: true, value: 'yes' }),
      { initialDelayMs: 10, maxDelayMs: 10, factor: 1, timeoutMs: 1000 },
      clock,
    );
    expect(value).toBe('yes');
    expect(polls).toBe(3);
  });
});
