import { writablePathInside } from '../core/contained-paths.js';
import { asVariableValue, parseHcl, stringsIn } from './hcl.js';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Ec2Clients } from '../aws/ec2-clients.js';
import {
  ConfigurationError,
  OperationError,
  RefusalError,
  type FailureKind,
} from '../core/errors.js';
import type { SummaryBuilder } from '../core/summary.js';
import type { RunContext } from '../core/github-context.js';
import type { Logger } from '../core/logger.js';
import { defined, isRecord } from '../core/values.js';
import {
  amiTags,
  copyImage,
  describeImage,
  shareImage,
  snapshotIds,
  tagImage,
  waitForImage,
} from './distribute.js';
import { amiArtifacts, type PackerEvent, type TemporaryResource } from './packer-output.js';
import {
  adjustJsonTemplate,
  loadTemplate,
  writeBuildTemplate,
  type PackerTemplate,
} from './packer-template.js';
import {
  applyRetention,
  planRetention,
  RetentionLookupError,
  type RetentionDecision,
  type RetentionPolicy,
  type RetirementResult,
} from './retention.js';
import { CLEANUP_MS, findPacker, runPacker, type PackerBinary } from './run-packer.js';
import {
  describeFilter,
  resolveSourceAmi,
  type SourceAmi,
  type SourceAmiFilter,
} from './source-ami.js';
import { WAIT_MARKER, waitProvisioner, type UserDataWait } from './user-data-wait.js';
import { answered } from '../aws/errors.js';

export interface BuildAmiRequest {
  /** The template, relative to the working directory or absolute. */
  template: string;
  workingDirectory: string;
  variables: Record<string, string>;
  varFile: string | undefined;
  /** Names to mask besides those the template marks sensitive. */
  sensitiveVariables: string[];
  name: string;
  version: string;
  packer: string | undefined;
  sourceAmiFilter: SourceAmiFilter | undefined;
  sourceAmiVariable: string;
  wait: UserDataWait | undefined;
  tags: Record<string, string>;
  shareWithAccounts: string[];
  copyToRegions: string[];
  copyTimeoutMinutes: number;
  /** packer build is interrupted (as Ctrl-C would) after this long, and cleans up. */
  buildTimeoutMinutes: number;
  retention: RetentionPolicy | undefined;
  manifestFile: string;
}

export interface BuiltAmi {
  region: string;
  imageId: string;
  name: string;
  snapshots: string[];
  /** Made by Packer, or copied by the action. */
  origin: 'packer' | 'copy';
}

export interface RetentionOutcome {
  policy: RetentionPolicy;
  plan: RetentionDecision[];
  results: RetirementResult[];
  /** Why nothing was retired, when a look-up failed. */
  refused: string | undefined;
}

export interface BuildAmiResult {
  packerVersion: string;
  amiName: string;
  sourceAmi: (SourceAmi & { candidates: number }) | undefined;
  templateChanges: string[];
  amis: BuiltAmi[];
  /** The AMI in the action's region (or the first one Packer made, if it built elsewhere). */
  primary: BuiltAmi;
  tags: Record<string, string>;
  manifestFile: string;
  packerMs: number;
  retention: RetentionOutcome | undefined;
}

/** Packer failed; its own error lines are in `errors` (already annotated). */
export class PackerFailedError extends OperationError {
  override readonly name: string = 'PackerFailedError';

  constructor(
    readonly stage: 'validate' | 'build',
    readonly errors: string[],
  ) {
    super(
      `packer ${stage} failed${errors.length ? `: ${errors[errors.length - 1]}` : ' without an error message (see the log)'}`,
      `packer ${stage} failed`,
    );
  }

  override details(summary: SummaryBuilder): void {
    summary.table(
      ['Packer said'],
      this.errors.map((line) => [line]),
      { title: 'What Packer reported' },
    );
  }
}

/** The build outlived build-timeout-minutes and was interrupted as Ctrl-C would. */
export class PackerTimeoutError extends PackerFailedError {
  override readonly name = 'PackerTimeoutError';
  override readonly kind: FailureKind = 'timeout';

  constructor(
    readonly timeoutMinutes: number,
    readonly exitedByItself: boolean,
    readonly leftovers: TemporaryResource[],
    errors: string[],
  ) {
    super('build', errors);
    const left = leftovers.filter((resource) => !resource.removed);
    this.message = [
      `packer build did not finish within build-timeout-minutes (${timeoutMinutes}) and was interrupted as Ctrl-C would;`,
      exitedByItself
        ? 'Packer cleaned up and exited.'
        : `Packer had not exited ${CLEANUP_MS / 60_000} min after the interrupt and was killed.`,
      left.length > 0
        ? `It may have left behind: ${left.map((resource) => `${resource.kind} ${resource.id}`).join(', ')}; remove them in EC2 if they are still there.`
        : leftovers.length > 0
          ? `It reported removing what it created (${leftovers.map((resource) => `${resource.kind} ${resource.id}`).join(', ')}).`
          : 'It had reported creating no instance, key pair or security group.',
    ].join(' ');
  }

  override get headline(): string {
    return 'packer build timed out';
  }

  override details(summary: SummaryBuilder): void {
    summary.table(
      ['Temporary resource', 'ID', 'Packer removed it'],
      this.leftovers.map((resource) => [
        resource.kind,
        resource.id,
        resource.removed ? 'yes' : 'not reported: check EC2',
      ]),
      { title: 'Temporary resources of the build' },
    );
    super.details(summary);
  }
}

export interface BuildAmiDependencies {
  clients: Ec2Clients;
  logger: Logger;
  run: RunContext;
  now: () => Date;
  env: NodeJS.ProcessEnv;
}

/** `20261122T081500` style, UTC: sorts by time, and AMI names allow it. */
export function amiTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '');
}

/** AMI names allow letters, digits, ( ) [ ] space . / - ' @ _; a semver `+build` suffix does not fit. */
export function amiNameFor(name: string, version: string, date: Date): string {
  return `${name}-${version}-${amiTimestamp(date)}`.replace(/[^A-Za-z0-9()[\] ./'@_-]/g, '_');
}

/**
 * A var file's values, each with the strings inside it: JSON (`.json`) or HCL, read with the
 * HCL parser, so a heredoc, an escape or a map is read as Packer reads it.
 */
async function varFileValues(file: string): Promise<Record<string, string[]>> {
  const source = "input 'var-file'";
  const text = await readFile(file, 'utf8').catch(() => {
    throw new ConfigurationError(`${file} does not exist`, source);
  });
  let parsed: Record<string, unknown>;
  if (file.endsWith('.json')) {
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new ConfigurationError(`${file} is not JSON: ${(error as Error).message}`, source);
    }
    if (!isRecord(document)) throw new ConfigurationError(`${file} is not a JSON object`, source);
    parsed = document;
  } else {
    parsed = await parseHcl(path.basename(file), text, source);
  }
  return Object.fromEntries(
    Object.entries(parsed).map(([key, value]) => [
      key,
      [asVariableValue(value), ...(typeof value === 'string' ? [] : stringsIn(value))],
    ]),
  );
}

/**
 * Masks every value of a sensitive variable, wherever it comes from, before Packer runs:
 * Packer 1.6's machine-readable output prints them in clear.
 */
async function maskSensitiveValues(
  template: PackerTemplate,
  request: BuildAmiRequest,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<string[]> {
  for (const name of request.sensitiveVariables) {
    if (!template.variables.has(name)) {
      const declared = [...template.variables.keys()].sort();
      throw new ConfigurationError(
        `'${name}' is not a variable of ${request.template}, so nothing would be masked; variables it declares: ${declared.join(', ') || 'none'}`,
        "input 'sensitive-variables'",
      );
    }
  }
  const names = new Set(request.sensitiveVariables);
  for (const [name, variable] of template.variables) if (variable.sensitive) names.add(name);
  const fromFile = request.varFile
    ? await varFileValues(path.resolve(request.workingDirectory, request.varFile))
    : {};
  for (const name of names) {
    const declared = template.variables.get(name);
    for (const value of [
      request.variables[name],
      declared?.default,
      ...(declared?.strings ?? []),
      ...(fromFile[name] ?? []),
      env[`PKR_VAR_${name}`],
    ]) {
      if (value) logger.mask(value);
    }
  }
  return [...names];
}

interface Prepared {
  template: PackerTemplate;
  packer: PackerBinary;
  sensitive: string[];
  /** Where the manifest will be written: checked before the build, written after it. */
  manifestFile: string;
}

/** The manifest's path, refused before any build when it could not be written where asked. */
async function manifestPath(request: BuildAmiRequest): Promise<string> {
  const source = "input 'manifest-file'";
  const file = await writablePathInside(
    path.resolve(request.workingDirectory),
    request.manifestFile,
    source,
  );
  const folder = await stat(path.dirname(file)).catch(() => undefined);
  if (!folder?.isDirectory()) {
    throw new ConfigurationError(
      `'${request.manifestFile}' is in ${path.dirname(file)}, which is not an existing folder; create it first or name a file in the working directory`,
      source,
    );
  }
  const existing = await stat(file).catch(() => undefined);
  if (existing && !existing.isFile()) {
    throw new ConfigurationError(`'${request.manifestFile}' exists and is not a file`, source);
  }
  return file;
}

/** Everything that can be checked without AWS: the template, the inputs that depend on it, Packer. */
export async function prepareBuild(
  request: BuildAmiRequest,
  logger: Logger,
  env: NodeJS.ProcessEnv,
): Promise<Prepared> {
  const template = await loadTemplate(path.resolve(request.workingDirectory, request.template));
  if (template.format === 'hcl2') {
    if (request.wait !== undefined) {
      throw new ConfigurationError(
        `${request.wait.mode} waits are injected into JSON templates only; an HCL2 template adds the wait provisioner itself (see the README's "HCL2 templates"), with wait-for-user-data: none`,
        "input 'wait-for-user-data'",
      );
    }
    if (
      request.sourceAmiFilter !== undefined &&
      !template.variables.has(request.sourceAmiVariable)
    ) {
      throw new ConfigurationError(
        `${request.template} declares no variable "${request.sourceAmiVariable}" to receive the source AMI; add variable "${request.sourceAmiVariable}" { type = string } and use it as source_ami`,
        "input 'source-ami-variable'",
      );
    }
  }
  const manifestFile = await manifestPath(request);
  const packer = await findPacker(request.packer);
  const sensitive = await maskSensitiveValues(template, request, env, logger);
  return { template, packer, sensitive, manifestFile };
}

function packerArgs(request: BuildAmiRequest, extraVariables: Record<string, string>): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries({ ...request.variables, ...extraVariables })) {
    args.push('-var', `${key}=${value}`);
  }
  if (request.varFile) args.push(`-var-file=${request.varFile}`);
  return args;
}

/** Prints Packer's records as a person would read them, and raises the wait's warnings. */
function printer(logger: Logger): (event: PackerEvent) => void {
  return (event) => {
    if (event.kind === 'other') return;
    for (const line of event.text.split('\n')) {
      if (line.trim() === '') continue;
      const warning = line.indexOf(`${WAIT_MARKER} warning:`);
      if (warning >= 0) logger.warning(line.slice(warning));
      else logger.info(event.kind === 'error' ? `error: ${line}` : line);
    }
  };
}

async function packerStep(
  stage: 'validate' | 'build',
  packer: PackerBinary,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  timeoutMinutes?: number,
) {
  const result = await runPacker(packer, stage, args, {
    cwd,
    env,
    onEvent: printer(logger),
    ...(timeoutMinutes !== undefined ? { timeoutMs: timeoutMinutes * 60_000 } : {}),
  });
  if (result.interrupted) {
    throw new PackerTimeoutError(
      defined(timeoutMinutes, 'the build timeout that interrupted Packer'),
      result.interrupted.exitedByItself,
      result.output.temporaryResources(),
      result.output.errors(),
    );
  }
  if (result.exitCode !== 0) {
    const errors = result.output.errors();
    for (const error of errors) logger.error(error, { title: `packer ${stage}` });
    throw new PackerFailedError(stage, errors);
  }
  return result;
}

async function distribute(
  built: BuiltAmi[],
  request: BuildAmiRequest,
  deps: BuildAmiDependencies,
  tags: Record<string, string>,
): Promise<BuiltAmi[]> {
  const { clients, logger } = deps;
  const result: BuiltAmi[] = [];
  for (const ami of built) {
    const ec2 = clients.ec2(ami.region);
    const image = await describeImage(ec2, ami.imageId);
    if (!image)
      throw new OperationError(
        `Packer reported ${ami.imageId} in ${ami.region}, but EC2 does not know it`,
        'The AMI Packer reported is missing',
      );
    await tagImage(ec2, image, tags);
    await shareImage(ec2, image, request.shareWithAccounts);
    logger.info(
      `${ami.imageId} (${ami.region}): tagged${request.shareWithAccounts.length ? `, shared with ${request.shareWithAccounts.join(', ')}` : ''}`,
    );
    result.push({ ...ami, name: image.Name ?? ami.name, snapshots: snapshotIds(image) });
  }
  const source =
    result.find((ami) => ami.region === clients.settings.region) ??
    defined(result[0], 'an AMI Packer built');
  const targets = request.copyToRegions.filter(
    (region) => !result.some((ami) => ami.region === region),
  );
  if (targets.length === 0) return result;
  // Packer waits for its AMI, so this is normally one look-up; a copy needs an available source.
  const sourceImage = await waitForImage(
    clients.ec2(source.region),
    source.imageId,
    source.region,
    request.copyTimeoutMinutes * 60_000,
  );
  const copies = await Promise.all(
    targets.map(async (region): Promise<BuiltAmi> => {
      const ec2 = clients.ec2(region);
      const copy = await copyImage(
        ec2,
        { region: source.region, image: sourceImage },
        region,
        request.copyTimeoutMinutes * 60_000,
        logger,
      );
      // CopyImage copies no tags: the copy gets the source's own (those the template set),
      // then the suite's. `aws:` tags are AWS's own and cannot be set.
      const own = Object.fromEntries(
        (sourceImage.Tags ?? [])
          .filter((tag) => tag.Key && !tag.Key.startsWith('aws:'))
          .flatMap((tag) => (tag.Key ? [[tag.Key, tag.Value ?? '']] : [])),
      );
      await tagImage(ec2, copy, { ...own, ...tags });
      // Launch permissions are not copied with an image; apply them again.
      await shareImage(ec2, copy, request.shareWithAccounts);
      logger.info(
        `${copy.ImageId} (${region}): copied from ${source.imageId}, tagged${request.shareWithAccounts.length ? ', shared' : ''}`,
      );
      return {
        region,
        imageId: answered(copy.ImageId, 'ImageId of the copied image (EC2 DescribeImages)'),
        name: copy.Name ?? source.name,
        snapshots: snapshotIds(copy),
        origin: 'copy',
      };
    }),
  );
  return [...result, ...copies];
}

async function retain(
  policy: RetentionPolicy,
  amis: BuiltAmi[],
  request: BuildAmiRequest,
  deps: BuildAmiDependencies,
): Promise<RetentionOutcome> {
  const { clients, logger } = deps;
  const regions = [...new Set(amis.map((ami) => ami.region))].map((region) => ({
    region,
    ec2: clients.ec2(region),
    autoScaling: clients.autoScaling(region),
  }));
  let plan: RetentionDecision[];
  try {
    plan = await planRetention(
      regions,
      request.name,
      new Set(amis.map((ami) => ami.imageId)),
      policy,
      deps.now(),
    );
  } catch (error) {
    if (!(error instanceof RetentionLookupError)) throw error;
    logger.warning(error.message, { title: 'AMI retention' });
    return { policy, plan: [], results: [], refused: error.message };
  }
  for (const decision of plan) {
    logger.info(
      `${decision.retire ? (policy.dryRun ? 'would retire' : 'retire') : 'keep'} ${decision.imageId} ${decision.name} (${decision.region}, ${decision.ageDays.toFixed(1)} days): ${decision.reason}`,
    );
  }
  if (policy.dryRun) {
    if (plan.some((decision) => decision.retire)) {
      logger.info(
        'retention-dry-run is true: nothing was deregistered. Set it to false to retire the AMIs above.',
      );
    }
    return { policy, plan, results: [], refused: undefined };
  }
  const results = await applyRetention(plan, (region) => clients.ec2(region), logger);
  return { policy, plan, results, refused: undefined };
}

/**
 * Builds the AMI: resolve the newest base image, validate and build with Packer (the user-data
 * wait first), tag the AMIs and their snapshots, share and copy them, write the manifest, and
 * retire old AMIs that nothing uses.
 */
export async function buildAmi(
  request: BuildAmiRequest,
  prepared: Prepared,
  deps: BuildAmiDependencies,
): Promise<BuildAmiResult> {
  const { clients, logger } = deps;
  const { template, packer } = prepared;
  const builtAt = deps.now();
  const amiName = amiNameFor(request.name, request.version, builtAt);

  let sourceAmi: BuildAmiResult['sourceAmi'];
  if (request.sourceAmiFilter !== undefined) {
    const filter = request.sourceAmiFilter;
    sourceAmi = await logger.group('Source AMI', async () => {
      const { chosen, candidates } = await resolveSourceAmi(clients.ec2(), filter);
      logger.info(
        `${chosen.imageId} ${chosen.name} (owner ${chosen.ownerId}, created ${chosen.creationDate}): the newest of ${candidates} images matching ${describeFilter(filter)}`,
      );
      return { ...chosen, candidates };
    });
    if (template.format === 'json' && !template.variables.has(request.sourceAmiVariable)) {
      logger.warning(
        `${request.template} declares no variable "${request.sourceAmiVariable}": the source AMI ${sourceAmi.imageId} is passed but the template may not use it; declare it and set "source_ami": "{{user \`${request.sourceAmiVariable}\`}}"`,
      );
    }
  }

  const extraVariables: Record<string, string> = {};
  if (sourceAmi) extraVariables[request.sourceAmiVariable] = sourceAmi.imageId;
  const firstProvisioner = request.wait ? waitProvisioner(request.wait) : undefined;
  let copy: Awaited<ReturnType<typeof writeBuildTemplate>> | undefined;
  const templateChanges: string[] = [];
  if (template.format === 'json') {
    const adjusted = adjustJsonTemplate(template.document, {
      amiName,
      region: clients.settings.region,
      endpoint: clients.settings.endpoint,
      firstProvisioner,
    });
    templateChanges.push(...adjusted.changes);
    copy = await writeBuildTemplate(template.path, adjusted.document);
    // A template that declares its own ami_name (awslabs' EKS template, without a default)
    // fails validation unless it is set; the action names the AMI, so it sets it too.
    if (template.variables.has('ami_name')) {
      extraVariables.ami_name = amiName;
      templateChanges.push(`variable ami_name = ${amiName}`);
    }
  } else if (template.variables.has('ami_name')) {
    extraVariables.ami_name = amiName;
    templateChanges.push(`variable ami_name = ${amiName}`);
  } else {
    logger.warning(
      `${request.template} declares no variable "ami_name", so the AMI is named by the template, not ${amiName}`,
    );
  }
  const args = [...packerArgs(request, extraVariables), copy?.path ?? template.path];

  let packerMs: number;
  let artifacts;
  try {
    await logger.group(`packer validate (Packer ${packer.version})`, async () => {
      if (templateChanges.length) {
        logger.info(
          `The action builds a copy of ${request.template} with: ${templateChanges.join('; ')}`,
        );
      }
      if (request.wait && firstProvisioner) {
        logger.info(
          `Injected first provisioner (wait-for-user-data: ${request.wait.mode}, platform ${request.wait.platform}):`,
        );
        logger.info(
          `${String(firstProvisioner.type)} provisioner:\n${(firstProvisioner.inline as string[]).join('\n')}`,
        );
      }
      await packerStep('validate', packer, args, request.workingDirectory, deps.env, logger);
      logger.info('The template is valid.');
    });
    const build = await logger.group(`packer build ${request.template}`, () =>
      packerStep(
        'build',
        packer,
        args,
        request.workingDirectory,
        deps.env,
        logger,
        request.buildTimeoutMinutes,
      ),
    );
    packerMs = build.durationMs;
    artifacts = amiArtifacts(build.output.artifacts());
  } finally {
    await copy?.remove();
  }
  if (artifacts.length === 0) {
    throw new RefusalError(
      'Packer finished without an AMI artifact.',
      'Is there an amazon-ebs (or other AMI) builder in the template, and did a -only/-except filter skip it?',
    );
  }

  const tags = amiTags(
    { component: request.name, version: request.version, amiName, sourceAmi: sourceAmi?.imageId },
    deps.run,
    request.tags,
  );
  const built = artifacts.map((artifact): BuiltAmi => ({
    region: artifact.region,
    imageId: artifact.imageId,
    name: amiName,
    snapshots: [],
    origin: 'packer',
  }));
  const amis = await logger.group('Tag, share and copy', () =>
    distribute(built, request, deps, tags),
  );
  const primary =
    amis.find((ami) => ami.region === clients.settings.region) ??
    defined(amis[0], 'an AMI Packer built');

  const { manifestFile } = prepared;
  await writeFile(
    manifestFile,
    JSON.stringify(
      {
        name: request.name,
        version: request.version,
        amiName,
        builtAt: builtAt.toISOString(),
        packerVersion: packer.version,
        sourceAmi: sourceAmi ?? null,
        amis: Object.fromEntries(amis.map((ami) => [ami.region, ami.imageId])),
        images: amis,
        tags,
        commit: deps.run.commit,
        runUrl: deps.run.runUrl,
      },
      null,
      2,
    ) + '\n',
  );

  let retention: RetentionOutcome | undefined;
  if (request.retention !== undefined) {
    const policy = request.retention;
    retention = await logger.group(
      `Retention (keep ${policy.keep}, min-age-days ${policy.minAgeDays}${policy.dryRun ? ', dry run' : ''})`,
      () => retain(policy, amis, request, deps),
    );
  }
  return {
    packerVersion: packer.version,
    amiName,
    sourceAmi,
    templateChanges,
    amis,
    primary,
    tags,
    manifestFile,
    packerMs,
    retention,
  };
}
