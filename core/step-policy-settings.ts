/**
 * The policy settings a Lambda step reads, found in its code: the step's own
 * file in functions/steps/ (named after the step, `EnsureDatabase` →
 * `ensure-database.ts`) and the step files it imports code from (`./x.ts`,
 * transitively; `import type` carries no code) are read for
 * `policy.<setting>`. A step that is given the whole policy
 * (`"policy.$": "$.policy"`) shows in the ASL only that it gets all of it;
 * its code says which settings drive it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SETTING_NAMES, type SettingName } from './policy.ts';

const STEPS_FOLDER = new URL('../functions/steps/', import.meta.url);

const cache = new Map<string, readonly SettingName[]>();

/** `EnsureNatGateways` → `ensure-nat-gateways.ts`. */
export function stepFileName(step: string): string {
  return `${step.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}.ts`;
}

/** The step's file and the step files it imports code from, with their text. */
function stepSources(file: string, seen = new Map<string, string>()): Map<string, string> {
  const url = new URL(file, STEPS_FOLDER);
  if (seen.has(file) || !existsSync(url)) return seen;
  const source = readFileSync(url, 'utf8');
  seen.set(file, source);
  for (const match of source.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'\.\/([\w-]+\.ts)'/gm))
    if (match[1]) stepSources(match[1], seen);
  return seen;
}

/** The settings a step's code reads, in the policy's order; none when there is no such step file. */
export function stepPolicySettings(step: string): readonly SettingName[] {
  const cached = cache.get(step);
  if (cached) return cached;
  const read = new Set<string>();
  for (const source of stepSources(stepFileName(step)).values())
    for (const match of source.matchAll(/\bpolicy\.([A-Za-z]+)\b/g)) if (match[1]) read.add(match[1]);
  const settings = SETTING_NAMES.filter((name) => read.has(name));
  cache.set(step, settings);
  return settings;
}
