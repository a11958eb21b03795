import { OperationError } from '../core/errors.js';

/** Helpers to classify AWS SDK v3 errors without depending on each service's error classes. */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'name' in error) {
    return String(error.name);
  }
  return undefined;
}

export function httpStatus(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && '$metadata' in error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  }
  return undefined;
}

/** CloudFormation answers "Stack with id X does not exist" as a ValidationError. */
export function isStackMissing(error: unknown): boolean {
  return (
    awsErrorName(error) === 'ValidationError' &&
    error instanceof Error &&
    /does not exist/.test(error.message)
  );
}

export function isS3NotFound(error: unknown): boolean {
  const name = awsErrorName(error);
  return name === 'NotFound' || name === 'NoSuchKey' || httpStatus(error) === 404;
}

/** An AWS answer without a field the API reference says it carries. */
export class IncompleteAnswerError extends OperationError {
  override readonly name = 'IncompleteAnswerError';

  constructor(what: string) {
    super(
      `The AWS answer had no ${what}; the step stops rather than act on a guess. Retry; if it happens again, check what answers for AWS here (AWS_ENDPOINT_URL, a proxy).`,
      'Incomplete AWS answer',
    );
  }
}

/**
 * A field of an AWS answer that it always carries (an ImageId from CopyImage, an UploadId from
 * CreateMultipartUpload): read so that an answer without it stops the step, naming the field,
 * instead of sending `undefined` on to the next call.
 */
export function answered<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new IncompleteAnswerError(what);
  return value;
}
