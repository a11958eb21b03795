import { createHash } from 'node:crypto';
import {
  GetTemplateCommand,
  type CloudFormationClient,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { answered } from '../aws/errors.js';
import { RefusalError, errorMessage } from '../core/errors.js';
import type { SummaryBuilder } from '../core/summary.js';
import { parseTemplateDocument } from '../definition/template.js';
import type { DescribedChangeSet } from './change-set.js';

/**
 * Whoever may create a change set on a stack writes its name and its description, so neither
 * proves what executing it would do. Before a reviewed change set is executed, what it carries
 * is read back from CloudFormation (its template, both stages, its parameters, capabilities,
 * tags, settings and nested change sets) and compared with the release the deploy holds.
 */

/** What a deploy of the release would put in its own change set. */
export interface ReleaseContent {
  templateBody: string;
  parameters: Record<string, string>;
  /** Parameters the template declares NoEcho: CloudFormation answers `****` for them. */
  noEcho: string[];
  /** Template parameters' defaults, as CloudFormation lists a parameter the release omits. */
  defaults: Record<string, string>;
  capabilities: string[];
  tags: Record<string, string>;
  type: 'CREATE' | 'UPDATE';
  onStackFailure: 'ROLLBACK' | 'DO_NOTHING';
  revertDrift: boolean;
}

/** One part of a change set that is not what the release would deploy. */
export interface ContentDifference {
  part:
    | 'template'
    | 'processed template'
    | 'parameters'
    | 'capabilities'
    | 'tags'
    | 'settings'
    | 'nested change set';
  detail: string;
}

export interface ChangeSetProof {
  differences: ContentDifference[];
  /** What was proven another way, or could only be compared in part (NoEcho values). */
  notes: string[];
}

const NO_ECHO = '****';

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`)
      .join(',')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readDocument(body: string, what: string): unknown {
  try {
    return parseTemplateDocument(body, what);
  } catch {
    return undefined;
  }
}

function resources(document: unknown): Record<string, unknown> {
  return isRecord(document) && isRecord(document.Resources) ? document.Resources : {};
}

/**
 * Whether two template bodies are the same template: the same bytes, or, as CloudFormation may
 * give back a template re-encoded, the same document once parsed. Names what differs otherwise.
 */
export function compareTemplates(actual: string, expected: string): string | undefined {
  if (actual === expected) return undefined;
  const actualDocument = readDocument(actual, 'the change set template');
  const expectedDocument = readDocument(expected, 'the release template');
  if (actualDocument === undefined) {
    return `its template (sha256:${sha256(actual).slice(0, 12)}) cannot be read as a template, and it is not the release's (sha256:${sha256(expected).slice(0, 12)})`;
  }
  if (canonical(actualDocument) === canonical(expectedDocument)) return undefined;
  const theirs = resources(actualDocument);
  const ours = resources(expectedDocument);
  const added = Object.keys(theirs).filter((id) => !(id in ours));
  const removed = Object.keys(ours).filter((id) => !(id in theirs));
  const changed = Object.keys(ours).filter(
    (id) => id in theirs && canonical(theirs[id]) !== canonical(ours[id]),
  );
  const parts = [
    added.length > 0 ? `adds ${added.join(', ')}` : '',
    removed.length > 0 ? `leaves out ${removed.join(', ')}` : '',
    changed.length > 0 ? `changes ${changed.join(', ')}` : '',
  ].filter(Boolean);
  return `its template (sha256:${sha256(actual).slice(0, 12)}) is not the release's (sha256:${sha256(expected).slice(0, 12)})${parts.length > 0 ? `: it ${parts.join('; ')}` : ' outside its resources'}`;
}

function transformsOf(body: string): string[] {
  const document = readDocument(body, 'the template');
  const transform = isRecord(document) ? document.Transform : undefined;
  const names = Array.isArray(transform) ? transform : transform === undefined ? [] : [transform];
  return names.map((name) => (typeof name === 'string' ? name : canonical(name)));
}

async function templateOf(
  cloudFormation: CloudFormationClient,
  changeSetId: string,
  stage: 'Original' | 'Processed',
): Promise<{ body: string; stages: string[] }> {
  const answer = await cloudFormation.send(
    new GetTemplateCommand({ ChangeSetName: changeSetId, TemplateStage: stage }),
  );
  return {
    body: answered(answer.TemplateBody, `TemplateBody (GetTemplate of change set, ${stage})`),
    stages: answer.StagesAvailable ?? [],
  };
}

function compareParameters(
  changeSet: DescribedChangeSet,
  release: ReleaseContent,
  notes: string[],
): ContentDifference[] {
  const differences: ContentDifference[] = [];
  const carried = new Map<string, string | undefined>();
  for (const parameter of changeSet.parameters) {
    carried.set(parameter.ParameterKey ?? '', parameter.ParameterValue);
  }
  const hidden: string[] = [];
  for (const [name, value] of Object.entries(release.parameters)) {
    if (!carried.has(name)) {
      differences.push({ part: 'parameters', detail: `it does not set ${name}` });
      continue;
    }
    const theirs = carried.get(name);
    if (release.noEcho.includes(name)) {
      hidden.push(name);
      if (theirs !== NO_ECHO) {
        differences.push({
          part: 'parameters',
          detail: `${name} is NoEcho in the release, and the change set shows its value`,
        });
      }
    } else if (theirs !== value) {
      differences.push({
        part: 'parameters',
        detail: `${name} is '${theirs ?? ''}' in the change set and '${value}' in the release`,
      });
    }
  }
  for (const [name, theirs] of carried) {
    if (name in release.parameters) continue;
    const fallback = release.defaults[name];
    if (fallback === undefined) {
      differences.push({
        part: 'parameters',
        detail: `it sets ${name}, which the release neither sets nor declares with a default`,
      });
    } else if (release.noEcho.includes(name)) {
      hidden.push(name);
    } else if (theirs !== fallback && !(Number(theirs) === Number(fallback) && fallback !== '')) {
      differences.push({
        part: 'parameters',
        detail: `${name} is '${theirs ?? ''}' in the change set; the release leaves it at its default '${fallback}'`,
      });
    }
  }
  if (hidden.length > 0) {
    notes.push(
      `NoEcho parameter${hidden.length === 1 ? '' : 's'} ${hidden.join(', ')}: CloudFormation never returns ${hidden.length === 1 ? 'its value' : 'their values'}, so ${hidden.length === 1 ? 'its name was' : 'their names were'} compared, not ${hidden.length === 1 ? 'its value' : 'their values'}.`,
    );
  }
  return differences;
}

function compareSets(
  part: ContentDifference['part'],
  what: string,
  theirs: string[],
  ours: string[],
): ContentDifference[] {
  const extra = theirs.filter((item) => !ours.includes(item));
  const missing = ours.filter((item) => !theirs.includes(item));
  return [
    ...(extra.length > 0
      ? [{ part, detail: `it adds ${what} ${extra.join(', ')} the release does not` }]
      : []),
    ...(missing.length > 0
      ? [{ part, detail: `it lacks ${what} ${missing.join(', ')} the release has` }]
      : []),
  ];
}

function compareTags(changeSet: DescribedChangeSet, release: ReleaseContent): ContentDifference[] {
  const theirs = new Map(changeSet.tags.map((tag) => [tag.Key ?? '', tag.Value ?? '']));
  const differences: ContentDifference[] = [];
  for (const [key, value] of Object.entries(release.tags)) {
    const carried = theirs.get(key);
    if (carried === undefined) {
      differences.push({ part: 'tags', detail: `it lacks the tag ${key}` });
    } else if (carried !== value) {
      differences.push({
        part: 'tags',
        detail: `the tag ${key} is '${carried}' in the change set and '${value}' in the release`,
      });
    }
  }
  for (const key of theirs.keys()) {
    if (!(key in release.tags)) {
      differences.push({ part: 'tags', detail: `it adds the tag ${key} the release does not` });
    }
  }
  return differences;
}

/** What CloudFormation does besides the template, which the suite never asks for differently. */
function compareSettings(
  changeSet: DescribedChangeSet,
  release: ReleaseContent,
  stack: Stack | undefined,
): ContentDifference[] {
  const differences: ContentDifference[] = [];
  const settings = (detail: string) => differences.push({ part: 'settings', detail });
  if (changeSet.importExistingResources) {
    settings('it imports existing resources (ImportExistingResources), which a deploy never does');
  }
  const imports = changeSet.changes.filter((change) => change.action === 'Import');
  if (imports.length > 0) {
    settings(`it imports ${imports.map((change) => change.path).join(', ')}`);
  }
  const live = release.type === 'UPDATE' ? stack : undefined;
  differences.push(
    ...compareSets(
      'settings',
      'notification topics',
      changeSet.notificationArns,
      live?.NotificationARNs ?? [],
    ).map((difference) => ({ ...difference, detail: `${difference.detail} (or the stack)` })),
  );
  const liveTriggers = (live?.RollbackConfiguration?.RollbackTriggers ?? []).map(
    (trigger) => `${trigger.Type ?? '?'} ${trigger.Arn ?? '?'}`,
  );
  differences.push(
    ...compareSets('settings', 'rollback triggers', changeSet.rollbackTriggers, liveTriggers).map(
      (difference) => ({ ...difference, detail: `${difference.detail} (or the stack)` }),
    ),
  );
  const liveMinutes = live?.RollbackConfiguration?.MonitoringTimeInMinutes ?? 0;
  if ((changeSet.rollbackMonitoringMinutes ?? 0) !== liveMinutes) {
    settings(
      `it monitors rollback triggers for ${changeSet.rollbackMonitoringMinutes ?? 0} minute(s); the stack does for ${liveMinutes}`,
    );
  }
  if (
    release.type === 'CREATE' &&
    changeSet.onStackFailure !== undefined &&
    changeSet.onStackFailure !== release.onStackFailure
  ) {
    settings(
      `on a failure it would ${changeSet.onStackFailure}; this deploy asks for ${release.onStackFailure}`,
    );
  }
  const revert = changeSet.deploymentMode === 'REVERT_DRIFT';
  if (revert !== release.revertDrift) {
    settings(
      revert
        ? 'it reverts drift (DeploymentMode REVERT_DRIFT), which this deploy does not ask for'
        : 'it does not revert drift, which this deploy asks for (drift: revert)',
    );
  }
  return differences;
}

// A packaged nested template is uploaded under its own SHA-256, so the parent's TemplateURL
// names the digest its nested change set's template must have.
const CONTENT_ADDRESSED = /\/([0-9a-f]{64})(?:\.[A-Za-z0-9]+)?(?:\?.*)?$/;

async function compareNested(
  cloudFormation: CloudFormationClient,
  changeSet: DescribedChangeSet,
  rootDocument: unknown,
): Promise<ContentDifference[]> {
  const nested = changeSet.changes
    .filter((change) => change.isNestedStack && change.nestedChangeSetId)
    .sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  const differences: ContentDifference[] = [];
  const proven = new Map<string, unknown>([['', rootDocument]]);
  for (const change of nested) {
    const nestedId = change.nestedChangeSetId ?? '';
    const parentPath = change.path.includes('/')
      ? change.path.slice(0, change.path.lastIndexOf('/'))
      : '';
    const parent = proven.get(parentPath);
    if (parent === undefined) {
      differences.push({
        part: 'nested change set',
        detail: `${change.path}: its parent's template was not proven, so neither is its own`,
      });
      continue;
    }
    const resource = resources(parent)[change.logicalId];
    const properties =
      isRecord(resource) && isRecord(resource.Properties) ? resource.Properties : {};
    const url = properties.TemplateURL;
    const digest = typeof url === 'string' ? CONTENT_ADDRESSED.exec(url)?.[1] : undefined;
    if (digest === undefined) {
      differences.push({
        part: 'nested change set',
        detail: `${change.path}: its TemplateURL is not a template packaged with the release (named by its SHA-256), so its template cannot be proven`,
      });
      continue;
    }
    const { body } = await templateOf(cloudFormation, nestedId, 'Original');
    const actual = sha256(body);
    if (actual !== digest) {
      differences.push({
        part: 'nested change set',
        detail: `${change.path}: its template (sha256:${actual.slice(0, 12)}) is not the packaged one its parent names (sha256:${digest.slice(0, 12)})`,
      });
      continue;
    }
    proven.set(change.path, readDocument(body, change.path));
  }
  return differences;
}

/**
 * Reads back what executing the change set would deploy and compares each part with the
 * release; an empty list of differences is the proof.
 */
export async function proveChangeSet(
  cloudFormation: CloudFormationClient,
  changeSet: DescribedChangeSet,
  release: ReleaseContent,
  stack: Stack | undefined,
): Promise<ChangeSetProof> {
  const notes: string[] = [];
  const differences: ContentDifference[] = [];
  const original = await templateOf(cloudFormation, changeSet.id, 'Original');
  const templateDifference = compareTemplates(original.body, release.templateBody);
  if (templateDifference) differences.push({ part: 'template', detail: templateDifference });
  // The Processed stage is what CloudFormation deploys. Without a transform it is the Original;
  // with one it is the transform's output of a template proven above.
  const processed = await templateOf(cloudFormation, changeSet.id, 'Processed');
  if (compareTemplates(processed.body, original.body) !== undefined) {
    const transforms = transformsOf(original.body);
    if (transforms.length === 0) {
      differences.push({
        part: 'processed template',
        detail:
          'its Processed template differs from its Original one, and the template declares no transform that would explain it',
      });
    } else {
      notes.push(
        `The Processed template is the output of ${transforms.join(', ')} run on the proven Original template.`,
      );
    }
  }
  differences.push(...compareParameters(changeSet, release, notes));
  differences.push(
    ...compareSets('capabilities', 'the capability', changeSet.capabilities, release.capabilities),
  );
  differences.push(...compareTags(changeSet, release));
  differences.push(...compareSettings(changeSet, release, stack));
  if (!templateDifference) {
    differences.push(
      ...(await compareNested(
        cloudFormation,
        changeSet,
        readDocument(release.templateBody, 'the release template'),
      )),
    );
  }
  return { differences, notes };
}

/** A change set whose content is not the release: it was not executed. */
export class UnprovenChangeSetError extends RefusalError {
  constructor(
    readonly changeSet: string,
    readonly differences: ContentDifference[],
  ) {
    super(
      `Change set ${changeSet} was not executed: what it would deploy is not this release (${[
        ...new Set(differences.map((difference) => difference.part)),
      ].join(', ')} differ${differences.length === 1 ? 's' : ''}): ${differences
        .map((difference) => difference.detail)
        .join('; ')}. Nothing was changed.`,
      "A change set's name and description are written by whoever made it and prove nothing; only its content does. Plan again (operation: plan), review that plan, and deploy it; find out who made this change set.",
      'The change set is not the reviewed release',
    );
  }

  override details(summary: SummaryBuilder): void {
    summary.table(
      ['Part', 'What differs from the release'],
      this.differences.map((difference) => [difference.part, difference.detail]),
      { title: 'What the change set would deploy instead' },
    );
  }
}

/** The refusal's reason in one line, for a list of candidates passed over. */
export function proofFailure(error: unknown): string {
  if (error instanceof UnprovenChangeSetError) {
    return error.differences.map((difference) => difference.detail).join('; ');
  }
  return errorMessage(error);
}
