import { runAction } from '../../src/core/action-runner.js';
import { deploymentTracker } from '../../src/github/deployments.js';
import { migrateEnvironment } from '../../src/migration/migrate-environment.js';
import { migrateFailureOutputs, migrateOutputs } from './outputs.js';
import { migrateSecrets, parseMigrateInputs } from './inputs.js';

/** action-migrate: move an environment to a new version without losing its data. */
export const run = (): Promise<void> =>
  runAction({
    name: 'action-migrate',
    inputs: (source) => parseMigrateInputs(source),
    secrets: migrateSecrets,
    deployments: { token: (inputs) => inputs.githubToken, tracker: deploymentTracker },
    // The whole step is bounded: every call, wait and retry, with a reserve to serve users again.
    stepTimeoutMinutes: (inputs) => inputs.timeoutMinutes,
    main: migrateEnvironment,
    outputs: migrateOutputs,
    failureOutputs: migrateFailureOutputs,
  });
