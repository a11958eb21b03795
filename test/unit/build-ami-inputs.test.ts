import { describe, expect, it } from '@jest/globals';
import { parseBuildAmiInputs } from '../../action-build-ami/src/inputs.js';
import { ConfigurationError } from '../../src/core/errors.js';
import { inputsFromRecord } from '../../src/core/inputs.js';

const base = { template: 'packer/image.json', name: 'web' };
const parse = (values: Record<string, string>) =>
  parseBuildAmiInputs(inputsFromRecord({ ...base, ...values }));

describe('action-build-ami inputs', () => {
  it('has safe defaults: no wait, no retention, no copies', () => {
    const inputs = parse({});
    expect(inputs.version).toBeUndefined();
    expect(inputs.request).toMatchObject({
      workingDirectory: '.',
      sourceAmiVariable: 'source_ami',
      wait: undefined,
      retention: undefined,
      copyToRegions: [],
      shareWithAccounts: [],
      manifestFile: 'ami-manifest.json',
    });
  });

  it('reads a full set', () => {
    const inputs = parse({
      version: '2.1.0',
      variables: 'instance_type=t3.small\ntoken=abc=def',
      'sensitive-variables': 'token',
      'source-ami-filter': 'owners=amazon\nname=al2023-ami-*\narchitecture=x86_64,arm64',
      'wait-for-user-data': 'signal-file',
      platform: 'windows',
      'signal-timeout-seconds': '600',
      'share-with-accounts': '111122223333, 444455556666',
      'copy-to-regions': 'eu-west-1\neu-west-1\nus-west-2',
      keep: '3',
      'retention-dry-run': 'false',
    });
    expect(inputs.version).toBe('2.1.0');
    expect(inputs.request.variables).toEqual({ instance_type: 't3.small', token: 'abc=def' });
    expect(inputs.request.sourceAmiFilter).toEqual({
      owners: ['amazon'],
      filters: [
        { Name: 'name', Values: ['al2023-ami-*'] },
        { Name: 'architecture', Values: ['x86_64', 'arm64'] },
        { Name: 'state', Values: ['available'] },
      ],
    });
    expect(inputs.request.wait).toEqual({
      mode: 'signal-file',
      platform: 'windows',
      signalPath: 'C:\\signal',
      intervalSeconds: 30,
      timeoutSeconds: 600,
    });
    expect(inputs.request.copyToRegions).toEqual(['eu-west-1', 'us-west-2']);
    expect(inputs.request.retention).toEqual({
      keep: 3,
      minAgeDays: 7,
      dryRun: false,
      retireShared: false,
    });
  });

  it.each([
    ['no template', { template: '' }, /input 'template': is required/],
    ['a bad name', { name: 'Web App' }, /input 'name': 'Web App' is not valid/],
    ['a bad version', { version: 'latest' }, /input 'version': 'latest' is not a valid version/],
    [
      'an unknown wait',
      { 'wait-for-user-data': 'sleep' },
      /input 'wait-for-user-data': 'sleep' is not valid; valid values: none, cloud-init, signal-file/,
    ],
    [
      'an unknown platform',
      { 'wait-for-user-data': 'signal-file', platform: 'macos' },
      /input 'platform': 'macos' is not valid; valid values: linux, windows, local/,
    ],
    [
      'cloud-init on Windows',
      { 'wait-for-user-data': 'cloud-init', platform: 'windows' },
      /cloud-init runs on Linux/,
    ],
    [
      'a signal path without the signal-file wait',
      { 'signal-path': '/tmp/x' },
      /input 'signal-path': only applies when wait-for-user-data is signal-file/,
    ],
    [
      'a wait timeout without a wait',
      { 'signal-timeout-seconds': '60' },
      /input 'signal-timeout-seconds': only applies when wait-for-user-data is cloud-init or signal-file/,
    ],
    [
      'a zero interval',
      { 'wait-for-user-data': 'cloud-init', 'signal-interval-seconds': '0' },
      /input 'signal-interval-seconds': '0' is not valid; expected a whole number from 1 to 3600/,
    ],
    [
      'a filter without owners',
      { 'source-ami-filter': 'name=al2023-*' },
      /input 'source-ami-filter': needs owners=/,
    ],
    [
      'a filter with a bad owner',
      { 'source-ami-filter': 'owners=everyone\nname=x' },
      /owner 'everyone' is not valid/,
    ],
    [
      'a filter with owners only',
      { 'source-ami-filter': 'owners=amazon' },
      /needs at least one filter besides owners/,
    ],
    [
      'a filter on state',
      { 'source-ami-filter': 'owners=amazon\nname=x\nstate=pending' },
      /'state' is always 'available'/,
    ],
    [
      'a filter that is not KEY=VALUE',
      { 'source-ami-filter': 'owners amazon' },
      /input 'source-ami-filter': line 1 \('owners amazon'\) is not KEY=VALUE/,
    ],
    [
      'source_ami set twice',
      { 'source-ami-filter': 'owners=amazon\nname=x', variables: 'source_ami=ami-1' },
      /input 'variables': sets source_ami, which source-ami-filter also sets/,
    ],
    [
      'a bad account',
      { 'share-with-accounts': '12345' },
      /input 'share-with-accounts': '12345' is not an AWS account ID/,
    ],
    [
      'a bad region',
      { 'copy-to-regions': 'europe' },
      /input 'copy-to-regions': 'europe' is not an AWS region name/,
    ],
    [
      'retention options without keep',
      { 'retention-dry-run': 'false' },
      /input 'retention-dry-run': only applies with keep/,
    ],
    ['a negative keep', { keep: '-1' }, /input 'keep': '-1' is not valid/],
    [
      'a dry run that is not a boolean',
      { keep: '2', 'retention-dry-run': 'yes' },
      /input 'retention-dry-run': 'yes' is not valid; valid values: true, false/,
    ],
  ])('refuses %s, naming the input', (_name, values, message) => {
    expect(() => parse(values as Record<string, string>)).toThrow(ConfigurationError);
    expect(() => parse(values as Record<string, string>)).toThrow(message);
  });
});
