/**
 * A service's autoscaling: the bounds and the CPU target Application Auto
 * Scaling keeps it within, from the mode's `autoscaling` settings and the
 * service's own `x-modeshift.scaling` (docs/design.md §1).
 *
 * The minimum is the compose file's replicas, so scaling never goes below what
 * was asked for; the maximum is the replicas times `autoscalingMaxFactor`.
 * A service's `scaling` turns autoscaling on in any mode and overrides any
 * bound it names.
 */
import type { Policy } from './policy.ts';

/** A service's own bounds (`x-modeshift.scaling`); `{}` is Defang's `x-defang-autoscaling: true`. */
export interface ScalingBounds {
  readonly min?: number | undefined;
  readonly max?: number | undefined;
  /** Target average CPU, in %. */
  readonly cpu?: number | undefined;
}

/** What a scaled service is registered with. */
export interface ServiceScaling {
  readonly min: number;
  readonly max: number;
  readonly cpuPercent: number;
}

/** The service's autoscaling, or undefined when it has none (the mode's off and it asks for none, or it may run no task). */
export function serviceScaling(
  service: { readonly replicas: number; readonly scaling?: ScalingBounds | undefined },
  policy: Pick<Policy, 'autoscaling' | 'autoscalingCpuPercent' | 'autoscalingMaxFactor'>,
): ServiceScaling | undefined {
  const own = service.scaling;
  if (own === undefined && policy.autoscaling === 'off') return undefined;
  const max = own?.max ?? Math.max(own?.min ?? 0, service.replicas * policy.autoscalingMaxFactor);
  const min = own?.min ?? Math.min(service.replicas, max);
  if (max === 0) return undefined;
  return { min, max, cpuPercent: own?.cpu ?? policy.autoscalingCpuPercent };
}

/** A service's scalable target id (Application Auto Scaling): `service/<cluster>/<service>`. */
export function scalingResourceId(cluster: string, service: string): string {
  return `service/${cluster}/${service}`;
}

/** The count a deploy gives a scaled service: the one it runs now, brought within the bounds. */
export function scaledCount(scaling: ServiceScaling, running: number | undefined): number {
  return Math.min(scaling.max, Math.max(scaling.min, running ?? scaling.min));
}
