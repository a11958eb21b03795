import type { Deadline } from '../core/deadline.js';
import { StepTimeoutError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { SummaryBuilder } from '../core/summary.js';
import { formatDuration, systemClock, type Clock } from '../core/waiter.js';
import { awsErrorName, httpStatus } from './errors.js';

/** The error codes AWS services use to ask a caller to slow down (the SDK's own list). */
const THROTTLING_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

export function isThrottling(error: unknown): boolean {
  return THROTTLING_CODES.has(awsErrorName(error) ?? '') || httpStatus(error) === 429;
}

export interface ThrottledOperation {
  /** `S3 CopyObject`. */
  operation: string;
  code: string;
  firstAt: number;
  lastAt: number;
  times: number;
}

/**
 * Which AWS operations answered "slow down", since when and how often, so a step that fails or
 * runs out of time says "S3 CopyObject answered SlowDown for 1 min 58 s" instead of a bare
 * "Rate exceeded". Every attempt counts, retries included: the SDK hides those.
 */
export class ThrottleLog {
  private readonly entries = new Map<string, ThrottledOperation>();

  constructor(private readonly clock: Clock = systemClock) {}

  note(operation: string, code: string): void {
    const now = this.clock.now();
    const entry = this.entries.get(operation);
    if (entry) {
      entry.lastAt = now;
      entry.times += 1;
      entry.code = code;
    } else {
      this.entries.set(operation, { operation, code, firstAt: now, lastAt: now, times: 1 });
    }
  }

  /** The throttled operations, the longest-throttled first. */
  list(): ThrottledOperation[] {
    return [...this.entries.values()].sort(
      (a, b) => b.lastAt - b.firstAt - (a.lastAt - a.firstAt) || b.times - a.times,
    );
  }

  /** One sentence per operation (or for just `operation`); empty when nothing was throttled. */
  describe(operation?: string): string {
    return this.list()
      .filter((entry) => operation === undefined || entry.operation === operation)
      .map((entry) => `${describeThrottling(entry)}.`)
      .join(' ');
  }
}

export function describeThrottling(entry: ThrottledOperation): string {
  const span = entry.lastAt - entry.firstAt;
  return entry.times === 1
    ? `${entry.operation} answered ${entry.code} once`
    : `${entry.operation} answered ${entry.code} for ${formatDuration(span)} (${entry.times} times)`;
}

/** What bounds a client's calls: the step's deadline (if any) and where throttling is noted. */
export interface CallBounds {
  deadline?: Deadline;
  throttles: ThrottleLog;
}

interface OperationContext {
  clientName?: string;
  commandName?: string;
}

/** `S3 CopyObject`, from the names the SDK puts in each call's context. */
function operationOf(context: OperationContext): string {
  const service = (context.clientName ?? 'AWS').replace(/Client$/, '');
  const command = (context.commandName ?? 'call').replace(/Command$/, '');
  return `${service} ${command}`;
}

interface SdkErrorShape {
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string>; body?: unknown };
  $responseBodyText?: unknown;
}

/** How much of an answer that is not AWS's is quoted: enough to read its reason. */
const QUOTED_BODY = 300;

/**
 * The text of an answer the SDK could not parse, on one line and cut short (a masked value in it
 * is redacted where the message is written, and a cut one at its `…`); empty when unknown.
 */
function bodyText(shape: SdkErrorShape): string {
  const body = shape.$responseBodyText ?? shape.$response?.body;
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return '';
  const text = (typeof body === 'string' ? body : Buffer.from(body).toString('utf8'))
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > QUOTED_BODY ? `${text.slice(0, QUOTED_BODY)}…` : text;
}

/**
 * An AWS error as the CLI prints it: the operation and the error code before the message
 * (`CloudFormation CreateChangeSet → ValidationError: …`), so a bare "No updates are to be
 * performed." says where it came from. An answer that is not an AWS API response at all (an
 * HTML error page from a proxy or a gateway) is named as such, with its HTTP status, instead of
 * the SDK's "XML parse error: mismatched tags". The error object is kept, so its name and
 * metadata still classify it (retryable, not found, throttled).
 */
export function describeAwsError(error: unknown, operation: string): unknown {
  if (!(error instanceof Error) || error instanceof StepTimeoutError) return error;
  if (error.message.startsWith(`${operation} → `)) return error;
  const shape = error as Error & SdkErrorShape;
  const status = shape.$response?.statusCode ?? shape.$metadata?.httpStatusCode;
  const unparsed = /Deserialization error|XML parse error|Unexpected token|is not valid JSON/.test(
    error.message,
  );
  if (unparsed && status !== undefined) {
    const type = shape.$response?.headers?.['content-type'] ?? 'no content type';
    const said = bodyText(shape);
    error.message = `${operation} → HTTP ${status}, and the answer is not an AWS API response (${type}): something between the runner and AWS (a proxy, a gateway, an emulator) answered instead${said ? `. It said: ${said}` : ''}`;
    return error;
  }
  if (shape.$metadata !== undefined && error.name !== 'Error') {
    error.message = `${operation} → ${error.name}: ${error.message}`;
  }
  return error;
}

function withThrottling(error: unknown, throttles: ThrottleLog, operation: string): unknown {
  const detail = throttles.describe(operation);
  if (!detail || !(error instanceof Error)) return error;
  if (error instanceof StepTimeoutError) return new StepTimeoutError(`${error.message} ${detail}`);
  // Kept the same error (its name and metadata still classify it), with the history added.
  if (isThrottling(error) && !error.message.includes(detail)) {
    error.message = `${error.message} (${detail.replace(/\.$/, '')})`;
  }
  return error;
}

// The SDK's middleware stacks are typed per client; only add() is needed here, on any of them.
type Handler = (args: unknown) => Promise<unknown>;
type Middleware = (next: Handler, context: OperationContext) => Handler;
interface AnyMiddlewareStack {
  add(
    middleware: Middleware,
    options: { step: string; priority?: string; name: string; override?: boolean },
  ): void;
}

/**
 * Bounds every call of `client` by the step's deadline and notes its throttling. Two layers:
 * around the whole call (retries and the SDK's backoff and rate limiter included), which ends
 * it the moment the deadline passes; and around each attempt, inside the SDK's retry loop,
 * which refuses a new attempt past the deadline and notes each throttled answer. The timeout
 * error is not one the SDK retries, so the retry loop ends with it.
 */
export function boundCalls<C extends { middlewareStack: unknown }>(
  client: C,
  bounds: CallBounds | undefined,
): C {
  if (!bounds) return client;
  const { deadline, throttles } = bounds;
  const stack = client.middlewareStack as AnyMiddlewareStack;
  stack.add(
    (next, context) => async (args) => {
      const operation = operationOf(context);
      try {
        if (!deadline) return await next(args);
        deadline.check(operation);
        return await deadline.bound(operation, next(args));
      } catch (error) {
        throw describeAwsError(withThrottling(error, throttles, operation), operation);
      }
    },
    { step: 'initialize', priority: 'high', name: 'stepDeadline', override: true },
  );
  stack.add(
    (next, context) => async (args) => {
      const operation = operationOf(context);
      deadline?.check(operation);
      try {
        return await next(args);
      } catch (error) {
        if (isThrottling(error)) throttles.note(operation, awsErrorName(error) ?? 'HTTP 429');
        throw error;
      }
    },
    // Outside the deserializer, so a throttling answer is seen as the error it parses into.
    { step: 'deserialize', priority: 'high', name: 'stepDeadlineAttempt', override: true },
  );
  return client;
}

/**
 * The throttled operations as a summary table and one warning, so a slow or failed step shows
 * what AWS pushed back on even when the error that ended it was another.
 */
export function reportThrottling(
  throttles: ThrottleLog,
  summary: SummaryBuilder,
  logger: Logger,
): void {
  const entries = throttles.list();
  if (entries.length === 0) return;
  logger.warning(`AWS throttled this step: ${throttles.describe()}`, { title: 'AWS throttling' });
  summary.table(
    ['Operation', 'Answer', 'Times', 'First', 'Last'],
    entries.map((entry) => [
      entry.operation,
      entry.code,
      String(entry.times),
      new Date(entry.firstAt).toISOString(),
      new Date(entry.lastAt).toISOString(),
    ]),
    { title: 'AWS throttling' },
  );
}
