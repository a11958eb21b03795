/**
 * A mistake the user can fix in their workflow or environment definition.
 *
 * Kept apart from every other error so the action can report it as "your input is wrong"
 * (naming the input and what would be valid) instead of as a bug or an AWS failure.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';

  constructor(
    message: string,
    /** The action input, or `file: key` of a definition, that is wrong. */
    readonly source?: string,
  ) {
    // A message can quote what the user gave; a huge value is never echoed whole.
    const text =
      message.length <= MAX_MESSAGE
        ? message
        : `${message.slice(0, MAX_MESSAGE)}… (message cut at ${MAX_MESSAGE} of ${message.length.toLocaleString('en-US')} characters)`;
    super(source ? `${source}: ${text}` : text);
  }
}

const MAX_MESSAGE = 2_000;

/**
 * The action refused to go on because going on could lose data or hide a problem
 * (a stateful resource would be replaced, a package was tampered with, a stack is in a state
 * that needs a human). Not a bug, not a typo: a deliberate stop that says what to do next.
 */
export class RefusalError extends Error {
  override readonly name = 'RefusalError';

  constructor(
    message: string,
    readonly remedy?: string,
  ) {
    super(remedy ? `${message} ${remedy}` : message);
  }
}

/** A wait that ran out of time; says what was still pending. */
export class TimeoutError extends Error {
  override readonly name: string = 'TimeoutError';
}

/**
 * The step's time ran out, or the runner stopped the step (src/core/deadline.ts). Named apart
 * from `TimeoutError`: the AWS SDK retries errors named TimeoutError, and this one must end the
 * call at once.
 */
export class StepTimeoutError extends TimeoutError {
  override readonly name = 'StepTimeoutError';
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
