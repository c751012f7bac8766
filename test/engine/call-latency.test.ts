import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { withCallLatency } from '../../engine/call-latency.ts';
import { latencyModel } from '../../engine/latency-model.ts';

/** A client that answers every call itself, without a network (its stack still runs). */
function answeringClient(): EC2Client {
  const client = new EC2Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  client.middlewareStack.add(() => async () => ({ output: { $metadata: {}, Vpcs: [] }, response: {} }), {
    step: 'initialize',
    priority: 'low',
    name: 'answer',
  });
  return client;
}

describe('call latency in front of a client factory', () => {
  it('makes every call wait the model’s call seconds, scaled, and adds itself to each client once', async () => {
    const client = answeringClient();
    const clients = withCallLatency(() => client, latencyModel({ callSeconds: 2, scale: 0.01 }));

    clients('ec2');
    const started = performance.now();
    await (clients('ec2') as EC2Client).send(new DescribeVpcsCommand({}));
    const elapsed = performance.now() - started;

    expect(elapsed).toBeGreaterThanOrEqual(19);
    expect(
      client.middlewareStack.identify().filter((entry) => entry.startsWith('modeshiftCallLatency')),
    ).toHaveLength(1);
  });
});
