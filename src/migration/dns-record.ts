import { ChangeResourceRecordSetsCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { RefusalError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { DnsRecord } from './migration-context.js';

/** The host a CNAME can point at: the output itself, or the host of a URL output. */
export function endpointHost(value: string): string {
  const host = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? new URL(value).hostname : value;
  return host.replace(/\.$/, '');
}

/** Points the record at a colour's endpoint output; UPSERT, so running it twice is harmless. */
export async function pointRecord(
  route53: Route53Client,
  record: DnsRecord,
  outputs: Record<string, string>,
  stackName: string,
  logger: Logger,
): Promise<string> {
  const value = outputs[record.output];
  if (!value) {
    throw new RefusalError(
      `${stackName} has no output ${record.output} to point ${record.name} at.`,
      `Check route53-endpoint-output; outputs that exist: ${Object.keys(outputs).sort().join(', ') || 'none'}.`,
    );
  }
  const host = endpointHost(value);
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: record.zoneId,
      ChangeBatch: {
        Comment: `environment-pipeline-actions: ${record.name} → ${stackName}`,
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: record.name,
              Type: 'CNAME',
              TTL: record.ttl,
              ResourceRecords: [{ Value: host }],
            },
          },
        ],
      },
    }),
  );
  logger.info(
    `${record.name} CNAME → ${host} (${stackName}'s ${record.output}), TTL ${record.ttl} s.`,
  );
  return host;
}
