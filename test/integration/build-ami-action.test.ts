// action-build-ami as the runner runs it (node action-build-ami/dist/index.js with INPUT_*),
// driving the real Packer's amazon-ebs builder against moto.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import {
  DescribeImageAttributeCommand,
  DescribeInstancesCommand,
  DescribeImagesCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import { runAction, type ActionRun } from '../../harness/run-action.js';
import { fileURLToPath } from 'node:url';
import { ec2Client, imageExists } from '../support/ami-fixtures.js';
import { describeWithPacker, requirePacker, skipsPacker } from '../support/packer.js';

let moto: MotoServer;
let ec2: EC2Client;
let work: string;

// moto serves these public images instead of its own (MOTO_AMIS_PATH): root devices on EBS, as
// amazon-ebs requires, and distinct creation dates, so "the newest" is a real question.
const BASE_AMIS = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'base-amis.json',
);
const NEWEST_X86 = 'ami-0b0000000000000b1';
const BASE = 'ami-0a0000000000000a1';

const SECRET = 'hunter2-secret-value';
const TEMPLATE = {
  variables: { source_ami: '', db_password: '', greeting: 'hello' },
  'sensitive-variables': ['db_password'],
  builders: [
    {
      type: 'amazon-ebs',
      source_ami: '{{user `source_ami`}}',
      instance_type: 't3.micro',
      ami_name: 'ignored-{{timestamp}}',
      communicator: 'none',
    },
  ],
  provisioners: [
    {
      type: 'shell-local',
      inline: ['echo "{{user `greeting`}}, the password is {{user `db_password`}}"'],
    },
  ],
};

/**
 * An HCL2 template in `folder` building one AMI on moto: the AMI name and source AMI as
 * variables, the `sensitive` variables declared so, and a shell-local provisioner running `inline`.
 */
function writeHclTemplate(folder: string, sensitive: string[], inline: string[]): void {
  mkdirSync(path.join(work, folder), { recursive: true });
  const variables = sensitive
    .map((name) => `variable "${name}" {\n  type      = string\n  sensitive = true\n}\n`)
    .join('');
  writeFileSync(
    path.join(work, folder, 'image.pkr.hcl'),
    `variable "source_ami" { type = string }
variable "ami_name" { type = string }
${variables}source "amazon-ebs" "web" {
  region                  = "us-east-1"
  source_ami              = var.source_ami
  ami_name                = var.ami_name
  instance_type           = "t3.micro"
  communicator            = "none"
  custom_endpoint_ec2     = "${moto.endpoint}"
  skip_region_validation  = true
  skip_metadata_api_check = true
}
build {
  sources = ["source.amazon-ebs.web"]
  provisioner "shell-local" {
    inline = ${JSON.stringify(inline)}
  }
}
`,
  );
}

function writeTemplate(name: string, document: object): string {
  mkdirSync(path.join(work, 'packer'), { recursive: true });
  const file = path.join('packer', name);
  writeFileSync(path.join(work, file), JSON.stringify(document, null, 2));
  return file;
}

function build(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction(
    'action-build-ami',
    { 'working-directory': work, name: 'web', ...inputs },
    {
      ...moto.env,
      AWS_REGION: 'us-east-1',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_REPOSITORY: 'acme/images',
      GITHUB_RUN_ID: '4242',
    },
    { timeoutMs: 120_000 },
  );
}

/** A failed run's log is the only useful failure message. */
function expectSucceeded(run: ActionRun): void {
  if (run.exitCode !== 0) {
    throw new Error(
      `action-build-ami exited ${run.exitCode}:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-1000)}`,
    );
  }
}

async function image(client: EC2Client, imageId: string): Promise<Image> {
  const result = await client.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
  return result.Images![0]!;
}

const tagsOf = (tags: Array<{ Key?: string; Value?: string }> | undefined) =>
  Object.fromEntries((tags ?? []).map((tag) => [tag.Key, tag.Value]));

beforeAll(async () => {
  if (skipsPacker) return;
  await requirePacker();
  moto = await startMoto({ amisFile: BASE_AMIS });
  ec2 = ec2Client(moto);
  work = mkdtempSync(path.join(os.tmpdir(), 'build-ami-'));
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

describeWithPacker('action-build-ami on moto with the real Packer', () => {
  let firstAmi: string;

  test('builds from the newest base image, tags the AMI and its snapshot, masks sensitive values', async () => {
    const template = writeTemplate('image.json', TEMPLATE);
    const before = readFileSync(path.join(work, template), 'utf8');
    const signal = path.join(work, 'signal');
    writeFileSync(signal, 'done\n');
    const run = await build({
      template,
      version: '1.4.0',
      'source-ami-filter': 'owners=amazon\nname=base-linux-*\narchitecture=x86_64',
      variables: `db_password=${SECRET}`,
      'wait-for-user-data': 'signal-file',
      platform: 'local',
      'signal-path': signal,
      'signal-interval-seconds': '1',
      'signal-timeout-seconds': '10',
      tags: 'Team=platform',
    });
    expectSucceeded(run);

    const { outputs } = run;
    firstAmi = outputs['ami-id']!;
    expect(firstAmi).toMatch(/^ami-[0-9a-f]+$/);
    expect(JSON.parse(outputs.amis!)).toEqual({ 'us-east-1': firstAmi });
    // The newest x86_64 image by creation date: not the one whose name sorts last, not the arm64 one.
    expect(outputs['source-ami']).toBe(NEWEST_X86);
    expect(outputs['ami-name']).toMatch(/^web-1\.4\.0-\d{8}T\d{6}$/);
    const manifest = JSON.parse(readFileSync(outputs.manifest!, 'utf8'));
    expect(manifest).toMatchObject({
      name: 'web',
      version: '1.4.0',
      amis: { 'us-east-1': firstAmi },
      sourceAmi: { imageId: NEWEST_X86, name: 'base-linux-2026.11.b', candidates: 3 },
      packerVersion: expect.stringMatching(/^1\.6\./),
    });

    const built = await image(ec2, firstAmi);
    expect(built.Name).toBe(outputs['ami-name']);
    const expectedTags = {
      Name: outputs['ami-name'],
      Team: 'platform',
      'ami:component': 'web',
      'ami:version': '1.4.0',
      'ami:source-ami': NEWEST_X86,
      'ami:managed-by': 'environment-pipeline-actions',
      'ami:commit': '0123456789abcdef0123456789abcdef01234567',
      'ami:run-url': 'https://github.com/acme/images/actions/runs/4242',
    };
    expect(tagsOf(built.Tags)).toMatchObject(expectedTags);
    const snapshotId = built.BlockDeviceMappings![0]!.Ebs!.SnapshotId!;
    const snapshot = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
    expect(tagsOf(snapshot.Snapshots![0]!.Tags)).toMatchObject(expectedTags);

    // The injected wait is in the log, and ran before the template's own provisioner.
    expect(run.stdout).toContain(
      'Injected first provisioner (wait-for-user-data: signal-file, platform local)',
    );
    expect(run.stdout).toMatch(
      /wait-for-user-data: user data finished \(signal 'done'\)[\s\S]*hello, the password is \*\*\*/,
    );
    // The sensitive value never reaches the log, the outputs or the summary.
    // (`::add-mask::` is the command that tells the runner what to mask; the runner consumes it.)
    expect(run.stdout).toContain(`::add-mask::${SECRET}`);
    expect(run.stdout.replace(`::add-mask::${SECRET}`, '')).not.toContain(SECRET);
    expect(run.summary).not.toContain(SECRET);
    expect(run.summaryText).not.toContain(SECRET);
    expect(JSON.stringify(outputs)).not.toContain(SECRET);
    // The user's template is untouched and the action's copy is gone.
    expect(readFileSync(path.join(work, template), 'utf8')).toBe(before);
    expect(
      readdirSync(path.join(work, 'packer')).filter((name) => name.includes('.build-')),
    ).toEqual([]);

    expect(run.summaryText).toContain(`| us-east-1 | ${firstAmi} | built by Packer |`);
    expect(run.summaryText).toContain(
      `${NEWEST_X86} base-linux-2026.11.b (created 2026-11-10T08:00:00.000Z, the newest of 3)`,
    );
  });

  let sharedAmi: string;

  test("copies to another region with the template's own tags, and shares with an account, in both regions", async () => {
    // As awslabs' EKS template does: its own ami_name variable, required (null), and tags.
    const template = writeTemplate('eks-style.json', {
      ...TEMPLATE,
      variables: { ...TEMPLATE.variables, ami_name: null },
      builders: [
        {
          ...TEMPLATE.builders[0],
          ami_name: '{{user `ami_name`}}',
          tags: { Team: 'platform', 'Built-From': '{{user `source_ami`}}' },
        },
      ],
    });
    const run = await build({
      template,
      version: '1.5.0',
      variables: `source_ami=${BASE}`,
      'copy-to-regions': 'us-west-2',
      'share-with-accounts': '111122223333',
    });
    expectSucceeded(run);
    const amis = JSON.parse(run.outputs.amis!) as Record<string, string>;
    expect(Object.keys(amis).sort()).toEqual(['us-east-1', 'us-west-2']);
    sharedAmi = amis['us-east-1']!;
    expect(run.outputs['ami-id']).toBe(sharedAmi);

    const west = ec2Client(moto, 'us-west-2');
    const copy = await image(west, amis['us-west-2']!);
    expect(copy.State).toBe('available');
    expect(run.stdout).toMatch(/variable ami_name = web-1\.5\.0-\d{8}T\d{6}/);
    expect(tagsOf(copy.Tags)).toMatchObject({
      Team: 'platform',
      'Built-From': BASE,
      'ami:component': 'web',
      'ami:version': '1.5.0',
      'ami:managed-by': 'environment-pipeline-actions',
    });
    expect(tagsOf((await image(ec2, amis['us-east-1']!)).Tags)).toMatchObject({
      Team: 'platform',
    });
    for (const [client, imageId] of [
      [ec2, amis['us-east-1']!],
      [west, amis['us-west-2']!],
    ] as const) {
      const permissions = await client.send(
        new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
      );
      expect(permissions.LaunchPermissions).toEqual([{ UserId: '111122223333' }]);
    }
    const snapshotId = (await image(ec2, sharedAmi)).BlockDeviceMappings![0]!.Ebs!.SnapshotId!;
    const volumePermission = await ec2.send(
      new DescribeSnapshotAttributeCommand({
        SnapshotId: snapshotId,
        Attribute: 'createVolumePermission',
      }),
    );
    expect(volumePermission.CreateVolumePermissions).toEqual([{ UserId: '111122223333' }]);
    expect(run.summaryText).toContain(`| us-west-2 | ${amis['us-west-2']} | copied |`);
  });

  test('retention: a dry run only plans; then old unused AMIs are retired, the shared one stays', async () => {
    const template = writeTemplate('image.json', TEMPLATE);
    const dryRun = await build({
      template,
      version: '1.6.0',
      variables: `source_ami=${BASE}`,
      keep: '1',
      'min-age-days': '0',
    });
    expectSucceeded(dryRun);
    expect(JSON.parse(dryRun.outputs.retired!)).toEqual([]);
    expect(dryRun.stdout).toContain(`would retire ${firstAmi}`);
    expect(dryRun.summaryText).toMatch(
      new RegExp(`\\| ${firstAmi} \\| [^|]+ \\| [0-9.]+ \\| would retire \\|`),
    );
    expect(await imageExists(ec2, firstAmi)).toBe(true);

    const real = await build({
      template,
      version: '1.7.0',
      variables: `source_ami=${BASE}`,
      keep: '1',
      'min-age-days': '0',
      'retention-dry-run': 'false',
    });
    expectSucceeded(real);
    const retired = JSON.parse(real.outputs.retired!) as string[];
    // 1.4.0 and the 1.6.0 dry run's AMI go; 1.5.0 is shared with another account; 1.7.0 was just built.
    expect(retired).toContain(firstAmi);
    expect(retired).toContain(dryRun.outputs['ami-id']);
    expect(retired).not.toContain(sharedAmi);
    expect(await imageExists(ec2, firstAmi)).toBe(false);
    expect(await imageExists(ec2, sharedAmi)).toBe(true);
    expect(await imageExists(ec2, real.outputs['ami-id']!)).toBe(true);
    expect(real.summaryText).toContain(
      'shared with 111122223333 (set retire-shared to retire it anyway)',
    );
    expect(real.summaryText).toMatch(/retired \(1 snapshot deleted\)/);
  });

  test('passes an HCL2 template through: the AMI name and source AMI as variables, sensitive values masked', async () => {
    writeHclTemplate('hcl', ['token'], ['echo token is ${var.token}']);
    const run = await build({
      template: 'hcl/image.pkr.hcl',
      version: '2.0.0',
      'source-ami-filter': 'owners=amazon\nname=base-linux-*\narchitecture=x86_64',
      variables: `token=${SECRET}`,
    });
    expectSucceeded(run);
    expect(run.outputs['ami-name']).toMatch(/^web-2\.0\.0-\d{8}T\d{6}$/);
    expect((await image(ec2, run.outputs['ami-id']!)).Name).toBe(run.outputs['ami-name']);
    expect(run.outputs['source-ami']).toBe(NEWEST_X86);
    expect(run.stdout).toContain('token is ***');
    expect(run.stdout.replace(`::add-mask::${SECRET}`, '')).not.toContain(SECRET);
  });

  test('masks sensitive values however they are written: an HCL var-file heredoc, a literal \\n Packer unescapes', async () => {
    writeHclTemplate(
      'hcl-vars',
      ['cert', 'token'],
      ["printf 'cert is %s\\n' '${var.cert}'", 'echo token is ${var.token}'],
    );
    writeFileSync(
      path.join(work, 'hcl-vars', 'secrets.pkrvars.hcl'),
      'cert = <<EOT\n-----BEGIN CERTIFICATE-----\ncert-body-secret-line\n-----END CERTIFICATE-----\nEOT\n',
    );
    const run = await build({
      template: 'hcl-vars/image.pkr.hcl',
      version: '2.1.0',
      'var-file': 'hcl-vars/secrets.pkrvars.hcl',
      'source-ami-filter': 'owners=amazon\nname=base-linux-*\narchitecture=x86_64',
      // A literal backslash-n: the shell's echo prints it as a line break, one half per line.
      variables: 'token=first-half-secret\\nsecond-half-secret',
    });
    expectSucceeded(run);
    const log = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    expect(log).toContain('cert is ***');
    expect(log).toContain('token is ***');
    for (const secret of ['cert-body-secret-line', 'first-half-secret', 'second-half-secret']) {
      expect({ secret, leaked: log.includes(secret) || run.summaryText.includes(secret) }).toEqual({
        secret,
        leaked: false,
      });
    }
  });

  test('a provisioner that never returns is interrupted at build-timeout-minutes; Packer cleans up its instance', async () => {
    const template = writeTemplate('hanging.json', {
      ...TEMPLATE,
      provisioners: [{ type: 'shell-local', inline: ['echo provisioning', 'sleep 600'] }],
    });
    const run = await build({
      template,
      version: '1.9.0',
      variables: `source_ami=${BASE}`,
      'build-timeout-minutes': '0.2',
    });
    expect(run.exitCode).toBe(1);
    // 12 s of build, then the cleanup: nowhere near the provisioner's 10 minutes.
    expect(run.durationMs).toBeLessThan(60_000);
    expect(run.stdout).toMatch(
      /packer build did not finish within build-timeout-minutes \(0\.2\) and was interrupted as Ctrl-C would; Packer cleaned up and exited\. It reported removing what it created \(key pair packer_\S+, security group packer_\S+, instance i-[0-9a-f]+\)/,
    );
    expect(run.summaryText).toContain('packer build timed out');
    const instanceId = /instance (i-[0-9a-f]+)/.exec(run.stdout)![1]!;
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    expect(described.Reservations?.[0]?.Instances?.[0]?.State?.Name).toMatch(
      /^(shutting-down|terminated)$/,
    );
    expect(run.outputs['ami-id']).toBeUndefined();
  });

  test("a failing provisioner fails the step with Packer's own error lines as annotations", async () => {
    const template = writeTemplate('failing.json', {
      ...TEMPLATE,
      provisioners: [{ type: 'shell-local', inline: ["echo 'disk full on /opt' >&2", 'exit 3'] }],
    });
    const run = await build({
      template,
      version: '1.8.0',
      variables: `source_ami=${BASE}`,
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('::error title=packer build::amazon-ebs: disk full on /opt');
    expect(run.stdout).toContain(
      '::error title=packer build::amazon-ebs: Script exited with non-zero exit status: 3.Allowed exit codes are: [0]',
    );
    expect(run.stdout).toMatch(
      /::error::packer build failed: amazon-ebs: Script exited with non-zero exit status: 3/,
    );
    expect(run.summaryText).toContain('packer build failed');
    expect(run.summaryText).toContain('disk full on /opt');
    expect(run.outputs['ami-id']).toBeUndefined();
  });

  test('a template Packer rejects fails at validate, before anything is launched', async () => {
    const template = writeTemplate('invalid.json', {
      ...TEMPLATE,
      // amazon-ebs needs an instance type.
      builders: [{ ...TEMPLATE.builders[0], instance_type: undefined }],
    });
    const run = await build({
      template,
      version: '1.9.0',
      variables: `source_ami=${BASE}`,
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(
      /::error title=packer validate::.*either instance_type or spot_instance_types must be specified/,
    );
    expect(run.stdout).not.toContain('Launching a source AWS instance');
    expect(run.summaryText).toContain('packer validate failed');
  });

  test('Packer missing: a configuration error that says how to install it', async () => {
    const template = writeTemplate('image.json', TEMPLATE);
    const run = await build({ template, packer: path.join(work, 'no-such-packer') });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(
      /::error::Configuration error: input 'packer': Packer was not found .*hashicorp\/setup-packer/,
    );
  });
});
