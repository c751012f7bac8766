import {
  CreatePrivateDnsNamespaceCommand,
  DuplicateRequest,
  GetNamespaceCommand,
  GetOperationCommand,
  ListNamespacesCommand,
  ListTagsForResourceCommand,
  NamespaceAlreadyExists,
  ServiceDiscoveryClient,
  TagResourceCommand,
} from '@aws-sdk/client-servicediscovery';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { modeshiftTags } from '../../../core/execution-input.ts';
import { environmentNames } from '../../../core/names.ts';
import {
  type EnsurePrivateNamespaceInput,
  ensurePrivateNamespace,
} from '../../../functions/steps/ensure-private-namespace.ts';
import { namespaceWithZone, privateNamespace } from '../../support/cloud-map-fixtures.ts';
import { networkRef } from '../../support/step-inputs.ts';

const servicediscovery = mockClient(ServiceDiscoveryClient);
const client = new ServiceDiscoveryClient({ region: 'us-east-1' });

const names = environmentNames('shop', 'pr-42');
const tags = modeshiftTags('shop', 'pr-42', 'staging', 'd-2');

const network = networkRef();

const input: EnsurePrivateNamespaceInput = { names, tags, network };

const otherEnvironmentNamespace = privateNamespace('ns-other', 'pr-43.shop.internal');
const ourNamespace = privateNamespace('ns-1', 'pr-42.shop.internal');

/** What EnsurePrivateNamespace returns for the namespace pr-42.shop.internal, polled every 10 seconds. */
function namespaceRef(state: { ready: boolean; id: string; hostedZoneId: string }) {
  return {
    ready: state.ready,
    id: state.id,
    name: 'pr-42.shop.internal',
    hostedZoneId: state.hostedZoneId,
  };
}

beforeEach(() => {
  servicediscovery.reset();
  servicediscovery.on(ListTagsForResourceCommand).resolves({ Tags: [...input.tags] });
  servicediscovery
    .on(GetNamespaceCommand)
    .resolves(namespaceWithZone('ns-1', 'pr-42.shop.internal', 'Z0PRIVATE'));
});

afterAll(() => {
  servicediscovery.restore();
});

describe('EnsurePrivateNamespace', () => {
  describe('when no namespace has the zone name', () => {
    beforeEach(() => {
      servicediscovery.on(ListNamespacesCommand).resolves({ Namespaces: [otherEnvironmentNamespace] });
      servicediscovery.on(CreatePrivateDnsNamespaceCommand).resolves({ OperationId: 'op-1' });
    });

    it('creates the private DNS namespace named after the zone in the environment VPC, tagged', async () => {
      servicediscovery.on(GetOperationCommand).resolves({ Operation: { Id: 'op-1', Status: 'SUBMITTED' } });

      await ensurePrivateNamespace(input, { servicediscovery: client });

      expect(servicediscovery).toHaveReceivedCommandExactlyOnceWith(CreatePrivateDnsNamespaceCommand, {
        Name: 'pr-42.shop.internal',
        Vpc: 'vpc-1',
        Tags: tags,
        CreatorRequestId: expect.stringMatching(/^modeshift-[0-9a-f]{32}$/),
      });
    });

    it('reports not ready while the creation is pending, and which operation it polled', async () => {
      servicediscovery.on(GetOperationCommand).resolves({ Operation: { Id: 'op-1', Status: 'PENDING' } });

      const namespace = await ensurePrivateNamespace(input, { servicediscovery: client });

      expect(namespace).toEqual(namespaceRef({ ready: false, id: '', hostedZoneId: '' }));
      expect(servicediscovery).toHaveReceivedCommandWith(GetOperationCommand, { OperationId: 'op-1' });
    });

    it('sends the same request id on every call for one VPC and another for a new VPC', async () => {
      servicediscovery.on(GetOperationCommand).resolves({ Operation: { Id: 'op-1', Status: 'PENDING' } });

      await ensurePrivateNamespace(input, { servicediscovery: client });
      await ensurePrivateNamespace(input, { servicediscovery: client });
      await ensurePrivateNamespace(
        { ...input, network: { ...network, vpcId: 'vpc-2' } },
        { servicediscovery: client },
      );

      const ids = servicediscovery
        .commandCalls(CreatePrivateDnsNamespaceCommand)
        .map((call) => call.args[0].input.CreatorRequestId);
      expect(ids[0]).toBe(ids[1]);
      expect(ids[2]).not.toBe(ids[0]);
    });

    it('follows the creation already in progress when AWS answers with a duplicate request', async () => {
      servicediscovery
        .on(CreatePrivateDnsNamespaceCommand)
        .rejects(
          new DuplicateRequest({ message: 'in progress', $metadata: {}, DuplicateOperationId: 'op-0' }),
        );
      servicediscovery.on(GetOperationCommand).resolves({ Operation: { Id: 'op-0', Status: 'PENDING' } });

      const namespace = await ensurePrivateNamespace(input, { servicediscovery: client });

      expect(namespace.ready).toBe(false);
      expect(servicediscovery).toHaveReceivedCommandWith(GetOperationCommand, { OperationId: 'op-0' });
    });

    it('returns the namespace and its hosted zone once the creation succeeded', async () => {
      servicediscovery.on(GetOperationCommand).resolves({
        Operation: { Id: 'op-1', Status: 'SUCCESS', Targets: { NAMESPACE: 'ns-1' } },
      });

      const namespace = await ensurePrivateNamespace(input, { servicediscovery: client });

      expect(namespace).toEqual(namespaceRef({ ready: true, id: 'ns-1', hostedZoneId: 'Z0PRIVATE' }));
      expect(servicediscovery).toHaveReceivedCommandWith(GetNamespaceCommand, { Id: 'ns-1' });
    });

    it('uses the namespace AWS says already exists under that name', async () => {
      servicediscovery
        .on(CreatePrivateDnsNamespaceCommand)
        .rejects(new NamespaceAlreadyExists({ message: 'exists', $metadata: {}, NamespaceId: 'ns-1' }));

      const namespace = await ensurePrivateNamespace(input, { servicediscovery: client });

      expect(namespace).toMatchObject({ ready: true, id: 'ns-1', hostedZoneId: 'Z0PRIVATE' });
    });

    it('fails naming the namespace and the error when the creation failed', async () => {
      servicediscovery.on(GetOperationCommand).resolves({
        Operation: {
          Id: 'op-1',
          Status: 'FAIL',
          ErrorCode: 'CANNOT_CREATE_HOSTED_ZONE',
          ErrorMessage: 'limit',
        },
      });

      await expect(ensurePrivateNamespace(input, { servicediscovery: client })).rejects.toMatchObject({
        name: 'Modeshift.NamespaceCreationFailed',
        message: expect.stringMatching(/pr-42\.shop\.internal.*CANNOT_CREATE_HOSTED_ZONE/),
      });
    });
  });

  describe('when the namespace exists', () => {
    beforeEach(() => {
      servicediscovery
        .on(ListNamespacesCommand)
        .resolves({ Namespaces: [otherEnvironmentNamespace, ourNamespace] });
    });

    it('reuses it without creating another', async () => {
      const namespace = await ensurePrivateNamespace(input, { servicediscovery: client });

      expect(namespace).toEqual(namespaceRef({ ready: true, id: 'ns-1', hostedZoneId: 'Z0PRIVATE' }));
      expect(servicediscovery).not.toHaveReceivedCommand(CreatePrivateDnsNamespaceCommand);
    });

    it('brings its tags up to date with the new mode and deployment', async () => {
      await ensurePrivateNamespace(input, { servicediscovery: client });

      expect(servicediscovery).toHaveReceivedCommandExactlyOnceWith(TagResourceCommand, {
        ResourceARN: 'arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-1',
        Tags: tags,
      });
    });

    it('returns the bare hosted zone id when it comes with a /hostedzone/ prefix (moto)', async () => {
      servicediscovery
        .on(GetNamespaceCommand)
        .resolves(namespaceWithZone('ns-1', 'pr-42.shop.internal', '/hostedzone/Z0PRIVATE'));

      const namespace = await ensurePrivateNamespace(input, { servicediscovery: client });

      expect(namespace.hostedZoneId).toBe('Z0PRIVATE');
    });
  });

  describe('lookups', () => {
    it('lists namespaces filtered by the exact zone name and the private DNS type', async () => {
      servicediscovery.on(ListNamespacesCommand).resolves({ Namespaces: [ourNamespace] });

      await ensurePrivateNamespace(input, { servicediscovery: client });

      expect(servicediscovery).toHaveReceivedCommandWith(ListNamespacesCommand, {
        Filters: [
          { Name: 'NAME', Values: ['pr-42.shop.internal'], Condition: 'EQ' },
          { Name: 'TYPE', Values: ['DNS_PRIVATE'], Condition: 'EQ' },
        ],
      });
    });

    it('never takes another environment namespace that the listing returned', async () => {
      servicediscovery.on(ListNamespacesCommand).resolves({ Namespaces: [otherEnvironmentNamespace] });
      servicediscovery.on(CreatePrivateDnsNamespaceCommand).resolves({ OperationId: 'op-1' });
      servicediscovery.on(GetOperationCommand).resolves({ Operation: { Id: 'op-1', Status: 'PENDING' } });

      await ensurePrivateNamespace(input, { servicediscovery: client });

      expect(servicediscovery).not.toHaveReceivedCommandWith(GetNamespaceCommand, { Id: 'ns-other' });
      expect(servicediscovery).not.toHaveReceivedCommand(TagResourceCommand);
    });
  });
});
