import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { amiNameFor, amiTimestamp } from '../../src/ami/build-ami.js';
import {
  adjustJsonTemplate,
  hclVariables,
  loadTemplate,
  writeBuildTemplate,
} from '../../src/ami/packer-template.js';
import {
  cloudInitShellScript,
  signalFilePowerShellScript,
  waitProvisioner,
} from '../../src/ami/user-data-wait.js';
import { ConfigurationError } from '../../src/core/errors.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'ami-template-'));

const adjustments = {
  amiName: 'web-1.0.0-20261122T081500',
  region: 'eu-west-1',
  endpoint: undefined,
  firstProvisioner: undefined,
};

describe('the template copy the action builds', () => {
  const original = {
    variables: { source_ami: '' },
    builders: [
      { type: 'amazon-ebs', ami_name: 'mine-{{timestamp}}', source_ami: '{{user `source_ami`}}' },
      { type: 'null', communicator: 'none' },
    ],
    provisioners: [{ type: 'shell', inline: ['echo mine'] }],
  };

  it('names the AMI, sets the region and puts the wait first, without touching the original', () => {
    const snapshot = JSON.stringify(original);
    const wait = waitProvisioner({
      mode: 'signal-file',
      platform: 'linux',
      signalPath: '/var/lib/user-data/signal',
      intervalSeconds: 30,
      timeoutSeconds: 3000,
    });
    const adjusted = adjustJsonTemplate(original, { ...adjustments, firstProvisioner: wait });
    expect(JSON.stringify(original)).toBe(snapshot);
    const builders = adjusted.document.builders as Array<Record<string, unknown>>;
    expect(builders[0]).toMatchObject({
      ami_name: 'web-1.0.0-20261122T081500',
      region: 'eu-west-1',
    });
    expect(builders[0]!.custom_endpoint_ec2).toBeUndefined();
    expect(builders[1]).toEqual({ type: 'null', communicator: 'none' });
    const provisioners = adjusted.document.provisioners as Array<Record<string, unknown>>;
    expect(provisioners.map((provisioner) => provisioner.type)).toEqual(['shell', 'shell']);
    expect(provisioners[0]!.inline_shebang).toBe('/bin/sh');
    expect(adjusted.changes).toEqual([
      'amazon-ebs: region eu-west-1',
      'amazon-ebs: ami_name web-1.0.0-20261122T081500 (was mine-{{timestamp}})',
      'provisioner shell added before the others',
    ]);
  });

  it('gives each of several AMI builders its own name, and keeps a region or endpoint the user set', () => {
    const adjusted = adjustJsonTemplate(
      {
        builders: [
          { type: 'amazon-ebs', name: 'x86', region: 'us-east-2' },
          { type: 'amazon-ebs', name: 'arm', custom_endpoint_ec2: 'https://ec2.example' },
        ],
      },
      { ...adjustments, endpoint: 'http://127.0.0.1:5000' },
    );
    expect(adjusted.amiNames).toEqual({
      x86: 'web-1.0.0-20261122T081500-x86',
      arm: 'web-1.0.0-20261122T081500-arm',
    });
    const [x86, arm] = adjusted.document.builders as Array<Record<string, unknown>>;
    expect(x86).toMatchObject({
      region: 'us-east-2',
      custom_endpoint_ec2: 'http://127.0.0.1:5000',
      skip_region_validation: true,
    });
    expect(arm).toMatchObject({ region: 'eu-west-1', custom_endpoint_ec2: 'https://ec2.example' });
    expect(arm!.skip_region_validation).toBeUndefined();
  });

  it('is written beside the original, so template_dir resolves the same, and removed afterwards', async () => {
    const dir = path.join(work, 'beside');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'image.json'), '{"builders": []}');
    const written = await writeBuildTemplate(path.join(dir, 'image.json'), {
      builders: [{ type: 'null' }],
    });
    expect(path.dirname(written.path)).toBe(dir);
    expect(path.basename(written.path)).toMatch(/^\.image\.build-[0-9a-f]{8}\.json$/);
    expect(JSON.parse(readFileSync(written.path, 'utf8'))).toEqual({
      builders: [{ type: 'null' }],
    });
    await written.remove();
    expect(readdirSync(dir)).toEqual(['image.json']);
    expect(readFileSync(path.join(dir, 'image.json'), 'utf8')).toBe('{"builders": []}');
  });
});

describe('reading templates', () => {
  const write = (name: string, text: string) => {
    const file = path.join(work, name);
    writeFileSync(file, text);
    return file;
  };

  it('knows the variables of a JSON template and which are sensitive', async () => {
    const template = await loadTemplate(
      write(
        'vars.json',
        JSON.stringify({
          variables: { token: 'default-token', region: 'eu-west-1', count: 3 },
          'sensitive-variables': ['token'],
          builders: [],
        }),
      ),
    );
    expect(template.format).toBe('json');
    expect(Object.fromEntries(template.variables)).toEqual({
      token: { sensitive: true, default: 'default-token' },
      region: { sensitive: false, default: 'eu-west-1' },
      count: { sensitive: false, default: undefined },
    });
  });

  it('reads HCL2 variable blocks with the HCL parser: braces in strings, comments, heredocs, maps', async () => {
    const text = `
variable "password" {
  type      = string
  default   = "p{a}ss\\"word"
  # sensitive = false, says a comment with a } brace
  sensitive = true
}
variable "region" {
  default = "eu-west-1"
  validation {
    condition     = length(var.region) > 0
    error_message = "A region is needed."
  }
}
source "null" "x" { communicator = "none" }
variable "ami_name" {}
variable "cert" {
  sensitive = true
  default   = <<EOT
-----BEGIN KEY-----
secret-key-body
EOT
}
variable "logins" {
  sensitive = true
  default   = { admin = "hunter2-pass" }
}
`;
    const variables = await hclVariables([{ file: 'image.pkr.hcl', text }]);
    expect(Object.fromEntries(variables)).toEqual({
      password: { sensitive: true, default: 'p{a}ss"word' },
      region: { sensitive: false, default: 'eu-west-1' },
      ami_name: { sensitive: false, default: undefined },
      cert: { sensitive: true, default: '-----BEGIN KEY-----\nsecret-key-body\n' },
      logins: {
        sensitive: true,
        default: '{"admin":"hunter2-pass"}',
        strings: ['hunter2-pass'],
      },
    });
  });

  it('names the file, line and column of HCL it cannot parse', async () => {
    await expect(
      hclVariables([{ file: 'broken.pkr.hcl', text: 'variable "x" {\n  default = "open\n}' }]),
    ).rejects.toThrow(/input 'template': broken\.pkr\.hcl is not valid HCL: broken\.pkr\.hcl:2,/);
  });

  it.each([
    ['a missing file', () => path.join(work, 'nope.json'), /does not exist/],
    ['a file that is not JSON', () => write('broken.json', '{"builders": ['), /is not valid JSON/],
    [
      'JSON without builders',
      () => write('nobuilders.json', '{"variables": {}}'),
      /has no "builders" list/,
    ],
    [
      'another kind of file',
      () => write('image.yml', 'builders: []'),
      /expected a Packer JSON template/,
    ],
    [
      'a folder without .pkr.hcl files',
      () => {
        const dir = path.join(work, 'empty');
        mkdirSync(dir, { recursive: true });
        return dir;
      },
      /folder without \.pkr\.hcl files/,
    ],
  ])('refuses %s as a configuration error', async (_name, file, message) => {
    const attempt = loadTemplate(file());
    await expect(attempt).rejects.toBeInstanceOf(ConfigurationError);
    await expect(attempt).rejects.toThrow(message);
  });
});

describe('AMI names', () => {
  it('are {name}-{version}-{UTC timestamp}, with characters AMI names refuse replaced', () => {
    const at = new Date('2026-11-22T08:15:00.123Z');
    expect(amiTimestamp(at)).toBe('20261122T081500');
    expect(amiNameFor('web', '1.4.0-rc.1+build.7', at)).toBe(
      'web-1.4.0-rc.1_build.7-20261122T081500',
    );
  });
});

describe('the cloud-init wait on a machine without cloud-init status', () => {
  // Real sh, with no cloud-init on PATH: the wait falls back to the file cloud-init writes last.
  const bootFinished = path.join(work, 'boot-finished');
  const script = cloudInitShellScript({ intervalSeconds: 1, timeoutSeconds: 2 }, bootFinished).join(
    '\n',
  );
  const run = () =>
    spawnSync('/bin/sh', ['-c', script], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin' },
      timeout: 10_000,
    });

  it('times out naming the file when it never appears', () => {
    const result = run();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `wait-for-user-data: timed out after 2s: ${bootFinished} does not exist`,
    );
  });

  it('passes once boot-finished exists', () => {
    writeFileSync(bootFinished, '');
    const result = run();
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      `wait-for-user-data: cloud-init finished (${bootFinished} exists) after 0s`,
    );
  });
});

describe('the PowerShell signal wait', () => {
  // No PowerShell on this machine to run it; these check what the script is given.
  it("quotes the path PowerShell's way and carries the seed's numbers", () => {
    const lines = signalFilePowerShellScript({
      signalPath: "C:\\it's\\signal",
      intervalSeconds: 30,
      timeoutSeconds: 3000,
    });
    expect(lines[0]).toBe("$signalPath = 'C:\\it''s\\signal'");
    expect(lines).toContain('$timeout = 3000');
    expect(lines).toContain('$interval = 30');
    expect(lines.join('\n')).toContain("if ($state -eq '-1')");
  });

  it('is a powershell provisioner on Windows', () => {
    const provisioner = waitProvisioner({
      mode: 'signal-file',
      platform: 'windows',
      signalPath: 'C:\\signal',
      intervalSeconds: 30,
      timeoutSeconds: 3000,
    });
    expect(provisioner.type).toBe('powershell');
    expect(provisioner.inline_shebang).toBeUndefined();
  });
});
