import type { Step } from '../core/action-runner.js';
import { createEc2Clients } from '../aws/ec2-clients.js';
import { UNVERSIONED_WARNING, unversionedVersion } from '../packaging/version.js';
import { buildAmi, prepareBuild, type BuildAmiRequest, type BuildAmiResult } from './build-ami.js';
import { buildAmiSummary } from './summaries.js';

/** Every input of action-build-ami, validated once, before any AWS call. */
export interface BuildAmiStepRequest {
  request: Omit<BuildAmiRequest, 'version'>;
  /** `undefined`: no version given; the build uses the unversioned marker and warns. */
  version: string | undefined;
  awsRegion: string | undefined;
}

/** action-build-ami: build with Packer, then tag, copy, share and retire. */
export async function buildAmiStep(
  inputs: BuildAmiStepRequest,
  step: Step,
): Promise<BuildAmiResult & { version: string }> {
  const { logger } = step;
  const settings = step.aws(inputs.awsRegion);
  const now = () => new Date();
  let version = inputs.version;
  if (version === undefined) {
    version = unversionedVersion(now());
    logger.warning(UNVERSIONED_WARNING.replace('{version}', version));
  }
  step.facts.version = version;
  const request = { ...inputs.request, version };
  const prepared = await logger.group('Prepare', () => prepareBuild(request, logger, process.env));
  const result = await buildAmi(request, prepared, {
    clients: createEc2Clients(settings),
    logger,
    run: step.run,
    now,
    env: process.env,
  });
  buildAmiSummary(step.summary, result, version);
  return { ...result, version };
}
