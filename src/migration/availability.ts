import { timeoutWithin } from '../core/deadline.js';
import {
  DescribeAutoScalingGroupsCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
  type AutoScalingClient,
} from '@aws-sdk/client-auto-scaling';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ConfigurationError, RefusalError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { renderMaskedHeaders, renderPlaceholders } from '../core/placeholders.js';
import { waitUntil, type BackoffOptions, type Clock } from '../core/waiter.js';
import { listStackResources } from '../provisioning/stack-resources.js';
import { sendRequest } from '../smoke/http-client.js';
import { answered } from '../aws/errors.js';

export const AVAILABILITY_MODES = ['asg-standby', 'maintenance-hook', 'none'] as const;
export type AvailabilityMode = (typeof AVAILABILITY_MODES)[number];

/** HTTP calls that switch a service's maintenance mode (seed 001: admins keep access). */
export interface MaintenanceHook {
  onUrl: string;
  offUrl: string;
  method: string;
  /** Header templates; filled-in values are masked. */
  headers: Record<string, string>;
}

/**
 * What was done to make a stack unavailable, journalled before it is done so a re-run after a
 * crash knows exactly which instances to bring back.
 */
export interface Unavailability {
  stackName: string;
  mode: AvailabilityMode;
  /** asg-standby: the instances this migration put into Standby, per group. */
  standby: { group: string; instances: string[] }[];
}

export interface AvailabilityContext {
  cloudFormation: CloudFormationClient;
  autoScaling: () => AutoScalingClient;
  logger: Logger;
  clock: Clock;
  polling: BackoffOptions;
  mode: AvailabilityMode;
  hook: MaintenanceHook | undefined;
}

/** EnterStandby and ExitStandby take at most 20 instances per call. */
const BATCH = 20;

async function describeGroups(autoScaling: AutoScalingClient, names: string[]) {
  const groups = [];
  for (let start = 0; start < names.length; start += 50) {
    const response = await autoScaling.send(
      new DescribeAutoScalingGroupsCommand({
        AutoScalingGroupNames: names.slice(start, start + 50),
      }),
    );
    groups.push(...(response.AutoScalingGroups ?? []));
  }
  return groups;
}

/** Decides what "unavailable" means for this stack now, without changing anything yet. */
export async function planUnavailability(
  context: AvailabilityContext,
  stackName: string,
): Promise<Unavailability> {
  const plan: Unavailability = { stackName, mode: context.mode, standby: [] };
  if (context.mode !== 'asg-standby') return plan;
  const groups = await listStackResources(context.cloudFormation, stackName, [
    'AWS::AutoScaling::AutoScalingGroup',
  ]);
  if (groups.length === 0) {
    context.logger.warning(
      `${stackName} has no Auto Scaling groups, so asg-standby cannot stop its traffic; nothing is put into Standby.`,
    );
    return plan;
  }
  for (const group of await describeGroups(
    context.autoScaling(),
    groups.map((resource) => resource.physicalId),
  )) {
    const instances = (group.Instances ?? [])
      .filter((instance) => instance.LifecycleState === 'InService')
      .map((instance) =>
        answered(instance.InstanceId, 'InstanceId (Auto Scaling DescribeAutoScalingGroups)'),
      );
    plan.standby.push({
      group: answered(
        group.AutoScalingGroupName,
        'AutoScalingGroupName (Auto Scaling DescribeAutoScalingGroups)',
      ),
      instances,
    });
  }
  return plan;
}

async function waitForStates(
  context: AvailabilityContext,
  plan: Unavailability,
  state: 'Standby' | 'InService',
): Promise<void> {
  const wanted = plan.standby.filter((entry) => entry.instances.length > 0);
  if (wanted.length === 0) return;
  await waitUntil(
    `${plan.stackName}'s instances to be ${state}`,
    async () => {
      const groups = await describeGroups(
        context.autoScaling(),
        wanted.map((entry) => entry.group),
      );
      const pending: string[] = [];
      for (const entry of wanted) {
        const group = groups.find((candidate) => candidate.AutoScalingGroupName === entry.group);
        for (const id of entry.instances) {
          const instance = group?.Instances?.find((candidate) => candidate.InstanceId === id);
          // An instance that left the group (terminated) cannot be waited for.
          if (instance && instance.LifecycleState !== state) {
            pending.push(`${id} ${instance.LifecycleState}`);
          }
        }
      }
      return pending.length === 0
        ? { done: true, value: undefined }
        : { done: false, pending: pending.slice(0, 5).join(', ') };
    },
    context.polling,
    context.clock,
  );
}

/**
 * The maintenance hook a plan made with it needs again: a re-run that resumes or restores it
 * must be given the hook's inputs, or users would be left in maintenance mode.
 */
function planHook(context: AvailabilityContext): MaintenanceHook {
  if (!context.hook) {
    throw new ConfigurationError(
      'this migration stopped traffic with the maintenance hook, and this run has no hook to switch it: give maintenance-on-url and maintenance-off-url (and maintenance-headers) as the run that started it did',
      "input 'maintenance-off-url'",
    );
  }
  return context.hook;
}

async function callHook(
  context: AvailabilityContext,
  which: 'onUrl' | 'offUrl',
  outputs: Record<string, string>,
  what: string,
): Promise<void> {
  const hook = planHook(context);
  const urlTemplate = hook[which];
  const values = { outputs, env: process.env };
  const url = renderPlaceholders(urlTemplate, values, `input 'maintenance-${what}-url'`, (secret) =>
    context.logger.mask(secret),
  );
  const headers = {
    'user-agent': 'environment-pipeline-actions migrate',
    ...renderMaskedHeaders(hook.headers, values, 'maintenance-headers', (secret) =>
      context.logger.mask(secret),
    ),
  };
  let last = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await sendRequest({
        method: hook.method,
        url: new URL(url),
        headers,
        timeoutMs: timeoutWithin(30_000, context.clock),
      });
      if (response.status >= 200 && response.status < 300) {
        context.logger.info(`Maintenance mode ${what}: ${hook.method} ${url} → ${response.status}`);
        return;
      }
      // Redacted before it is cut: a cut through a secret would leave its start readable.
      last = `HTTP ${response.status} ${context.logger.redact(response.body).slice(0, 200)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (attempt < 3) await context.clock.sleep(1000 * attempt);
  }
  throw new RefusalError(
    `Could not switch maintenance mode ${what} with ${hook.method} ${url}: ${last}.`,
    'Check maintenance-on-url / maintenance-off-url and the service.',
  );
}

/** Stops user traffic to a stack as planned: Standby, or maintenance mode on. */
export async function makeUnavailable(
  context: AvailabilityContext,
  plan: Unavailability,
  outputs: Record<string, string>,
): Promise<void> {
  if (plan.mode === 'none') {
    context.logger.info(`availability: none; ${plan.stackName} keeps serving users.`);
  } else if (plan.mode === 'maintenance-hook') {
    await callHook(context, 'onUrl', outputs, 'on');
  } else {
    for (const entry of plan.standby) {
      for (let start = 0; start < entry.instances.length; start += BATCH) {
        const batch = entry.instances.slice(start, start + BATCH);
        // Decrementing desired capacity stops the group launching replacements for them.
        await context.autoScaling().send(
          new EnterStandbyCommand({
            AutoScalingGroupName: entry.group,
            InstanceIds: batch,
            ShouldDecrementDesiredCapacity: true,
          }),
        );
      }
      context.logger.info(
        `${entry.group}: ${entry.instances.length} instance(s) entering Standby${entry.instances.length ? ` (${entry.instances.join(', ')})` : ''}.`,
      );
    }
    await waitForStates(context, plan, 'Standby');
  }
}

/** Brings a stack back as it was before `makeUnavailable`; safe to run twice. */
export async function restoreAvailability(
  context: AvailabilityContext,
  plan: Unavailability,
  outputs: Record<string, string>,
): Promise<void> {
  if (plan.mode === 'none') return;
  if (plan.mode === 'maintenance-hook') {
    await callHook(context, 'offUrl', outputs, 'off');
    return;
  }
  const groups = await describeGroups(
    context.autoScaling(),
    plan.standby.map((entry) => entry.group),
  );
  for (const entry of plan.standby) {
    const group = groups.find((candidate) => candidate.AutoScalingGroupName === entry.group);
    const inStandby = entry.instances.filter((id) =>
      group?.Instances?.some(
        (instance) => instance.InstanceId === id && instance.LifecycleState === 'Standby',
      ),
    );
    for (let start = 0; start < inStandby.length; start += BATCH) {
      await context.autoScaling().send(
        new ExitStandbyCommand({
          AutoScalingGroupName: entry.group,
          InstanceIds: inStandby.slice(start, start + BATCH),
        }),
      );
    }
    if (inStandby.length > 0) {
      context.logger.info(`${entry.group}: ${inStandby.length} instance(s) leaving Standby.`);
    }
  }
  await waitForStates(context, plan, 'InService');
}
