/**
 * Deployment waves: services grouped so that each starts only after
 * everything it depends on is stable. Databases are provisioned before the
 * first wave, so a dependency on a database does not add a wave.
 */
export function deploymentWaves(
  services: ReadonlyArray<{ name: string; dependsOn: readonly string[] }>,
): string[][] {
  const byName = new Map(services.map((service) => [service.name, service]));
  const wave = new Map<string, number>();
  const waveOf = (name: string, seen: ReadonlySet<string>): number => {
    const known = wave.get(name);
    if (known !== undefined) return known;
    const service = byName.get(name);
    if (!service || seen.has(name)) return -1;
    const next = new Set(seen).add(name);
    const level = Math.max(-1, ...service.dependsOn.map((dependency) => waveOf(dependency, next))) + 1;
    wave.set(name, level);
    return level;
  };
  const waves: string[][] = [];
  for (const service of services) {
    const level = waveOf(service.name, new Set());
    const names = waves[level] ?? [];
    names.push(service.name);
    waves[level] = names;
  }
  return waves.filter((names) => names.length > 0);
}
