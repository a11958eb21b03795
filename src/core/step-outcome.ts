import * as core from '@actions/core';
import { ConfigurationError, RefusalError, errorMessage } from './errors.js';
import type { Logger } from './logger.js';
import type { SummaryBuilder } from './summary.js';

/**
 * Fails the step for an error no action handles more specifically: a configuration error says
 * so (the user can fix it), anything else is reported as `title`, with the stack in the debug
 * log only when it might be a bug (a refusal is deliberate, its stack says nothing).
 */
export function failStep(error: unknown, summary: SummaryBuilder, title: string): void {
  if (error instanceof ConfigurationError) {
    summary.heading('❌ Configuration error', 3).paragraph(error.message);
    core.setFailed(`Configuration error: ${error.message}`);
    return;
  }
  summary.heading(`❌ ${title}`, 3).paragraph(errorMessage(error));
  if (!(error instanceof RefusalError) && error instanceof Error && error.stack) {
    core.debug(error.stack);
  }
  core.setFailed(errorMessage(error));
}

/** Writes the job summary, with masked values removed (the runner masks only the log). */
export async function writeSummary(summary: SummaryBuilder, logger: Logger): Promise<void> {
  try {
    await core.summary.addRaw(logger.redact(summary.toMarkdown())).write();
  } catch (error) {
    // Outside a runner (or with no summary file) a missing summary must not fail the step.
    core.debug(`No job summary written: ${errorMessage(error)}`);
  }
}
