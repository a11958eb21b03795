/**
 * The names and tags the suite gives what it creates in AWS, in one place: every writer and
 * every reader uses these, so a stack deployed by one action is recognised by the others.
 */

/** Who manages an AMI or snapshot: the suite's retention only ever touches its own. */
export const MANAGED_BY = 'environment-pipeline-actions';

/** The tags on every environment stack (the seeds' deploy script's, kept for traceability). */
export const STACK_TAG = {
  environment: 'environment',
  version: 'environment:version',
  commit: 'environment:commit',
  runUrl: 'environment:run-url',
  /** The component; named `application` as the seeds' stacks were. */
  component: 'application',
  /** The migration that created a temporary or new stack: only it may adopt or delete it. */
  migration: 'environment:migration',
} as const;

/** Stack tags a definition may not set: the suite writes them on every deploy. */
export const RESERVED_STACK_TAGS: readonly string[] = [
  STACK_TAG.environment,
  STACK_TAG.version,
  STACK_TAG.commit,
  STACK_TAG.runUrl,
  STACK_TAG.component,
];

/** The tags on every AMI the suite builds, and on its copies. */
export const AMI_TAG = {
  component: 'ami:component',
  version: 'ami:version',
  sourceAmi: 'ami:source-ami',
  commit: 'ami:commit',
  runUrl: 'ami:run-url',
  managedBy: 'ami:managed-by',
} as const;

/** The tag on the RDS snapshots a migration takes. */
export const SNAPSHOT_TAG = { managedBy: 'managed-by' } as const;

/** An environment's stack: `{environment}-{component}`, as the seeds named them. */
export function stackNameFor(environment: string, component: string): string {
  return `${environment}-${component}`;
}

/** What a stack's tags say runs there; each is undefined when the tag is missing. */
export interface StackIdentity {
  environment: string | undefined;
  version: string | undefined;
  component: string | undefined;
}

export function stackIdentity(tags: Record<string, string>): StackIdentity {
  return {
    environment: tags[STACK_TAG.environment] || undefined,
    version: tags[STACK_TAG.version] || undefined,
    component: tags[STACK_TAG.component] || undefined,
  };
}

/** The suite's own tags for a deploy of `component` at `version` to `environment`. */
export function suiteStackTags(identity: {
  environment: string;
  version: string;
  component: string;
  commit: string | null;
  runUrl: string | null;
}): Record<string, string> {
  return {
    [STACK_TAG.environment]: identity.environment,
    [STACK_TAG.version]: identity.version,
    [STACK_TAG.component]: identity.component,
    ...(identity.commit ? { [STACK_TAG.commit]: identity.commit } : {}),
    ...(identity.runUrl ? { [STACK_TAG.runUrl]: identity.runUrl } : {}),
  };
}
