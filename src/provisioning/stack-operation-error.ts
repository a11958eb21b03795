import { OperationError } from '../core/errors.js';
import type { SummaryBuilder } from '../core/summary.js';
import type { FailureReason } from './stack-events.js';

/** A CloudFormation operation that ran and failed; carries the reasons from the stack events. */
export class StackOperationError extends OperationError {
  override readonly name = 'StackOperationError';
  constructor(
    message: string,
    readonly stackName: string,
    readonly status: string,
    readonly failures: FailureReason[],
    /** What the failure left behind and how to finish, in one sentence. */
    readonly aftermath: string,
  ) {
    super(`${message} ${aftermath}`.trim(), `${stackName} ended ${status}`);
  }

  override nextStep(): string | undefined {
    return this.aftermath || undefined;
  }

  override details(summary: SummaryBuilder): void {
    if (this.failures.length === 0) return;
    summary.table(
      ['Logical ID', 'Type', 'Status', 'Reason'],
      this.failures.map((failure) => [
        failure.logicalId,
        failure.type,
        failure.status,
        failure.reason,
      ]),
      { title: 'Why it failed (stack events, root cause first)' },
    );
  }
}
