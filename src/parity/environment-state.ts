import { createHash } from 'node:crypto';
import { GetTemplateCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { alarmsWatching, type AccountAlarms, type WatchingAlarm } from './alarms.js';
import { findStack } from '../aws/stack-lookup.js';
import { STACK_TAG } from '../aws/suite-tags.js';
import { RefusalError } from '../core/errors.js';
import { listStackResources, type StackResource } from '../provisioning/stack-resources.js';

/** What an environment is, read from its live stack and from CloudWatch. */
export interface EnvironmentState {
  environment: string;
  stackName: string;
  version: string;
  /** SHA-256 of the template the stack was last deployed with. */
  templateDigest: string;
  parameters: Record<string, string>;
  resources: StackResource[];
  alarms: WatchingAlarm[];
  /** CloudFormation's last drift detection: IN_SYNC, DRIFTED, NOT_CHECKED, UNKNOWN. */
  drift: string;
}

export async function readEnvironmentState(
  cloudFormation: CloudFormationClient,
  environment: string,
  stackName: string,
  alarms: () => Promise<AccountAlarms>,
): Promise<EnvironmentState> {
  const stack = await findStack(cloudFormation, stackName);
  if (!stack?.StackId) {
    throw new RefusalError(
      `${environment}'s stack ${stackName} does not exist, so there is nothing to compare it by.`,
      `Deploy ${environment} first, or compare two environments that exist.`,
      'Nothing to compare',
    );
  }
  const template = await cloudFormation.send(
    new GetTemplateCommand({ StackName: stack.StackId, TemplateStage: 'Original' }),
  );
  const resources = await listStackResources(cloudFormation, stack.StackId);
  return {
    environment,
    stackName,
    version: stack.Tags?.find((tag) => tag.Key === STACK_TAG.version)?.Value ?? 'unknown',
    templateDigest: createHash('sha256')
      .update(template.TemplateBody ?? '', 'utf8')
      .digest('hex'),
    parameters: Object.fromEntries(
      (stack.Parameters ?? []).map((p) => [p.ParameterKey ?? '?', p.ParameterValue ?? '']),
    ),
    resources,
    alarms: alarmsWatching(await alarms(), resources),
    drift: stack.DriftInformation?.StackDriftStatus ?? 'NOT_CHECKED',
  };
}
