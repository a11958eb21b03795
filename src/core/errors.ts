import type { SummaryBuilder } from './summary.js';

/**
 * How a step failed, which decides how it is told: a mistake the user fixes in their files, a
 * deliberate stop (⛔, never ❌), time that ran out, an AWS answer, a failure of the work itself,
 * or a bug in the suite.
 */
export type FailureKind = 'configuration' | 'refusal' | 'timeout' | 'aws' | 'failure' | 'bug';

/** Where a failure points in the user's files, for the annotation on that line. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

/** `file:line:column`, as editors and terminals link it. */
export function formatLocation(at: SourceLocation): string {
  return [at.file, at.line, at.column].filter((part) => part !== undefined).join(':');
}

/** One more annotation a failure adds to the log, besides the one that fails the step. */
export interface ExtraAnnotation {
  message: string;
  title?: string;
}

/**
 * Every failure the suite raises renders itself: the annotation that fails the step, the
 * heading and sections of the job summary. The action's shell (src/core/action-runner.ts)
 * only arranges them, so no action keeps a reporter of its own.
 */
export abstract class ActionError extends Error {
  abstract readonly kind: FailureKind;

  /** The summary's verdict, after its ✅ / ⛔ / ❌. */
  abstract get headline(): string;

  /** The text of the annotation that fails the step. */
  annotation(): string {
    return this.message;
  }

  /** The line in the user's files the annotation is placed on, when known. */
  location(): SourceLocation | undefined {
    return undefined;
  }

  /** What was left behind and how to finish, when the error knows: a row of the summary. */
  nextStep(): string | undefined {
    return undefined;
  }

  /** Sections of the summary after the verdict and the message: tables of what was found. */
  details(_summary: SummaryBuilder): void {}

  /** Annotations besides the one that fails the step (where the data is, for instance). */
  extraAnnotations(): ExtraAnnotation[] {
    return [];
  }
}

/**
 * A mistake the user can fix in their workflow or environment definition.
 *
 * Kept apart from every other error so the action can report it as "your input is wrong"
 * (naming the input and what would be valid) instead of as a bug or an AWS failure.
 */
export class ConfigurationError extends ActionError {
  override readonly name = 'ConfigurationError';
  readonly kind = 'configuration';
  /** What is wrong, without the source in front. */
  readonly detail: string;

  constructor(
    message: string,
    /** The action input, or `file: key` of a definition, that is wrong. */
    readonly source?: string,
    /** The line of the user's file the mistake is on, when the reader knows it. */
    readonly at?: SourceLocation,
  ) {
    // A message can quote what the user gave; a huge value is never echoed whole.
    const text =
      message.length <= MAX_MESSAGE
        ? message
        : `${message.slice(0, MAX_MESSAGE)}… (message cut at ${MAX_MESSAGE} of ${message.length.toLocaleString('en-US')} characters)`;
    super(`${source ? `${source}: ${text}` : text}${at ? ` (at ${formatLocation(at)})` : ''}`);
    this.detail = message;
  }

  /** The same mistake, placed on its line of the user's file. */
  locatedAt(at: SourceLocation): ConfigurationError {
    return new ConfigurationError(this.detail, this.source, at);
  }

  get headline(): string {
    return 'Configuration error';
  }

  override annotation(): string {
    return `Configuration error: ${this.message}`;
  }

  override location(): SourceLocation | undefined {
    return this.at;
  }
}

const MAX_MESSAGE = 2_000;

/**
 * The action refused to go on because going on could lose data or hide a problem
 * (a stateful resource would be replaced, a package was tampered with, a stack is in a state
 * that needs a human). Not a bug, not a typo: a deliberate stop that says what to do next.
 */
export class RefusalError extends ActionError {
  override readonly name: string = 'RefusalError';
  readonly kind = 'refusal';

  constructor(
    message: string,
    readonly remedy?: string,
    /** What refused, for the summary's verdict: `Package failed verification`. */
    private readonly what = 'Refused',
  ) {
    super(remedy ? `${message} ${remedy}` : message);
  }

  get headline(): string {
    return this.what;
  }

  override nextStep(): string | undefined {
    return this.remedy;
  }
}

/** A wait that ran out of time; says what was still pending. */
export class TimeoutError extends ActionError {
  override readonly name: string = 'TimeoutError';
  readonly kind = 'timeout';

  get headline(): string {
    return 'Timed out';
  }
}

/**
 * The step's time ran out, or the runner stopped the step (src/core/deadline.ts). Named apart
 * from `TimeoutError`: the AWS SDK retries errors named TimeoutError, and this one must end the
 * call at once.
 */
export class StepTimeoutError extends TimeoutError {
  override readonly name = 'StepTimeoutError';

  override get headline(): string {
    return 'The step ran out of time';
  }
}

/**
 * The work itself failed (a stack operation, a copy, a build) for a reason the message gives;
 * not a mistake in the user's files and not a bug.
 */
export class OperationError extends ActionError {
  override readonly name: string = 'OperationError';
  readonly kind: FailureKind = 'failure';

  constructor(
    message: string,
    /** What went wrong, in a few words, for the summary's verdict. */
    private readonly what = 'Failed',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  get headline(): string {
    return this.what;
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
