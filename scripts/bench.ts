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
import { parseArgs } from 'node:util';
import { scalingCsv, scalingSvg } from '../bench/curves.ts';
import { jsonSummary, textReport } from '../bench/report.ts';
import { runSuite } from '../bench/suite.ts';
import { DEFAULT_LATENCY_MODEL, latencyModel, loadLatencyModel } from '../engine/latency-model.ts';

/** A full run takes about two minutes on two cores at this scale; smaller scales magnify the engine's own work. */
const DEFAULT_SCALE = 0.01;

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    scale: { type: 'string' },
    latency: { type: 'string' },
    'cold-start-rounds': { type: 'string', default: '5' },
    out: { type: 'string', default: 'bench/results' },
  },
});

const base = values.latency ? loadLatencyModel(values.latency) : DEFAULT_LATENCY_MODEL;
const model = latencyModel(
  { scale: values.scale ? Number(values.scale) : values.latency ? base.scale : DEFAULT_SCALE },
  base,
);
const progress = (message: string) => {
  if (!values.json) process.stderr.write(`  ${message}\n`);
};
progress(`scale ${model.scale}: one modeled minute takes ${(60 * model.scale).toFixed(2)} s`);

const results = await runSuite({ model, coldStartRounds: Number(values['cold-start-rounds']), progress });
mkdirSync(values.out, { recursive: true });
const files = {
  csv: join(values.out, 'scaling.csv'),
  svg: join(values.out, 'scaling.svg'),
  json: join(values.out, 'summary.json'),
};
const summary = jsonSummary(results);
writeFileSync(files.csv, scalingCsv(results.runs, results.limits));
writeFileSync(files.svg, scalingSvg(results.runs, results.limits));
writeFileSync(files.json, `${JSON.stringify(summary, null, 2)}\n`);

if (values.json) {
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} else {
  process.stdout.write(
    textReport(
      results,
      Object.values(files).map((file) => relative(process.cwd(), file)),
    ),
  );
  process.stdout.write(`\n${JSON.stringify(pick(summary))}\n`);
}

/** The headline keys, printed under the table as one line of JSON. */
function pick(all: ReturnType<typeof jsonSummary>) {
  const {
    criticalPathRatio,
    orchestrationCostRatio,
    maxServicesWithinLimits,
    coldStartInitRatio,
    engine200ServicesSeconds,
    met,
  } = all;
  return {
    criticalPathRatio,
    orchestrationCostRatio,
    maxServicesWithinLimits,
    coldStartInitRatio,
    engine200ServicesSeconds,
    met,
  };
}
