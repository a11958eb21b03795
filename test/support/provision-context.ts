import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import type { ProvisionContext } from '../../src/provisioning/context.js';
import { FakeClock } from './fake-clock.js';
import { RecordingLogger } from './recording-logger.js';

/** A context over real SDK clients (to be intercepted by aws-sdk-client-mock) and a fake clock. */
export function mockedContext(timeoutMs = 60_000): {
  context: ProvisionContext;
  logger: RecordingLogger;
  clock: FakeClock;
} {
  const logger = new RecordingLogger();
  const clock = new FakeClock();
  const config = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
  const s3 = new S3Client(config);
  return {
    logger,
    clock,
    context: {
      cloudFormation: new CloudFormationClient(config),
      s3: () => s3,
      logger,
      clock,
      polling: { initialDelayMs: 1000, maxDelayMs: 5000, factor: 2, timeoutMs },
    },
  };
}
