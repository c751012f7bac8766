/** In-memory Cloud Map: the services of the environment's namespace (the namespace itself is modeled by its step). */
import type {
  CreateServiceCommandInput,
  GetServiceCommandInput,
  ListServicesCommandInput,
  Service,
  UpdateServiceCommandInput,
} from '@aws-sdk/client-servicediscovery';
import { awsError, type InMemoryService } from './in-memory-clients.ts';

/** ListServices' page size. */
const PAGE = 100;

export function inMemoryCloudMap(): InMemoryService {
  const services = new Map<string, Service>();
  return {
    ListServices: (input: ListServicesCommandInput) => {
      const namespace = input.Filters?.find((filter) => filter.Name === 'NAMESPACE_ID')?.Values?.[0];
      const all = [...services.values()].filter((service) => !namespace || service.NamespaceId === namespace);
      const start = Number(input.NextToken ?? 0);
      const page = all.slice(start, start + (input.MaxResults ?? PAGE));
      const next = start + page.length;
      return {
        Services: page.map(({ Id, Arn, Name }) => ({ Id, Arn, Name })),
        ...(next < all.length ? { NextToken: String(next) } : {}),
      };
    },
    GetService: (input: GetServiceCommandInput) => {
      const service = services.get(input.Id ?? '');
      if (!service) throw awsError('servicediscovery', 'ServiceNotFound', 'no such service');
      return { Service: service };
    },
    CreateService: (input: CreateServiceCommandInput) => {
      const id = `srv-${services.size + 1}`;
      const service: Service = {
        Id: id,
        Arn: `arn:aws:servicediscovery:us-east-1:123456789012:service/${id}`,
        Name: input.Name,
        NamespaceId: input.NamespaceId,
        DnsConfig: input.DnsConfig,
      };
      services.set(id, service);
      return { Service: service };
    },
    UpdateService: (input: UpdateServiceCommandInput) => {
      const service = services.get(input.Id ?? '');
      if (!service) throw awsError('servicediscovery', 'ServiceNotFound', 'no such service');
      services.set(input.Id ?? '', {
        ...service,
        DnsConfig: { ...service.DnsConfig, DnsRecords: input.Service?.DnsConfig?.DnsRecords },
      });
      return { OperationId: `op-${input.Id}` };
    },
  };
}
