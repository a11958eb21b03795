import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardTo } from './counting-proxy.js';

/**
 * A loopback proxy in front of the emulator that answers chosen AWS Query calls (CloudFormation's
 * `Action=…`) the way AWS or the network sometimes does, so a test can prove what the suite
 * does then: an error answer, a dropped connection, or a call held until the proxy closes (an
 * operation that never seems to end). Everything else is forwarded untouched.
 */
export type FaultAnswer =
  { error: { status: number; code: string; message: string } } | { drop: true } | { stall: true };

export interface Fault {
  /** The Query action to answer (`ExecuteChangeSet`); or give `request`. */
  action?: string;
  /** A REST call to answer (S3's): by its method and its path as sent (URL-encoded). */
  request?: (method: string, path: string) => boolean;
  /** Only once this action has been forwarded (`ExecuteChangeSet` before holding the waits). */
  after?: string;
  /** Skip this many matching calls first (the first SetStackPolicy goes, the second fails). */
  skip?: number;
  /** Answer at most this many matching calls; every one when unset. */
  times?: number;
  answer: FaultAnswer;
}

export interface FaultProxy {
  endpoint: string;
  /** Every call, in arrival order (a Query action, else `METHOD path`), with what the proxy did. */
  calls: Array<{ action: string; faulted: boolean }>;
  faults: Fault[];
  close(): Promise<void>;
}

function queryAction(body: Buffer): string | undefined {
  return /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('utf8'))?.[1];
}

export async function startFaultProxy(upstream: string, faults: Fault[]): Promise<FaultProxy> {
  const target = new URL(upstream);
  const calls: FaultProxy['calls'] = [];
  const counts = new Map<Fault, { seen: number; answered: number }>();
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = queryAction(body);
      const fault = faults.find((candidate) => {
        if (candidate.action !== undefined && candidate.action !== action) return false;
        if (
          candidate.request !== undefined &&
          !candidate.request(incoming.method ?? '', incoming.url ?? '')
        ) {
          return false;
        }
        if (candidate.after && !calls.some((call) => call.action === candidate.after)) return false;
        const count = counts.get(candidate) ?? { seen: 0, answered: 0 };
        counts.set(candidate, count);
        count.seen += 1;
        if (count.seen <= (candidate.skip ?? 0)) return false;
        return candidate.times === undefined || count.answered < candidate.times;
      });
      calls.push({
        action: action ?? `${incoming.method ?? ''} ${incoming.url ?? ''}`,
        faulted: fault !== undefined,
      });
      if (!fault) {
        forwardTo(target, incoming, body, outgoing);
        return;
      }
      const count = counts.get(fault);
      if (count) count.answered += 1;
      const { answer } = fault;
      if ('drop' in answer) {
        incoming.socket.destroy();
      } else if ('stall' in answer) {
        held.add(outgoing);
      } else {
        const { status, code, message } = answer.error;
        outgoing.writeHead(status, { 'content-type': 'application/xml' });
        outgoing.end(
          action
            ? `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`
            : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault-proxy</RequestId></Error>`,
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    faults,
    close: () =>
      new Promise((resolve) => {
        for (const response of held) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
