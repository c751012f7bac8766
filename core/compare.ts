/**
 * The three modes side by side for one compose file: the settings that
 * differ, the resources that exist in some modes only, what down does where
 * it differs, and each mode's estimated monthly cost. Pure: it compares plans,
 * so `plan --compare` shows what choosing a mode changes before anything runs.
 */
import { type Assumptions, DEFAULT_ASSUMPTIONS, estimateCost, type ModeEstimate } from './estimate.ts';
import { type PlannedResource, planDeployment, type SettingValue } from './plan.ts';
import {
  MODES,
  type Mode,
  type ResolvedPolicy,
  SETTING_LABELS,
  SETTING_NAMES,
  type SettingName,
} from './policy.ts';
import type { PriceTable } from './prices.ts';
import type { DeployRequest } from './request.ts';

/** One mode's validated request and resolved policy (requests are validated per mode). */
export interface ModeInput {
  readonly request: DeployRequest;
  readonly resolved: ResolvedPolicy;
}

export type PerMode<T> = Readonly<Record<Mode, T>>;

export interface SettingDifference {
  readonly setting: SettingName;
  readonly label: string;
  readonly values: PerMode<SettingValue>;
}

/** A resource some modes create and others do not. */
export interface ResourceDifference {
  readonly type: string;
  readonly name: string;
  readonly present: PerMode<boolean>;
}

/** A resource whose fate on down depends on the mode; undefined where the mode has no such resource. */
export interface DownDifference {
  readonly type: string;
  readonly name: string;
  readonly onDown: PerMode<PlannedResource['onDown'] | undefined>;
}

export interface ModeComparison {
  readonly settings: readonly SettingDifference[];
  readonly resources: readonly ResourceDifference[];
  readonly onDown: readonly DownDifference[];
  readonly estimates: PerMode<ModeEstimate>;
}

const key = (resource: Pick<PlannedResource, 'type' | 'name'>) => `${resource.type} ${resource.name}`;

function perMode<T>(value: (mode: Mode) => T): PerMode<T> {
  return { development: value('development'), staging: value('staging'), production: value('production') };
}

function same(a: SettingValue, b: SettingValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Compares the three modes; `inputs` holds each mode's request, loaded for that mode. */
export function compareModes(
  inputs: PerMode<ModeInput>,
  prices: PriceTable,
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
): ModeComparison {
  const settings = SETTING_NAMES.flatMap((setting): SettingDifference[] => {
    const values = perMode((mode) => inputs[mode].resolved.policy[setting]);
    return MODES.every((mode) => same(values[mode], values.development))
      ? []
      : [{ setting, label: SETTING_LABELS[setting], values }];
  });

  const plans = perMode((mode) => planDeployment(inputs[mode].request, inputs[mode].resolved));
  const byKey = perMode((mode) => new Map(plans[mode].resources.map((r) => [key(r), r] as const)));
  // Every resource once, in the order the first mode that has it plans it.
  const all = new Map<string, PlannedResource>();
  for (const mode of MODES) for (const resource of plans[mode].resources) all.set(key(resource), resource);
  const ordered = [...all.values()];

  const resources = ordered.flatMap((resource): ResourceDifference[] => {
    const present = perMode((mode) => byKey[mode].has(key(resource)));
    return MODES.every((mode) => present[mode])
      ? []
      : [{ type: resource.type, name: resource.name, present }];
  });

  const onDown = ordered.flatMap((resource): DownDifference[] => {
    const fate = perMode((mode) => byKey[mode].get(key(resource))?.onDown);
    const seen = new Set(MODES.flatMap((mode) => (fate[mode] === undefined ? [] : [fate[mode]])));
    return seen.size > 1 ? [{ type: resource.type, name: resource.name, onDown: fate }] : [];
  });

  const estimates = perMode((mode) =>
    estimateCost(inputs[mode].request, inputs[mode].resolved, prices, assumptions),
  );
  return { settings, resources, onDown, estimates };
}
