import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  amiArtifacts,
  LineSplitter,
  PackerOutput,
  parseRecord,
  unescapeField,
  type PackerEvent,
} from '../../src/ami/packer-output.js';

// Recorded from Packer 1.6.6 (`packer build -machine-readable`), the amazon-ebs build against
// moto with ami_regions and two post-processors, so every artifact is reported three times.
const FIXTURES = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'packer',
);
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

function readAll(text: string, chunkSize = 37): { output: PackerOutput; events: PackerEvent[] } {
  const output = new PackerOutput();
  const events: PackerEvent[] = [];
  const splitter = new LineSplitter();
  const lines: string[] = [];
  // Fed in odd-sized chunks, as a pipe delivers them, so records split across chunks are whole again.
  for (let index = 0; index < text.length; index += chunkSize) {
    lines.push(...splitter.push(text.slice(index, index + chunkSize)));
  }
  lines.push(...splitter.flush());
  for (const line of lines) {
    const record = parseRecord(line);
    if (record) events.push(output.accept(record));
  }
  return { output, events };
}

describe('Packer machine-readable records', () => {
  it('splits fields on commas and unescapes each one', () => {
    const record = parseRecord(
      '1795324403,amazon-ebs,ui,message,    amazon-ebs: first line%!(PACKER_COMMA) with a comma',
    );
    expect(record).toEqual({
      timestamp: 1795324403,
      target: 'amazon-ebs',
      type: 'ui',
      data: ['message', '    amazon-ebs: first line, with a comma'],
    });
    expect(unescapeField('a\\nb\\rc%!(PACKER_COMMA)d')).toBe('a\nb\rc,d');
  });

  it('reads a record without a target or data, and refuses lines that are not records', () => {
    expect(parseRecord('1795324403,,error-count,1')).toMatchObject({
      target: '',
      type: 'error-count',
      data: ['1'],
    });
    expect(parseRecord('1795324403,amazon-ebs,artifact-count')).toMatchObject({ data: [] });
    expect(parseRecord('2026/11/22 05:13:01 plugin said hello')).toBeUndefined();
    expect(parseRecord('')).toBeUndefined();
  });

  it('keeps a partial line until the rest of it arrives', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('1,,ui,say,hel')).toEqual([]);
    expect(splitter.push('lo\n2,,ui,say,wor')).toEqual(['1,,ui,say,hello']);
    expect(splitter.flush()).toEqual(['2,,ui,say,wor']);
    expect(splitter.flush()).toEqual([]);
  });
});

describe('a recorded multi-region build', () => {
  const { output, events } = readAll(fixture('build-multi-region.txt'));

  it('prints messages with their commas and newlines restored', () => {
    const texts = events.map((event) => event.text);
    expect(texts).toContain('    amazon-ebs: first line, with a comma');
    expect(texts).toContain(
      '--> amazon-ebs: AMIs were created:\nus-east-1: ami-cc903d5cf02ccc942\nus-west-2: ami-22a201518d06f3b9b\n',
    );
    expect(events.filter((event) => event.kind === 'error')).toEqual([]);
  });

  it('reports each AMI once although Packer reported the artifact three times', () => {
    expect(output.artifacts()).toHaveLength(3);
    expect(amiArtifacts(output.artifacts())).toEqual([
      { target: 'amazon-ebs', region: 'us-east-1', imageId: 'ami-cc903d5cf02ccc942' },
      { target: 'amazon-ebs', region: 'us-west-2', imageId: 'ami-22a201518d06f3b9b' },
    ]);
    expect(output.errors()).toEqual([]);
    expect(output.failedBuilds()).toBe(0);
  });
});

describe('recorded failures', () => {
  it("collects a failing provisioner's errors once each, without Packer's repetitions", () => {
    const { output } = readAll(fixture('build-failed-provisioner.txt'));
    expect(output.errors()).toEqual([
      'null: oops: disk full',
      'null: Script exited with non-zero exit status: 3.Allowed exit codes are: [0]',
    ]);
    expect(output.failedBuilds()).toBe(1);
    expect(amiArtifacts(output.artifacts())).toEqual([]);
  });

  it("keeps a template error's lines together", () => {
    const { output } = readAll(fixture('validate-bad-json.txt'));
    expect(output.errors()).toHaveLength(1);
    expect(output.errors()[0]).toMatch(
      /^Failed to parse template: Error parsing JSON: invalid character 'b'/,
    );
    expect(output.errors()[0]).toContain('At line 1, column 2');
  });

  it('ignores artifact ids that are not AMIs', () => {
    expect(
      amiArtifacts([
        {
          target: 'null',
          index: 0,
          builderId: 'fnoeding.null',
          id: 'Null',
          description: undefined,
        },
        {
          target: 'docker',
          index: 0,
          builderId: 'docker',
          id: 'sha256:abc',
          description: undefined,
        },
      ]),
    ).toEqual([]);
  });
});
