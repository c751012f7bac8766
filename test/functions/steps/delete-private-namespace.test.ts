import {
  ChangeResourceRecordSetsCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  DeleteNamespaceCommand,
  DeleteServiceCommand,
  DeregisterInstanceCommand,
  DuplicateRequest,
  GetNamespaceCommand,
  GetOperationCommand,
  GetServiceCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ResourceInUse,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type DeletePrivateNamespaceInput,
  deletePrivateNamespace,
} from '../../../functions/steps/delete-private-namespace.ts';
import { namespaceWithZone, privateNamespace } from '../../support/cloud-map-fixtures.ts';
import { apexNs, apexSoa } from '../../support/route53-fixtures.ts';
import { teardownInput } from '../../support/step-inputs.ts';

const servicediscovery = mockClient(ServiceDiscoveryClient);
const route53 = mockClient(Route53Client);
const clients = {
  servicediscovery: new ServiceDiscoveryClient({ region: 'us-east-1' }),
  route53: new Route53Client({ region: 'us-east-1' }),
};

const input: DeletePrivateNamespaceInput = teardownInput('shop', 'pr-42');

const ourNamespace = privateNamespace('ns-1', 'pr-42.shop.internal');
const otherNamespace = privateNamespace('ns-other', 'pr-43.shop.internal');

const soa = apexSoa('pr-42.shop.internal.', 'ns-1536.awsdns-00.co.uk');
const ns = apexNs('pr-42.shop.internal.', ['ns-1536.awsdns-00.co.uk']);
const databaseCname: ResourceRecordSet = {
  Name: 'db.pr-42.shop.internal.',
  Type: 'CNAME',
  TTL: 60,
  ResourceRecords: [{ Value: 'shop-pr-42-db.abc.us-east-1.rds.amazonaws.com' }],
};
const cloudMapRecord: ResourceRecordSet = {
  Name: 'web.pr-42.shop.internal.',
  Type: 'A',
  TTL: 60,
  ResourceRecords: [{ Value: '10.0.128.5' }],
};

/** The namespace with one service `web` (two instances), and its hosted zone's records. */
function namespaceWithService(records: ResourceRecordSet[] = [soa, ns, databaseCname, cloudMapRecord]): void {
  servicediscovery.on(ListNamespacesCommand).resolves({ Namespaces: [otherNamespace, ourNamespace] });
  servicediscovery.on(ListServicesCommand).resolves({
    Services: [{ Id: 'srv-web', Name: 'web', DnsConfig: { NamespaceId: 'ns-1', DnsRecords: [] } }],
  });
  servicediscovery.on(ListInstancesCommand).resolves({ Instances: [{ Id: 'task-1' }, { Id: 'task-2' }] });
  servicediscovery
    .on(GetNamespaceCommand)
    .resolves(namespaceWithZone('ns-1', 'pr-42.shop.internal', 'Z0PRIVATE'));
  servicediscovery.on(DeleteNamespaceCommand).resolves({ OperationId: 'op-delete' });
  servicediscovery.on(GetOperationCommand).resolves({ Operation: { Id: 'op-delete', Status: 'SUCCESS' } });
  route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: records, IsTruncated: false });
}

beforeEach(() => {
  servicediscovery.reset();
  servicediscovery.on(ListTagsForResourceCommand).resolves({ Tags: [...input.environmentTags] });
  route53.reset();
});

afterAll(() => {
  servicediscovery.restore();
  route53.restore();
});

describe('DeletePrivateNamespace', () => {
  it('is done when no namespace has the zone name', async () => {
    servicediscovery.on(ListNamespacesCommand).resolves({ Namespaces: [otherNamespace] });

    const progress = await deletePrivateNamespace(input, clients);

    expect(progress).toEqual({ done: true });
    expect(servicediscovery).not.toHaveReceivedCommand(DeleteNamespaceCommand);
    expect(servicediscovery).not.toHaveReceivedCommand(ListServicesCommand);
  });

  it('lists namespaces filtered by the exact zone name and the private DNS type', async () => {
    servicediscovery.on(ListNamespacesCommand).resolves({ Namespaces: [] });

    await deletePrivateNamespace(input, clients);

    expect(servicediscovery).toHaveReceivedCommandWith(ListNamespacesCommand, {
      Filters: [
        { Name: 'NAME', Values: ['pr-42.shop.internal'], Condition: 'EQ' },
        { Name: 'TYPE', Values: ['DNS_PRIVATE'], Condition: 'EQ' },
      ],
    });
  });

  describe('with services', () => {
    it('deregisters every instance of the namespace services', async () => {
      namespaceWithService();

      await deletePrivateNamespace(input, clients);

      expect(servicediscovery).toHaveReceivedCommandWith(ListServicesCommand, {
        Filters: [{ Name: 'NAMESPACE_ID', Values: ['ns-1'], Condition: 'EQ' }],
      });
      expect(servicediscovery).toHaveReceivedCommandWith(DeregisterInstanceCommand, {
        ServiceId: 'srv-web',
        InstanceId: 'task-1',
      });
      expect(servicediscovery).toHaveReceivedCommandWith(DeregisterInstanceCommand, {
        ServiceId: 'srv-web',
        InstanceId: 'task-2',
      });
    });

    it('deletes the services', async () => {
      namespaceWithService();

      await deletePrivateNamespace(input, clients);

      expect(servicediscovery).toHaveReceivedCommandExactlyOnceWith(DeleteServiceCommand, { Id: 'srv-web' });
    });

    it('leaves alone a service of another namespace that the listing returned', async () => {
      namespaceWithService();
      servicediscovery.on(ListServicesCommand).resolves({
        Services: [
          { Id: 'srv-other', Name: 'api', DnsConfig: { NamespaceId: 'ns-other', DnsRecords: [] } },
          { Id: 'srv-plain', Name: 'worker' },
        ],
      });
      servicediscovery
        .on(GetServiceCommand, { Id: 'srv-plain' })
        .resolves({ Service: { Id: 'srv-plain', NamespaceId: 'ns-1' } });

      await deletePrivateNamespace(input, clients);

      expect(servicediscovery).not.toHaveReceivedCommandWith(DeleteServiceCommand, { Id: 'srv-other' });
      expect(servicediscovery).toHaveReceivedCommandWith(DeleteServiceCommand, { Id: 'srv-plain' });
    });

    it('waits while Cloud Map still refuses to delete a service', async () => {
      namespaceWithService();
      servicediscovery
        .on(DeleteServiceCommand)
        .rejects(new ResourceInUse({ message: 'instances', $metadata: {} }));

      const progress = await deletePrivateNamespace(input, clients);

      expect(progress).toEqual({ done: false });
      expect(servicediscovery).not.toHaveReceivedCommand(DeleteNamespaceCommand);
    });
  });

  describe('records', () => {
    it('deletes the database CNAME but keeps the SOA, NS and Cloud Map records', async () => {
      namespaceWithService();

      await deletePrivateNamespace(input, clients);

      expect(route53).toHaveReceivedCommandExactlyOnceWith(ChangeResourceRecordSetsCommand, {
        HostedZoneId: 'Z0PRIVATE',
        ChangeBatch: expect.objectContaining({
          Changes: [{ Action: 'DELETE', ResourceRecordSet: databaseCname }],
        }),
      });
    });

    it('reads every page of the zone records', async () => {
      namespaceWithService();
      route53
        .on(ListResourceRecordSetsCommand)
        .resolvesOnce({
          ResourceRecordSets: [soa, ns],
          IsTruncated: true,
          NextRecordName: 'db.pr-42.shop.internal.',
          NextRecordType: 'CNAME',
        })
        .resolves({ ResourceRecordSets: [databaseCname], IsTruncated: false });

      await deletePrivateNamespace(input, clients);

      expect(route53).toHaveReceivedCommandWith(ListResourceRecordSetsCommand, {
        HostedZoneId: 'Z0PRIVATE',
        StartRecordName: 'db.pr-42.shop.internal.',
        StartRecordType: 'CNAME',
      });
      expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
        ChangeBatch: expect.objectContaining({
          Changes: [{ Action: 'DELETE', ResourceRecordSet: databaseCname }],
        }),
      });
    });

    it('changes nothing in the zone when only its own records are left', async () => {
      namespaceWithService([soa, ns]);

      await deletePrivateNamespace(input, clients);

      expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    });

    it('waits when a record changed while it was read', async () => {
      namespaceWithService();
      route53
        .on(ChangeResourceRecordSetsCommand)
        .rejects(new InvalidChangeBatch({ message: 'record not found', $metadata: {} }));

      const progress = await deletePrivateNamespace(input, clients);

      expect(progress.done).toBe(false);
      expect(servicediscovery).not.toHaveReceivedCommand(DeleteNamespaceCommand);
    });
  });

  describe('the namespace', () => {
    it('is deleted and done once the operation succeeded', async () => {
      namespaceWithService();

      const progress = await deletePrivateNamespace(input, clients);

      expect(servicediscovery).toHaveReceivedCommandExactlyOnceWith(DeleteNamespaceCommand, { Id: 'ns-1' });
      expect(servicediscovery).toHaveReceivedCommandWith(GetOperationCommand, { OperationId: 'op-delete' });
      expect(progress).toEqual({ done: true });
    });

    it('is not done while the deletion runs', async () => {
      namespaceWithService();
      servicediscovery
        .on(GetOperationCommand)
        .resolves({ Operation: { Id: 'op-delete', Status: 'PENDING' } });

      const progress = await deletePrivateNamespace(input, clients);

      expect(progress).toEqual({ done: false });
    });

    it('follows a deletion already in progress', async () => {
      namespaceWithService();
      servicediscovery
        .on(DeleteNamespaceCommand)
        .rejects(
          new DuplicateRequest({ message: 'in progress', $metadata: {}, DuplicateOperationId: 'op-earlier' }),
        );
      servicediscovery
        .on(GetOperationCommand)
        .resolves({ Operation: { Id: 'op-earlier', Status: 'SUBMITTED' } });

      const progress = await deletePrivateNamespace(input, clients);

      expect(servicediscovery).toHaveReceivedCommandWith(GetOperationCommand, { OperationId: 'op-earlier' });
      expect(progress.done).toBe(false);
    });

    it('fails naming the namespace and the error when the deletion failed', async () => {
      namespaceWithService();
      servicediscovery.on(GetOperationCommand).resolves({
        Operation: {
          Id: 'op-delete',
          Status: 'FAIL',
          ErrorCode: 'CANNOT_DELETE_HOSTED_ZONE',
          ErrorMessage: 'not empty',
        },
      });

      await expect(deletePrivateNamespace(input, clients)).rejects.toMatchObject({
        name: 'Modeshift.NamespaceDeletionFailed',
        message: expect.stringMatching(/pr-42\.shop\.internal.*CANNOT_DELETE_HOSTED_ZONE/),
      });
    });

    it('never deletes another environment namespace', async () => {
      namespaceWithService();

      await deletePrivateNamespace(input, clients);

      expect(servicediscovery).not.toHaveReceivedCommandWith(DeleteNamespaceCommand, { Id: 'ns-other' });
    });
  });
});
