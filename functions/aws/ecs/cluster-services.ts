/**
 * The services of an environment's cluster, and retiring one: scaled to zero,
 * then deleted with force. ECS takes a deleted service through DRAINING while
 * its tasks stop, and lists it until it is INACTIVE (moto lists INACTIVE ones
 * too), so callers read each service's `status` rather than its presence.
 */
import {
  DeleteServiceCommand,
  DescribeServicesCommand,
  type ECSClient,
  paginateListServices,
  type Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { mapConcurrently } from '../../bounded-concurrency.ts';
import { hasAwsErrorName } from '../errors.ts';

/** DescribeServices takes at most 10 services a call. */
const DESCRIBE_BATCH_SIZE = 10;
/** DescribeServices calls in flight at once. */
const CONCURRENCY = 10;

/** A service that still runs or stops tasks: ACTIVE, or DRAINING after its deletion. */
export function isLive(status: string | undefined): boolean {
  return status === 'ACTIVE' || status === 'DRAINING';
}

/** The cluster's services with their tags; undefined when the cluster does not exist. */
export async function clusterServices(ecs: ECSClient, cluster: string): Promise<Service[] | undefined> {
  const arns: string[] = [];
  try {
    for await (const page of paginateListServices({ client: ecs }, { cluster })) {
      arns.push(...(page.serviceArns ?? []));
    }
  } catch (error) {
    if (hasAwsErrorName(error, 'ClusterNotFoundException')) return undefined;
    throw error;
  }
  const batches: string[][] = [];
  for (let start = 0; start < arns.length; start += DESCRIBE_BATCH_SIZE)
    batches.push(arns.slice(start, start + DESCRIBE_BATCH_SIZE));
  const described = await mapConcurrently(batches, CONCURRENCY, async (batch) => {
    const { services = [] } = await ecs.send(
      new DescribeServicesCommand({ cluster, services: batch, include: ['TAGS'] }),
    );
    return services;
  });
  return described.flat();
}

/**
 * Scales the service to zero and deletes it with force; returns its status
 * after the deletion (DRAINING while its tasks stop, INACTIVE once they
 * have). A service deleted meanwhile (an earlier attempt) is INACTIVE.
 */
export async function retireService(ecs: ECSClient, cluster: string, service: string): Promise<string> {
  try {
    await ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: 0 }));
    const { service: deleted } = await ecs.send(new DeleteServiceCommand({ cluster, service, force: true }));
    return deleted?.status ?? 'DRAINING';
  } catch (error) {
    if (hasAwsErrorName(error, 'ServiceNotActiveException', 'ServiceNotFoundException')) return 'INACTIVE';
    throw error;
  }
}
