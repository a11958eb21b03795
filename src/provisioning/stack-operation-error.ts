import type { FailureReason } from './stack-events.js';

/** A CloudFormation operation that ran and failed; carries the reasons from the stack events. */
export class StackOperationError extends Error {
  override readonly name = 'StackOperationError';
  constructor(
    message: string,
    readonly stackName: string,
    readonly status: string,
    readonly failures: FailureReason[],
    /** What the failure left behind and how to finish, in one sentence. */
    readonly aftermath: string,
  ) {
    super(`${message} ${aftermath}`.trim());
  }
}
