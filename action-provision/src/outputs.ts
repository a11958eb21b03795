import type { Outputs } from '../../src/core/action-runner.js';
import type { DeployOutcome, ProvisionResult } from '../../src/provisioning/provision.js';
import { PROVISION_OUTPUTS } from '../../src/provisioning/provision.js';
import type { StackPlan } from '../../src/provisioning/plan.js';
import { SmokeTestFailedError } from '../../src/provisioning/smoke-after-deploy.js';
import { driftedCount } from '../../src/provisioning/summaries.js';

function deployOutputs({ deployed, outputs, smoke }: DeployOutcome): Outputs {
  return {
    'stack-name': deployed.stackName,
    'stack-id': deployed.stackId,
    version: deployed.version,
    changed: String(deployed.changed),
    operation: deployed.operation,
    outputs: JSON.stringify(outputs),
    // Each stack output by its own name too, unless it would shadow one of the action's.
    ...Object.fromEntries(
      Object.entries(outputs).filter(([key]) => !PROVISION_OUTPUTS.includes(key)),
    ),
    ...(smoke && {
      'smoke-passed': String(smoke.report.passed),
      'smoke-report': JSON.stringify(smoke.report),
      'promotion-record': smoke.record ?? '',
    }),
  };
}

export function provisionOutputs(result: ProvisionResult): Outputs {
  switch (result.operation) {
    case 'package': {
      const { packaged } = result;
      return {
        version: packaged.version,
        'package-path': packaged.package.path,
        'package-url': packaged.published?.url ?? '',
        package: packaged.published?.url ?? packaged.package.path,
      };
    }
    case 'delete': {
      // The stack that served users is deleted last: its name and ID are the outputs.
      const last = result.deleted.stacks.at(-1);
      return {
        'stack-name': last?.stackName ?? result.stackName,
        'stack-id': last?.stackId ?? '',
        changed: String(result.deleted.removed.length > 0),
      };
    }
    case 'plan': {
      const { plan } = result;
      return {
        'stack-name': plan.stackName,
        'stack-id': plan.stackId,
        version: plan.version,
        'change-set-id': plan.changeSet?.id ?? '',
        'change-set-name': plan.changeSet?.name ?? '',
        'has-changes': String(plan.hasChanges),
        guard: plan.guard.blocked.length > 0 ? 'refused' : 'pass',
        drifted: driftedCount(plan.drift),
        'comment-url': result.commentUrl ?? '',
        plan: JSON.stringify(planJson(plan, result.environment)),
        'plan-markdown': result.markdown,
      };
    }
    case 'compare': {
      const { comparison } = result;
      return {
        'stack-name': comparison.left.stackName,
        version: comparison.left.version,
        differences: String(comparison.unexplained.length),
        comparison: JSON.stringify(comparison),
      };
    }
    default:
      return deployOutputs(result);
  }
}

/** A failed smoke test still says what was deployed, and what the checks found. */
export function provisionFailureOutputs(error: unknown): Outputs {
  if (!(error instanceof SmokeTestFailedError)) return {};
  const smoke = { report: error.report, record: error.record };
  return deployOutputs({ deployed: error.deployed, outputs: error.outputs, smoke });
}

/** The plan as a later step reads it: what changes, what the guard says, against what. */
function planJson(plan: StackPlan, environment: string) {
  return {
    environment,
    stackName: plan.stackName,
    version: plan.version,
    changeSet: plan.changeSet ?? null,
    hasChanges: plan.hasChanges,
    guard: {
      verdict: plan.guard.blocked.length > 0 ? 'refused' : 'pass',
      blocked: plan.guard.blocked,
      allowed: plan.guard.allowed,
    },
    changes: plan.changes.map((change) => ({
      action: change.action,
      logicalId: change.path,
      type: change.type,
      replacement: change.replacement,
      properties: change.details,
    })),
    parameters: plan.parameters,
    terminationProtection: plan.terminationProtection,
    stackPolicy: plan.stackPolicy,
    drift: plan.drift ?? null,
    releaseDigest: plan.releaseDigest,
  };
}
