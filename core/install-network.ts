/**
 * The VPC every deploy of an installation goes into unless its request says
 * otherwise: `MODESHIFT_VPC` when modeshift is deployed, the JSON of a
 * request's `vpc` (`{"id": "vpc-…", "publicSubnets": […], "privateSubnets":
 * […]}`). A request that names its own `vpc` or a `vpcCidr` keeps it. Checked
 * when modeshift is deployed, so a wrong value stops `sst deploy` rather than
 * every deploy.
 */
import type * as z from 'zod/mini';
import { InputError } from './errors.ts';
import { OwnVpcSchema } from './request.ts';
import { problemsFromZod } from './request-validation.ts';

export type InstallVpc = z.output<typeof OwnVpcSchema>;

const VARIABLE = 'MODESHIFT_VPC';

/** The installation's VPC; undefined when `MODESHIFT_VPC` is unset or empty. Throws InputError naming the variable. */
export function installVpc(text: string | undefined): InstallVpc | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError([{ path: VARIABLE, message: `is not JSON: ${(error as Error).message}` }]);
  }
  const parsed = OwnVpcSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw new InputError(problemsFromZod(parsed.error, [VARIABLE]));
  return parsed.data;
}

/** The request detail with the installation's VPC, unless the detail names its network itself. */
export function withInstallVpc(detail: unknown, vpc: InstallVpc | undefined): unknown {
  if (vpc === undefined || detail === null || typeof detail !== 'object' || Array.isArray(detail))
    return detail;
  if ('vpc' in detail || 'vpcCidr' in detail) return detail;
  return { ...detail, vpc };
}
