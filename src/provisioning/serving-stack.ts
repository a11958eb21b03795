import type { AwsClients } from '../aws/clients.js';
import { findStack } from '../aws/stack-lookup.js';
import { stackNameFor } from '../aws/suite-tags.js';
import type { Logger } from '../core/logger.js';
import { activeColour, DEFAULT_POINTER, pointerName } from '../migration/colours.js';

/**
 * The stack that serves an environment: its own, or, for an environment action-migrate keeps
 * blue/green, the colour its active pointer names (refused when that is unknown, as a migration
 * refuses). A plan compares a release with it: the next migration builds the other colour from
 * the release, so the change a reviewer needs is against the live one, and planning a stack
 * that does not exist there would leave an empty one under review beside the colours.
 */
export async function servingStack(
  clients: AwsClients,
  environment: string,
  component: string,
  logger: Logger,
): Promise<string> {
  const stackName = stackNameFor(environment, component);
  if (await findStack(clients.cloudFormation, stackName)) return stackName;
  const { ssm } = (await import('../aws/migration-clients.js')).createMigrationClients(
    clients.settings,
  );
  const pointer = pointerName(DEFAULT_POINTER, environment, component);
  const colours = await activeColour(ssm, clients.cloudFormation, stackName, pointer);
  if (!colours.active?.StackName) return stackName;
  logger.info(
    `${environment} is blue/green: ${colours.active.StackName} serves users (${pointer}).`,
  );
  return colours.active.StackName;
}
