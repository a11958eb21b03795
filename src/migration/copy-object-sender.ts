import { CopyObjectCommand, type CopyObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/transport';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpResponse, HttpRequest as SignedRequest } from '@smithy/types';
import { isThrottling } from '../aws/bounded-calls.js';
import type { Deadline } from '../core/deadline.js';
import type { Clock } from '../core/waiter.js';
import { defined } from '../core/values.js';

/**
 * CopyObject without the SDK's per-call machinery. The SDK spends about 2 ms of CPU on each
 * call (middleware stack, endpoint rules, serialisation), which caps a runner near 500
 * copies a second whatever the concurrency; this sends the same request, signed by the SDK's
 * own SigV4 signer with the client's credentials, through the client's own request handler
 * (its agent, timeouts and proxy settings), at about a fifth of the cost.
 *
 * What "the same request" is, is learnt rather than rebuilt: the first copy goes through the
 * SDK, and its signed request (host, path prefix, signing region, headers) is the template for
 * every later one. Anything the template cannot be trusted for (another signing algorithm, a
 * path that is not the bucket's prefix and the key) leaves every copy to the SDK.
 */
export class CopyObjectSender {
  private template: Template | undefined;
  private learning: Promise<void> | undefined;
  private signer: SignatureV4 | undefined;
  /** Set when the SDK's request could not be learnt: every copy goes through the SDK. */
  private sdkOnly = false;

  constructor(
    private readonly s3: S3Client,
    private readonly options: { clock: Clock; deadline?: Deadline },
  ) {}

  /** Copies one object; resolves with the number of attempts it took. */
  async copy(input: CopyInput): Promise<number> {
    if (this.template && this.signer) return this.send(this.template, this.signer, input);
    if (this.sdkOnly || this.learning) return this.viaSdk(input);
    let learnt: Template | undefined;
    const copied = this.viaSdk(input, (request) => {
      learnt = templateOf(request, input);
    });
    this.learning = copied.then(
      () => undefined,
      () => undefined,
    );
    try {
      const attempts = await copied;
      this.adopt(learnt);
      return attempts;
    } finally {
      // A failed first copy is retried by the caller, and learnt from then.
      this.learning = undefined;
    }
  }

  private adopt(template: Template | undefined): void {
    if (!template) {
      this.sdkOnly = true;
      return;
    }
    this.signer = new SignatureV4({
      credentials: this.s3.config.credentials,
      region: template.region,
      service: 's3',
      sha256: Sha256,
      // S3 signs the path as sent, not encoded a second time.
      uriEscapePath: false,
    });
    this.template = template;
  }

  private async viaSdk(
    input: CopyInput,
    capture?: (request: HttpRequest) => void,
  ): Promise<number> {
    const command = new CopyObjectCommand(commandInput(input));
    if (capture) {
      command.middlewareStack.add(
        (next) => async (args) => {
          if (HttpRequest.isInstance(args.request)) capture(args.request);
          return next(args);
        },
        // After signing: the request exactly as it leaves for S3.
        { step: 'finalizeRequest', priority: 'low', name: 'learnCopyRequest' },
      );
    }
    const response = await this.s3.send(command);
    return response.$metadata.attempts ?? 1;
  }

  private async send(template: Template, signer: SignatureV4, input: CopyInput): Promise<number> {
    const operation = 'S3 CopyObject';
    for (let attempt = 1; ; attempt++) {
      this.options.deadline?.check(operation);
      try {
        const request = new HttpRequest({
          method: 'PUT',
          protocol: template.protocol,
          hostname: template.hostname,
          ...(template.port ? { port: template.port } : {}),
          path: `${template.prefix}${encodeKey(input.key)}`,
          query: template.query,
          headers: { ...template.headers, ...copyHeaders(input) },
        });
        const signed = await signer.sign(request);
        const exchange = this.exchange(signed);
        await (this.options.deadline ? this.options.deadline.bound(operation, exchange) : exchange);
        return attempt;
      } catch (error) {
        if (!retryable(error) || attempt >= ATTEMPTS) throw error;
        // Exponential backoff with full jitter, as the SDK's standard retry strategy.
        const ceiling = Math.min(20_000, 100 * 2 ** attempt);
        await this.options.clock.sleep(Math.random() * ceiling);
      }
    }
  }

  private async exchange(request: SignedRequest): Promise<void> {
    // The client's handler is typed loosely; over HTTP it answers with an HttpResponse.
    const { response } = (await this.s3.config.requestHandler.handle(request, {})) as {
      response: HttpResponse;
    };
    const body = await readBody(response.body);
    const status = response.statusCode;
    // S3 may answer a copy 200 and only then fail it, in the body (CopyObject's documentation).
    if (status === 200 && body.includes('<CopyObjectResult')) return;
    const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
    const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
    throw new S3CopyError(
      code ?? (status === 200 ? 'InternalError' : `HTTP${status}`),
      code
        ? `S3 CopyObject → ${code}: ${message ?? ''}`.trim()
        : `S3 CopyObject → HTTP ${status}, and the answer is not an S3 response (${response.headers['content-type'] ?? 'no content type'}): something between the runner and S3 answered instead`,
      status,
    );
  }
}

export interface CopyInput {
  bucket: string;
  key: string;
  /** As CopyObject's CopySource: `bucket/key` with the key URL-encoded, `?versionId=` after. */
  copySource: string;
  ifMatch?: string;
}

interface Template {
  protocol: string;
  hostname: string;
  port: number | undefined;
  /** The path before the key: `/bucket/` for path-style addressing, `/` for a virtual host. */
  prefix: string;
  query: Record<string, string>;
  /** The SDK's headers without those of one call (signature, date, the copy's own). */
  headers: Record<string, string>;
  region: string;
}

/** The SDK's own attempts at a call (maxAttempts), which this keeps for its requests. */
const ATTEMPTS = 8;

/** Headers that belong to one call: signed, dated, or the copy's own. */
const PER_CALL =
  /^(authorization|x-amz-date|x-amz-security-token|amz-sdk-invocation-id|amz-sdk-request|x-amz-copy-source.*)$/i;

function commandInput(input: CopyInput): CopyObjectCommandInput {
  return {
    Bucket: input.bucket,
    Key: input.key,
    CopySource: input.copySource,
    CopySourceIfMatch: input.ifMatch,
    MetadataDirective: 'COPY',
    TaggingDirective: 'COPY',
  };
}

function copyHeaders(input: CopyInput): Record<string, string> {
  return {
    'x-amz-copy-source': input.copySource,
    ...(input.ifMatch ? { 'x-amz-copy-source-if-match': input.ifMatch } : {}),
  };
}

/** A key in a path as the SDK writes it: each segment URI-encoded, `!'()*` too, slashes kept. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

/**
 * The template of later requests, from the SDK's signed request for `input`; undefined when it
 * cannot be trusted: not SigV4 (SigV4a for multi-region access points), a path that does not
 * end with the key, or headers this would not reproduce.
 */
export function templateOf(request: HttpRequest, input: CopyInput): Template | undefined {
  const authorization = request.headers['authorization'] ?? request.headers['Authorization'] ?? '';
  const scope = /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/([^/]+)\/s3\/aws4_request,/.exec(
    authorization,
  );
  const key = encodeKey(input.key);
  // The SDK names the operation in the query (x-id=CopyObject); anything else is not known.
  const query = request.query;
  if (
    !scope ||
    !request.path.endsWith(key) ||
    Object.keys(query).some((name) => name !== 'x-id') ||
    (query['x-id'] !== undefined && query['x-id'] !== 'CopyObject')
  ) {
    return undefined;
  }
  const headers = Object.fromEntries(
    Object.entries(request.headers).filter(([name]) => !PER_CALL.test(name)),
  );
  // The template repeats the first copy's directives; a header it does not know could be one
  // that differs per object, so the SDK keeps every copy.
  const known =
    /^(host|content-length|content-type|user-agent|x-amz-user-agent|x-amz-content-sha256|x-amz-metadata-directive|x-amz-tagging-directive|x-amz-checksum-.*|x-amz-sdk-checksum-algorithm)$/i;
  if (Object.keys(headers).some((name) => !known.test(name))) return undefined;
  return {
    protocol: request.protocol,
    hostname: request.hostname,
    port: request.port,
    prefix: request.path.slice(0, request.path.length - key.length),
    query: { ...query } as Record<string, string>,
    headers,
    region: defined(scope[1], 'the region of the SigV4 credential scope'),
  };
}

async function readBody(body: unknown): Promise<string> {
  if (body === undefined || body === null) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** An S3 error answer, shaped like the SDK's (name, $metadata) so callers classify it alike. */
export class S3CopyError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(
    override readonly name: string,
    message: string,
    status: number,
  ) {
    super(message);
    this.$metadata = { httpStatusCode: status };
  }
}

/** What the SDK's standard strategy retries: throttling, 5xx, timeouts, dropped connections. */
function retryable(error: unknown): boolean {
  if (error instanceof S3CopyError) {
    // The SDK's throttling codes (SlowDown, 429 …), and every server error: S3's
    // InternalError and ServiceUnavailable included, in a 200's body or not.
    return (
      isThrottling(error) ||
      ['InternalError', 'ServiceUnavailable', 'RequestTimeout'].includes(error.name) ||
      error.$metadata.httpStatusCode >= 500
    );
  }
  const code = (error as { code?: string }).code ?? '';
  return (
    /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN)$/.test(code) ||
    (error as Error).name === 'TimeoutError'
  );
}
