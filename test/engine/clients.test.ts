import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createClientFactory } from '../../engine/clients.ts';

describe('local engine — client factory', () => {
  it('creates the JS SDK client for a Step Functions service id', () => {
    const clients = createClientFactory({ region: 'us-east-1' });

    expect(clients('ec2')).toBeInstanceOf(EC2Client);
    expect(clients('elasticloadbalancingv2')).toBeInstanceOf(ElasticLoadBalancingV2Client);
  });

  it('returns the same client for a service every time', () => {
    const clients = createClientFactory({ region: 'us-east-1' });

    expect(clients('rds')).toBe(clients('rds'));
  });

  it('points every client at the given endpoint, S3 with path-style bucket addressing', async () => {
    const clients = createClientFactory({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:5000' });

    const s3 = clients('s3') as S3Client;
    const endpoint = await s3.config.endpoint?.();

    expect(endpoint?.hostname).toBe('127.0.0.1');
    expect(s3.config.forcePathStyle).toBe(true);
    expect(await clients('route53').config.region()).toBe('eu-west-1');
  });

  it('throws for a service it does not know, listing those it does', () => {
    const clients = createClientFactory();

    expect(() => clients('lambda')).toThrow(
      /no AWS client for service "lambda" \(known: acm, applicationautoscaling, cloudwatch, cloudwatchlogs, .*\)/,
    );
  });
});
