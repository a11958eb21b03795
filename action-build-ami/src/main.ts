import * as core from '@actions/core';
import {
  buildAmi,
  PackerFailedError,
  PackerTimeoutError,
  prepareBuild,
} from '../../src/ami/build-ami.js';
import { buildAmiSummary } from '../../src/ami/summaries.js';
import { resolveAwsSettings } from '../../src/aws/clients.js';
import { createEc2Clients } from '../../src/aws/ec2-clients.js';
import { runContextFromEnv } from '../../src/core/github-context.js';
import { ActionsLogger } from '../../src/core/logger.js';
import { failStep, writeSummary } from '../../src/core/step-outcome.js';
import { SummaryBuilder } from '../../src/core/summary.js';
import { UNVERSIONED_WARNING, unversionedVersion } from '../../src/packaging/version.js';
import { parseBuildAmiInputs } from './inputs.js';

function report(error: unknown, summary: SummaryBuilder): void {
  if (error instanceof PackerFailedError) {
    summary.heading(
      `❌ packer ${error.stage} ${error instanceof PackerTimeoutError ? 'timed out' : 'failed'}`,
      3,
    );
    if (error instanceof PackerTimeoutError) {
      summary.paragraph(error.message);
      summary.table(
        ['Temporary resource', 'ID', 'Packer removed it'],
        error.leftovers.map((resource) => [
          resource.kind,
          resource.id,
          resource.removed ? 'yes' : 'not reported: check EC2',
        ]),
      );
    }
    summary.table(
      ['Packer said'],
      error.errors.map((line) => [line]),
    );
    core.setFailed(error.message);
    return;
  }
  failStep(error, summary, 'AMI build failed');
}

/** The action's entry point: validate every input, build with Packer, distribute, retire. */
export async function run(): Promise<void> {
  const logger = new ActionsLogger();
  const summary = new SummaryBuilder();
  try {
    const inputs = parseBuildAmiInputs((name) => core.getInput(name));
    const settings = resolveAwsSettings('action-build-ami', inputs.awsRegion);
    const now = () => new Date();
    let version = inputs.version;
    if (version === undefined) {
      version = unversionedVersion(now());
      logger.warning(UNVERSIONED_WARNING.replace('{version}', version));
    }
    const request = { ...inputs.request, version };
    const prepared = await logger.group('Prepare', () =>
      prepareBuild(request, logger, process.env),
    );
    const result = await buildAmi(request, prepared, {
      clients: createEc2Clients(settings),
      logger,
      run: runContextFromEnv(),
      now,
      env: process.env,
    });
    core.setOutput('ami-id', result.primary.imageId);
    core.setOutput('ami-name', result.amiName);
    core.setOutput(
      'amis',
      JSON.stringify(Object.fromEntries(result.amis.map((ami) => [ami.region, ami.imageId]))),
    );
    core.setOutput('source-ami', result.sourceAmi?.imageId ?? '');
    core.setOutput('manifest', result.manifestFile);
    core.setOutput(
      'retired',
      JSON.stringify(
        (result.retention?.results ?? [])
          .filter((retired) => retired.deregistered)
          .map((retired) => retired.decision.imageId),
      ),
    );
    buildAmiSummary(summary, result, version);
  } catch (error) {
    report(error, summary);
  }
  await writeSummary(summary, logger);
}
