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
