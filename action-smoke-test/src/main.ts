import { runAction, type Outputs } from '../../src/core/action-runner.js';
import {
  SmokeChecksFailedError,
  smokeTest,
  type SmokeTestResult,
} from '../../src/smoke/smoke-test.js';
import { parseSmokeTestInputs } from './inputs.js';

function smokeOutputs({ report, record }: SmokeTestResult): Outputs {
  return { passed: String(report.passed), report: JSON.stringify(report), record };
}

/** action-smoke-test: run HTTP checks against an environment and record the verdict. */
export const run = (): Promise<void> =>
  runAction({
    name: 'action-smoke-test',
    inputs: (source) => parseSmokeTestInputs(source),
    main: smokeTest,
    outputs: smokeOutputs,
    // Failed checks still leave their report, for a later step to read.
    failureOutputs: (error) =>
      error instanceof SmokeChecksFailedError ? smokeOutputs(error.result) : {},
  });
