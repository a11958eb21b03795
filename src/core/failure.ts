import {
  ActionError,
  ConfigurationError,
  OperationError,
  RefusalError,
  type ExtraAnnotation,
  type FailureKind,
} from './errors.js';
import type { SummaryBuilder } from './summary.js';

/** An answer from an AWS API (it carries the SDK's response metadata), named like the CLI's. */
export class AwsError extends ActionError {
  override readonly name = 'AwsError';
  readonly kind: FailureKind = 'aws';

  constructor(readonly original: Error) {
    super(original.message);
  }

  get headline(): string {
    return 'AWS error';
  }
}

/**
 * Anything no part of the suite raised on purpose: a TypeError, a RangeError, an error thrown
 * by a library. Told as a bug in the suite, with a request to report it.
 */
export class UnexpectedError extends ActionError {
  override readonly name = 'UnexpectedError';
  readonly kind: FailureKind = 'bug';

  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original));
  }

  get headline(): string {
    return 'Unexpected error';
  }

  override annotation(): string {
    return `${this.message} (this looks like a bug in environment-pipeline-actions, not in your setup: please report it with this step's log; re-run with debug logging for the stack trace)`;
  }
}

function isAwsAnswer(error: Error): boolean {
  return '$metadata' in error || '$fault' in error;
}

/** A system call's failure (ENOENT, EACCES, ECONNRESET): the machine's answer, not a bug. */
function isSystemError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

/** Every failure as one of the suite's errors, so each is rendered the way its kind is. */
export function asActionError(error: unknown): ActionError {
  if (error instanceof ActionError) return error;
  if (error instanceof Error && isAwsAnswer(error)) return new AwsError(error);
  if (error instanceof Error && isSystemError(error)) {
    return new OperationError(error.message, 'System error');
  }
  return new UnexpectedError(error);
}

/** The stack trace worth a debug line: one a bug or an unexpected answer has, a refusal does not. */
export function debugStack(error: unknown, failure: ActionError): string | undefined {
  if (failure instanceof ConfigurationError || failure instanceof RefusalError) return undefined;
  const original = failure instanceof UnexpectedError ? failure.original : error;
  return original instanceof Error ? original.stack : undefined;
}

/**
 * A failure whose clean-up failed too. The failure is told first, as itself (its verdict, its
 * AWS cause, its sections); the clean-up's error second, with what a person must do about it.
 */
export class CleanupFailedError extends ActionError {
  override readonly name = 'CleanupFailedError';
  readonly kind: FailureKind;
  readonly first: ActionError;

  constructor(
    failure: unknown,
    readonly cleanup: ActionError,
    /** How the second is joined to the first. */
    link = 'Then the clean-up failed too:',
  ) {
    const first = asActionError(failure);
    const told = /[.!?]$/.test(first.message.trim())
      ? first.message.trim()
      : `${first.message.trim()}.`;
    super(`${told} ${link} ${cleanup.message}`, { cause: failure });
    this.first = first;
    this.kind = first.kind;
  }

  get headline(): string {
    return this.first.headline;
  }

  override nextStep(): string | undefined {
    return (
      [this.cleanup.nextStep(), this.first.nextStep()].filter(Boolean).join(' Then: ') || undefined
    );
  }

  override location() {
    return this.first.location();
  }

  override details(summary: SummaryBuilder): void {
    this.first.details(summary);
    this.cleanup.details(summary);
  }

  override extraAnnotations(): ExtraAnnotation[] {
    return [
      ...this.first.extraAnnotations(),
      { message: this.cleanup.message, title: this.cleanup.headline },
    ];
  }
}

/** `failure`, told first, with the clean-up's own error second. */
export function withCleanupFailure(failure: unknown, cleanup: ActionError): CleanupFailedError {
  return new CleanupFailedError(failure, cleanup);
}

/** `failure`, told first, then what it left undone and how to finish (`aftermath`). */
export function withAftermath(failure: unknown, aftermath: ActionError): CleanupFailedError {
  return new CleanupFailedError(failure, aftermath, 'So:');
}
