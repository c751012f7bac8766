// The shared network's lease on the local AWS, many takers at once: it is held
// for one environment at a time (the local DynamoDB's conditional writes take
// turns, as DynamoDB's are atomic), each step gets it, and it is free again at
// the end; and the local Cloud Map's namespaces, one per environment in a VPC.
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateVpcCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  CreatePrivateDnsNamespaceCommand,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { describe, expect, it } from 'vitest';
import { withNetworkLease } from '../../functions/aws/dynamodb/network-lease.ts';
import { useLocalAws } from './local-aws.ts';

const aws = useLocalAws();

describe('the shared network’s lease on the local AWS', () => {
  it('is held for one environment at a time when ten, two steps each, ask at once, and is free again at the end', async () => {
    const target = aws.target();
    const ddb = target.clients('dynamodb') as DynamoDBClient;
    const key = 'shop#shared.development';
    const inside = new Map<string, number>();
    let mostEnvironments = 0;
    const order: string[] = [];
    const step = (environment: string) =>
      withNetworkLease(
        ddb,
        { table: target.names.tableName, key, holder: `shop/${environment}` },
        async () => {
          inside.set(environment, (inside.get(environment) ?? 0) + 1);
          mostEnvironments = Math.max(mostEnvironments, inside.size);
          order.push(environment);
          await new Promise((resolve) => setTimeout(resolve, 30));
          const left = (inside.get(environment) ?? 1) - 1;
          if (left === 0) inside.delete(environment);
          else inside.set(environment, left);
        },
      );
    const environments = Array.from({ length: 10 }, (_, index) => `pr-${index}`);
    await Promise.all(environments.flatMap((environment) => [step(environment), step(environment)]));

    expect(mostEnvironments, 'one environment at a time').toBe(1);
    expect(order.sort()).toEqual(environments.flatMap((environment) => [environment, environment]).sort());
    const { Item } = await ddb.send(
      new GetItemCommand({ TableName: target.names.tableName, Key: { pk: { S: key }, sk: { S: 'LEASE' } } }),
    );
    expect(Item?.leaseTokens, 'no token left: free').toBeUndefined();
  });

  it('is shared by the steps of one environment at work at once, and another environment waits for the last of them', async () => {
    const target = aws.target();
    const ddb = target.clients('dynamodb') as DynamoDBClient;
    const request = (environment: string) => ({
      table: target.names.tableName,
      key: 'shop#shared.staging',
      holder: `shop/${environment}`,
    });
    const events: string[] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = withNetworkLease(ddb, request('pr-1'), async () => {
      events.push('pr-1 nat in');
      await held;
      events.push('pr-1 nat out');
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const other = withNetworkLease(ddb, request('pr-2'), async () => {
      events.push('pr-2 in');
    });
    await withNetworkLease(ddb, request('pr-1'), async () => {
      events.push('pr-1 load balancer in');
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events, 'pr-2 still waits while a step of pr-1 holds it').toEqual([
      'pr-1 nat in',
      'pr-1 load balancer in',
    ]);
    release();
    await Promise.all([first, other]);
    expect(events).toEqual(['pr-1 nat in', 'pr-1 load balancer in', 'pr-1 nat out', 'pr-2 in']);
  });

  it('lets environments have a private namespace each in one VPC, refusing only a conflicting name', async () => {
    const target = aws.target();
    const ec2 = target.clients('ec2') as EC2Client;
    const cloudMap = target.clients('servicediscovery') as ServiceDiscoveryClient;
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }));
    const create = (Name: string) =>
      cloudMap.send(new CreatePrivateDnsNamespaceCommand({ Name, Vpc: Vpc?.VpcId as string }));

    await create('pr-1.shop.internal');
    await create('pr-2.shop.internal');
    await expect(create('pr-1.shop.internal')).rejects.toMatchObject({ name: 'ConflictingDomainExists' });
    await expect(create('api.pr-2.shop.internal')).rejects.toMatchObject({ name: 'ConflictingDomainExists' });
  });
});
