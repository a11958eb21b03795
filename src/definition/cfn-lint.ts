import path from 'node:path';
import { OperationError, ConfigurationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { ProgramNotFoundError, runProcess } from '../core/process.js';

export type LintMode = 'auto' | 'true' | 'false';

export interface LintFinding {
  level: 'Error' | 'Warning' | 'Informational';
  rule: string;
  message: string;
  file: string;
  line: number;
  column: number;
}

export interface LintResult {
  ran: boolean;
  findings: LintFinding[];
}

interface RawFinding {
  Filename?: string;
  Level?: string;
  Message?: string;
  Rule?: { Id?: string };
  Location?: { Start?: { LineNumber?: number; ColumnNumber?: number } };
}

export function parseCfnLintJson(output: string, fallbackFile: string): LintFinding[] {
  const raw = JSON.parse(output || '[]') as RawFinding[];
  return raw.map((finding) => ({
    level:
      finding.Level === 'Error' || finding.Level === 'Warning' ? finding.Level : 'Informational',
    rule: finding.Rule?.Id ?? '?',
    message: finding.Message ?? '',
    file: finding.Filename ? path.relative(process.cwd(), finding.Filename) : fallbackFile,
    line: finding.Location?.Start?.LineNumber ?? 1,
    column: finding.Location?.Start?.ColumnNumber ?? 1,
  }));
}

/**
 * Runs cfn-lint over the template and turns each finding into an annotation on the template's
 * file and line. In `auto` mode a missing cfn-lint is a notice, not a failure; errors found
 * fail the package, warnings do not.
 */
export async function lintTemplate(
  templateFile: string,
  mode: LintMode,
  logger: Logger,
  options: { program?: string; ignore?: string[] } = {},
): Promise<LintResult> {
  const { program = 'cfn-lint', ignore = [] } = options;
  if (mode === 'false') return { ran: false, findings: [] };
  const display = path.relative(process.cwd(), templateFile) || templateFile;
  let result;
  try {
    const skip = ignore.length ? ['--ignore-checks', ...ignore] : [];
    result = await runProcess(program, ['--format', 'json', ...skip, '--', templateFile], {
      timeoutMs: 300_000,
    });
  } catch (error) {
    if (error instanceof ProgramNotFoundError) {
      if (mode === 'true') {
        throw new ConfigurationError(
          'cfn-lint is not installed; install it (pip install cfn-lint) or set lint: auto',
          "input 'lint'",
        );
      }
      logger.info(
        'cfn-lint is not installed; skipping template linting (pip install cfn-lint to enable it).',
      );
      return { ran: false, findings: [] };
    }
    throw error;
  }
  let findings: LintFinding[];
  try {
    findings = parseCfnLintJson(result.stdout, display);
  } catch {
    // cfn-lint exits 32 with a message (not JSON) when it cannot run at all.
    throw new OperationError(
      `cfn-lint failed (exit ${result.exitCode}): ${result.stderr || result.stdout}`,
      'cfn-lint could not run',
    );
  }
  for (const finding of findings) {
    const text = `${finding.rule} ${finding.message}`;
    const location = {
      title: `cfn-lint ${finding.rule}`,
      file: finding.file,
      startLine: finding.line,
      startColumn: finding.column,
    };
    if (finding.level === 'Error') logger.error(text, location);
    else if (finding.level === 'Warning') logger.warning(text, location);
    else logger.info(`${finding.file}:${finding.line}: ${text}`);
  }
  return { ran: true, findings };
}
