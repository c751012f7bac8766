/**
 * The down request: the detail of a `Down Requested` event (docs/design.md §3),
 * also what an environment's expiry schedule sends.
 */
import * as z from 'zod/mini';
import {
  DeploymentIdSchema,
  EnvironmentNameSchema,
  ProjectNameSchema,
  parseWith,
} from './request-validation.ts';

export const DownRequestSchema = z.strictObject({
  project: ProjectNameSchema,
  environment: EnvironmentNameSchema,
  deploymentId: z.optional(DeploymentIdSchema),
  /** Must equal the environment's name to take down a production environment. */
  confirm: z.optional(z.string().check(z.maxLength(64))),
});

export type DownRequest = z.output<typeof DownRequestSchema>;

/** Validates the detail of a `Down Requested` event; throws RequestValidationError. */
export function parseDownRequest(input: unknown): DownRequest {
  return parseWith(DownRequestSchema, input);
}
