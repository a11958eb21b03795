import { runAction } from '../../src/core/action-runner.js';
import { deploymentTracker } from '../../src/github/deployments.js';
import { provision } from '../../src/provisioning/provision.js';
import { parseProvisionInputs } from './inputs.js';
import { provisionFailureOutputs, provisionOutputs } from './outputs.js';

/** action-provision: package an environment, or deploy, recreate or delete one. */
export const run = (): Promise<void> =>
  runAction({
    name: 'action-provision',
    inputs: (source) => parseProvisionInputs(source),
    secrets: (inputs) => [inputs.githubToken],
    deployments: { token: (inputs) => inputs.githubToken, tracker: deploymentTracker },
    // The whole step is bounded, with a reserve to restore a lifted stack policy and report,
    // and the runner's stop signals end the work rather than the process.
    stepTimeoutMinutes: (inputs) => inputs.timeoutMinutes,
    main: provision,
    outputs: provisionOutputs,
    failureOutputs: provisionFailureOutputs,
  });
