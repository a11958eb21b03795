import {
  DescribeStackEventsCommand,
  type CloudFormationClient,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import type { Logger } from '../core/logger.js';

export interface FailureReason {
  logicalId: string;
  type: string;
  status: string;
  reason: string;
  time: Date | undefined;
}

/**
 * Follows the events of one stack operation. Events carry the ClientRequestToken of the
 * operation that caused them, so only this operation's events are printed even when the stack
 * has years of history; events without a token (emulators) fall back to "not before start".
 */
export class StackEventTail {
  private readonly seen = new Set<string>();
  private readonly events: StackEvent[] = [];
  private readonly latestStatus = new Map<string, string>();

  constructor(
    private readonly cloudFormation: CloudFormationClient,
    private readonly stackId: string,
    private readonly token: string,
    private readonly since: Date,
    private readonly logger: Logger,
  ) {}

  private belongs(event: StackEvent): boolean {
    if (event.ClientRequestToken) return event.ClientRequestToken === this.token;
    return (
      event.Timestamp === undefined || event.Timestamp.getTime() >= this.since.getTime() - 1000
    );
  }

  /** Fetches and prints events not seen yet, oldest first. */
  async poll(): Promise<StackEvent[]> {
    const fresh: StackEvent[] = [];
    let nextToken: string | undefined;
    // Events come newest first; stop paging at the first one already seen or too old.
    for (let page = 0; page < 50; page++) {
      const response = await this.cloudFormation.send(
        new DescribeStackEventsCommand({ StackName: this.stackId, NextToken: nextToken }),
      );
      let reachedKnown = false;
      for (const event of response.StackEvents ?? []) {
        const id = event.EventId ?? `${event.LogicalResourceId}-${event.Timestamp?.toISOString()}`;
        if (
          this.seen.has(id) ||
          (event.Timestamp && event.Timestamp < new Date(this.since.getTime() - 60_000))
        ) {
          reachedKnown = true;
          break;
        }
        this.seen.add(id);
        if (this.belongs(event)) fresh.push(event);
      }
      nextToken = response.NextToken;
      if (reachedKnown || !nextToken) break;
    }
    fresh.reverse();
    for (const event of fresh) {
      this.events.push(event);
      if (event.LogicalResourceId)
        this.latestStatus.set(event.LogicalResourceId, event.ResourceStatus ?? '');
      this.logger.info(formatEvent(event));
    }
    return fresh;
  }

  /** Resources whose latest event says they are still being worked on. */
  inProgress(): string[] {
    return [...this.latestStatus.entries()]
      .filter(([, status]) => status.endsWith('_IN_PROGRESS'))
      .map(([logicalId, status]) => `${logicalId} (${status})`);
  }

  /** The reasons resources failed during this operation, root cause first. */
  failures(): FailureReason[] {
    return this.events
      .filter(
        (event) => (event.ResourceStatus ?? '').endsWith('_FAILED') && event.ResourceStatusReason,
      )
      .map((event) => ({
        logicalId: event.LogicalResourceId ?? '?',
        type: event.ResourceType ?? '?',
        status: event.ResourceStatus ?? '?',
        reason: event.ResourceStatusReason ?? '',
        time: event.Timestamp,
      }));
  }
}

export function formatEvent(event: StackEvent): string {
  const time = event.Timestamp ? event.Timestamp.toISOString().slice(11, 19) : '--:--:--';
  const reason = event.ResourceStatusReason ? `  ${event.ResourceStatusReason}` : '';
  return `${time}  ${(event.ResourceStatus ?? '').padEnd(28)} ${event.ResourceType ?? ''}  ${event.LogicalResourceId ?? ''}${reason}`;
}
