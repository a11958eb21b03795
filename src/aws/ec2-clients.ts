import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { boundCalls } from './bounded-calls.js';
import { clientConfig, type AwsSettings } from './clients.js';

/** EC2 and Auto Scaling, per region: AMI copies and retention span regions. */
export interface Ec2Clients {
  readonly settings: AwsSettings;
  /** In the settings' region unless another is named. */
  ec2(region?: string): EC2Client;
  autoScaling(region?: string): AutoScalingClient;
}

function perRegion<T>(settings: AwsSettings, create: (region: string) => T) {
  const clients = new Map<string, T>();
  return (region = settings.region): T => {
    let client = clients.get(region);
    if (client === undefined) {
      client = create(region);
      clients.set(region, client);
    }
    return client;
  };
}

export function createEc2Clients(settings: AwsSettings): Ec2Clients {
  return {
    settings,
    ec2: perRegion(settings, (region) =>
      boundCalls(new EC2Client(clientConfig(settings, region)), settings.bounds),
    ),
    autoScaling: perRegion(settings, (region) =>
      boundCalls(new AutoScalingClient(clientConfig(settings, region)), settings.bounds),
    ),
  };
}
