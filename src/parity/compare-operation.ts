import type { AwsClients } from '../aws/clients.js';
import type { Step } from '../core/action-runner.js';
import { RefusalError } from '../core/errors.js';
import { plural } from '../core/summary.js';
import { loadDefinition, SUITE_PARAMETERS } from '../definition/definition.js';
import { openPackage } from '../packaging/open-package.js';
import type { ProvisionRequest } from '../provisioning/provision.js';
import { describeShape, shapeOf } from '../provisioning/environment-shape.js';
import { listAlarms } from './alarms.js';
import { compareEnvironments, type Comparison } from './compare.js';
import { comparisonSummary } from './comparison-summary.js';
import { readEnvironmentState, type EnvironmentState } from './environment-state.js';
import { defined, once } from '../core/values.js';

/**
 * operation: compare: two environments of one component side by side, read from their live
 * stacks and from CloudWatch, against what the definition says about how they differ.
 */
export async function runCompare(
  request: ProvisionRequest & { environment: string },
  step: Step,
  clients: AwsClients,
): Promise<{ operation: 'compare'; comparison: Comparison }> {
  const { logger } = step;
  // The inputs require it for compare.
  const other = defined(request.compareTo, "input 'compare-to'");
  const loaded = await logger.group('Load the environment', async () => {
    if (!request.package) return loadDefinition(request.definition);
    const opened = await openPackage(request.package, () => clients.s3, logger);
    return loadDefinition(opened.definitionFile, "input 'package'");
  });
  const { definition, template } = loaded;
  Object.assign(step.facts, { component: definition.component, environment: request.environment });
  const { createCloudWatchClient } = await import('../aws/parity-clients.js');
  const cloudWatch = createCloudWatchClient(clients.settings);
  // Both sides read the same account's alarms: listed once.
  const alarms = once(() => listAlarms(cloudWatch));
  const [left, right] = await logger.group(`Read ${request.environment} and ${other}`, async () => {
    const states = [];
    for (const environment of [request.environment, other]) {
      const shape = await shapeOf(
        clients,
        environment,
        definition.component,
        definition.environments[environment]?.layout,
      );
      const stackName = shape.serving?.StackName ?? shape.stackName;
      if (shape.layout === 'blue-green' && shape.serving) {
        logger.info(`${environment} is ${describeShape(shape)}: comparing ${stackName}.`);
      }
      states.push(
        await readEnvironmentState(clients.cloudFormation, environment, stackName, alarms),
      );
    }
    return states as [EnvironmentState, EnvironmentState];
  });
  const comparison = compareEnvironments(left, right, {
    setPerEnvironment: new Set(
      [request.environment, other].flatMap((environment) =>
        Object.keys(definition.environments[environment]?.parameters ?? {}),
      ),
    ),
    declared: new Set([
      ...Object.keys(definition.parameters),
      ...Object.values(definition.environments).flatMap((settings) =>
        Object.keys(settings.parameters),
      ),
    ]),
    followVersion: new Set(SUITE_PARAMETERS),
    hidden: new Set(
      Object.entries(template.parameters)
        .filter(([, parameter]) => parameter.noEcho)
        .map(([name]) => name),
    ),
    alarmDifferences: definition.parity.alarmDifferences,
  });
  for (const { entry, explained } of comparison.sweeping) {
    logger.warning(
      `parity.alarm-differences entry alarm: '${entry.alarm}' (environments: ${entry.environments.join(', ')}) matches every alarm, so it explained ${plural(explained, 'alarm difference')} without naming any (${entry.reason}). Name the alarms meant to differ, so one added by hand is still found.`,
      { title: 'An alarm difference explains everything' },
    );
  }
  comparisonSummary(step.summary, comparison);
  for (const sentence of comparison.unexplained) {
    logger.warning(sentence, { title: `${request.environment} and ${other} differ` });
  }
  if (request.failOnDifference && comparison.unexplained.length > 0) {
    throw new RefusalError(
      `${request.environment} and ${other} differ in ${plural(comparison.unexplained.length, 'way')} the definition does not explain: ${comparison.unexplained.slice(0, 3).join('; ')}${comparison.unexplained.length > 3 ? '; …' : ''}.`,
      'Make them alike through the template (an alarm added by hand belongs in it), or say in the definition how they differ, then compare again.',
      'The environments differ',
    );
  }
  logger.info(
    comparison.unexplained.length === 0
      ? `${request.environment} and ${other} differ only as the definition says.`
      : `${request.environment} and ${other} differ in ${plural(comparison.unexplained.length, 'way')} nothing explains (fail-on-difference is off).`,
  );
  return { operation: 'compare', comparison };
}
