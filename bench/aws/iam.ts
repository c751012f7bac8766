/** In-memory IAM: the environment's roles, with their tags, trust policies, boundaries, inline and attached policies. */
import type { CreateRoleCommandInput, Role } from '@aws-sdk/client-iam';
import { awsError, type InMemoryService } from './in-memory-clients.ts';

export function inMemoryIam(): InMemoryService {
  const roles = new Map<string, { role: Role; policies: Map<string, string>; attached: Set<string> }>();
  const found = (name: string | undefined) => {
    const entry = roles.get(name ?? '');
    if (entry === undefined) throw awsError('iam', 'NoSuchEntityException', `role ${name} not found`);
    return entry;
  };
  return {
    CreateRole: (input: CreateRoleCommandInput) => {
      const name = input.RoleName ?? '';
      if (roles.has(name)) throw awsError('iam', 'EntityAlreadyExistsException', `role ${name} exists`);
      const path = input.Path ?? '/';
      const role: Role = {
        RoleName: name,
        Path: path,
        RoleId: `AROA${roles.size}`,
        Arn: `arn:aws:iam::123456789012:role${path}${name}`,
        CreateDate: new Date(0),
        ...(input.AssumeRolePolicyDocument
          ? { AssumeRolePolicyDocument: input.AssumeRolePolicyDocument }
          : {}),
        ...(input.Tags ? { Tags: input.Tags } : {}),
        ...(input.PermissionsBoundary
          ? {
              PermissionsBoundary: {
                PermissionsBoundaryType: 'PermissionsBoundaryPolicy' as const,
                PermissionsBoundaryArn: input.PermissionsBoundary,
              },
            }
          : {}),
      };
      roles.set(name, { role, policies: new Map(), attached: new Set() });
      return { Role: role };
    },
    GetRole: (input: { RoleName?: string }) => ({ Role: found(input.RoleName).role }),
    ListRoles: (input: { PathPrefix?: string }) => ({
      Roles: [...roles.values()]
        .map((entry) => entry.role)
        .filter((role) => (role.Path ?? '/').startsWith(input.PathPrefix ?? '/'))
        .map(({ Tags: _tags, ...listed }) => listed),
    }),
    UpdateAssumeRolePolicy: (input: { RoleName?: string; PolicyDocument?: string }) => {
      const entry = found(input.RoleName);
      entry.role = { ...entry.role, AssumeRolePolicyDocument: input.PolicyDocument };
      return {};
    },
    PutRolePolicy: (input: { RoleName?: string; PolicyName?: string; PolicyDocument?: string }) => {
      found(input.RoleName).policies.set(input.PolicyName ?? '', input.PolicyDocument ?? '');
      return {};
    },
    ListRolePolicies: (input: { RoleName?: string }) => ({
      PolicyNames: [...found(input.RoleName).policies.keys()],
    }),
    DeleteRolePolicy: (input: { RoleName?: string; PolicyName?: string }) => {
      if (!found(input.RoleName).policies.delete(input.PolicyName ?? ''))
        throw awsError('iam', 'NoSuchEntityException', `policy ${input.PolicyName} not found`);
      return {};
    },
    PutRolePermissionsBoundary: (input: { RoleName?: string; PermissionsBoundary?: string }) => {
      const entry = found(input.RoleName);
      entry.role = {
        ...entry.role,
        PermissionsBoundary: {
          PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
          PermissionsBoundaryArn: input.PermissionsBoundary,
        },
      };
      return {};
    },
    ListAttachedRolePolicies: (input: { RoleName?: string }) => ({
      AttachedPolicies: [...found(input.RoleName).attached].map((arn) => ({ PolicyArn: arn })),
    }),
    AttachRolePolicy: (input: { RoleName?: string; PolicyArn?: string }) => {
      found(input.RoleName).attached.add(input.PolicyArn ?? '');
      return {};
    },
    DetachRolePolicy: (input: { RoleName?: string; PolicyArn?: string }) => {
      found(input.RoleName).attached.delete(input.PolicyArn ?? '');
      return {};
    },
    DeleteRole: (input: { RoleName?: string }) => {
      if (found(input.RoleName).policies.size > 0 || found(input.RoleName).attached.size > 0) {
        throw awsError('iam', 'DeleteConflictException', `role ${input.RoleName} still has policies`);
      }
      roles.delete(input.RoleName ?? '');
      return {};
    },
  };
}
