import type { BuildAmiResult } from '../../src/ami/build-ami.js';
import { buildAmiStep } from '../../src/ami/build-ami-step.js';
import { runAction, type Outputs } from '../../src/core/action-runner.js';
import { parseBuildAmiInputs } from './inputs.js';

function amiOutputs(result: BuildAmiResult): Outputs {
  const retired = (result.retention?.results ?? []).filter((each) => each.deregistered);
  return {
    'ami-id': result.primary.imageId,
    'ami-name': result.amiName,
    amis: JSON.stringify(Object.fromEntries(result.amis.map((ami) => [ami.region, ami.imageId]))),
    'source-ami': result.sourceAmi?.imageId ?? '',
    manifest: result.manifestFile,
    retired: JSON.stringify(retired.map((each) => each.decision.imageId)),
  };
}

/** action-build-ami: build an AMI with Packer, distribute it, retire the old ones. */
export const run = (): Promise<void> =>
  runAction({
    name: 'action-build-ami',
    inputs: (source) => parseBuildAmiInputs(source),
    main: buildAmiStep,
    outputs: amiOutputs,
  });
