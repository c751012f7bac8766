/**
 * npm run bench [-- --json] [--scale 0.01] [--latency model.json] [--cold-start-rounds 5] [--out bench/results]
 *
 * Runs the real deploy and down workflows in the local engine on a latency
 * model of AWS (engine/latency-model.ts) for synthetic projects of 1, 10, 50
 * and 200 services in each mode, and prints the critical-path ratios, the
 * orchestration cost against a CodeBuild orchestrator, the limits headroom,
 * the handlers' cold starts and the engine's own speed; writes the scaling
 * curves (CSV and SVG) and the JSON summary to the output folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { scalingCsv, scalingSvg } from '../bench/curves.ts';
import { BENCH_USAGE, BenchUsageError, parseBenchOptions } from '../bench/options.ts';
import { jsonSummary, textReport } from '../bench/report.ts';
import { type BenchSummary, runSuite, TARGETS } from '../bench/suite.ts';

const options = (() => {
  try {
    return parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\nusage: ${BENCH_USAGE}\n`);
    process.exit(2);
  }
})();
const { model } = options;
const progress = (message: string) => {
  if (!options.json) process.stderr.write(`  ${message}\n`);
};
progress(`scale ${model.scale}: one modeled minute takes ${(60 * model.scale).toFixed(2)} s`);

const results = await runSuite({ model, coldStartRounds: options.coldStartRounds, progress });
mkdirSync(options.out, { recursive: true });
const files = {
  csv: join(options.out, 'scaling.csv'),
  svg: join(options.out, 'scaling.svg'),
  json: join(options.out, 'summary.json'),
};
const summary = jsonSummary(results);
writeFileSync(files.csv, scalingCsv(results.runs, results.limits));
writeFileSync(files.svg, scalingSvg(results.runs, results.limits));
writeFileSync(files.json, `${JSON.stringify(summary, null, 2)}\n`);

if (options.json) {
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} else {
  process.stdout.write(
    textReport(
      results,
      Object.values(files).map((file) => relative(process.cwd(), file)),
    ),
  );
  process.stdout.write(`\n${JSON.stringify(headline(summary))}\n`);
}

/** The headline under the table, as one line of JSON: each target's measure, and which are met. */
function headline(summary: BenchSummary) {
  const measures = Object.keys(TARGETS).map((key) => [key, summary[key as keyof typeof TARGETS]]);
  return { ...Object.fromEntries(measures), met: summary.met };
}
