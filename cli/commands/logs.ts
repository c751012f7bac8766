/**
 * `modeshift logs`: an environment's services' lines from CloudWatch Logs,
 * merged in time order, each prefixed with its service (coloured on a
 * terminal); `--follow` keeps polling until Ctrl-C (cli/environment-logs.ts).
 * What is missing is said on standard error, not as a failure: a service with
 * no logs yet, a window with no lines, lines past the group's retention.
 */
import { styleText } from 'node:util';
import {
  type CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  InvalidParameterException,
} from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.ts';
import { serviceNames } from '../../core/names.ts';
import { parseDownRequest, ServiceNameSchema } from '../../core/request.ts';
import { readEnvironment } from '../../local/records.ts';
import { openReadTarget } from '../aws-target.ts';
import { CommandFailedError } from '../command-failed.ts';
import {
  findLogSources,
  followLogLines,
  type LogLine,
  type LogSelection,
  type LogSource,
  readLogLines,
} from '../environment-logs.ts';
import { addEnvironmentOptions, type EnvironmentCommandOptions, projectOf } from '../environment-options.ts';
import type { Io } from '../io.ts';
import { parseTimeBound } from '../time-bound.ts';

interface LogsOptions extends EnvironmentCommandOptions {
  service?: string[];
  since: string;
  until?: string;
  follow?: boolean;
  filter?: string;
  builds?: boolean;
}

const DAY_MS = 86_400_000;
const COLOURS = ['cyan', 'green', 'yellow', 'magenta', 'blue', 'red'] as const;

export function registerLogs(program: Command, io: Io) {
  addEnvironmentOptions(
    program
      .command('logs')
      .description("an environment's services' log lines from CloudWatch Logs, merged in time order")
      .option('--service <name...>', 'only these services (default: every service)')
      .option('--since <10m|ISO time>', 'from this long ago, or from this time', '10m')
      .option('--until <10m|ISO time>', 'up to this long ago, or up to this time (default: now)')
      .option('--follow', 'keep printing new lines until Ctrl-C')
      .option('--filter <pattern>', 'only lines matching this CloudWatch Logs filter pattern')
      .option('--builds', "include the image builds' logs (CodeBuild), labelled build:<service>"),
  ).action(async (options: LogsOptions) => {
    const { project, environment } = parseDownRequest({
      project: projectOf(options, io),
      environment: options.env,
    });
    const now = io.now();
    const window = windowOf(options, now);
    const services = options.service?.map((name, index) => serviceOf(name, index));
    const target = await openReadTarget(options.endpoint, io);
    try {
      const logs = target.clients('cloudwatchlogs') as CloudWatchLogsClient;
      const selection: LogSelection = {
        project,
        environment,
        ...(services === undefined ? {} : { services }),
        builds: options.builds === true,
      };
      const sources = await findLogSources(logs, selection);
      const say = (line: string) => io.stderr(`${line}\n`);
      if (sources.length === 0) {
        const record = await readEnvironment(
          target.clients('dynamodb') as DynamoDBClient,
          target.tableName,
          project,
          environment,
        );
        if (record === undefined)
          throw new CommandFailedError(`no environment ${project}/${environment} at ${target.where}`);
        if (services === undefined) {
          say(
            record.status === 'down'
              ? `${project}/${environment} was taken down${record.downAt ? ` at ${record.downAt}` : ''}: its log groups went with it`
              : `${project}/${environment} has no logs yet: no service has a log group`,
          );
          return;
        }
      }
      for (const service of services ?? []) {
        if (!sources.some((source) => source.service === service && source.kind === 'service'))
          say(
            `${service}: no logs yet (no log group ${serviceNames(project, environment, service).logGroup})`,
          );
      }
      if (sources.length === 0) return;
      for (const note of retentionNotes(sources, window.startTime, now)) say(note);
      const print = linePrinter(sources, options.json === true, colourOn(io));
      const query = {
        startTime: window.startTime,
        ...(window.endTime === undefined ? {} : { endTime: window.endTime }),
        ...(options.filter === undefined ? {} : { filterPattern: options.filter }),
      };
      try {
        if (options.follow) {
          await follow(io, logs, query, () => findLogSources(logs, selection), print);
          return;
        }
        const lines = await readLogLines(logs, sources, query);
        for (const line of lines) io.stdout(print(line));
        if (lines.length === 0) {
          say(
            `no log lines from ${new Date(window.startTime).toISOString()} to ${new Date(window.endTime ?? now.getTime()).toISOString()}${options.filter === undefined ? '' : ` matching ${JSON.stringify(options.filter)}`}`,
          );
          for (const note of await notYetWritten(logs, sources)) say(note);
        }
      } catch (error) {
        if (error instanceof InvalidParameterException && options.filter !== undefined)
          throw new InputError([
            { path: '--filter', message: `CloudWatch Logs refused the pattern: ${error.message}` },
          ]);
        throw error;
      }
    } finally {
      await target.close();
    }
  });
}

function windowOf(options: LogsOptions, now: Date): { startTime: number; endTime?: number } {
  const startTime = parseTimeBound(options.since, '--since', now);
  if (options.until === undefined) return { startTime };
  if (options.follow)
    throw new InputError([
      { path: '--until', message: 'cannot be combined with --follow, which has no end' },
    ]);
  const endTime = parseTimeBound(options.until, '--until', now);
  if (endTime < startTime)
    throw new InputError([
      {
        path: '--until',
        message: `${new Date(endTime).toISOString()} is before --since (${new Date(startTime).toISOString()})`,
      },
    ]);
  return { startTime, endTime };
}

function serviceOf(name: string, index: number): string {
  const parsed = ServiceNameSchema.safeParse(name);
  if (!parsed.success)
    throw new InputError([
      { path: `--service[${index}]`, message: `${JSON.stringify(name)}: ${parsed.error.issues[0]?.message}` },
    ]);
  return parsed.data;
}

/** A group whose retention ends after the window starts has lost the window's first lines. */
function retentionNotes(sources: readonly LogSource[], startTime: number, now: Date): string[] {
  return sources.flatMap((source) => {
    if (source.retentionInDays === undefined) return [];
    const cutoff = now.getTime() - source.retentionInDays * DAY_MS;
    if (startTime >= cutoff) return [];
    return [
      `${source.label}: logs are kept ${source.retentionInDays} day${source.retentionInDays === 1 ? '' : 's'}; lines before ${new Date(cutoff).toISOString()} are gone`,
    ];
  });
}

/** The groups no line has been written to yet (no stream), said as such. */
async function notYetWritten(logs: CloudWatchLogsClient, sources: readonly LogSource[]): Promise<string[]> {
  const empty = await Promise.all(
    sources.map(async (source) => {
      const { logStreams = [] } = await logs.send(
        new DescribeLogStreamsCommand({ logGroupName: source.logGroupName, limit: 1 }),
      );
      return logStreams.length === 0 ? [`${source.label}: no logs yet`] : [];
    }),
  );
  return empty.flat();
}

function colourOn(io: Io): boolean {
  return io.stdoutIsTTY === true && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
}

/**
 * One line of output: `label | time message`, the labels of every group read padded alike (so
 * columns hold while following); or one JSON object. The caller decides on colour (a terminal,
 * no NO_COLOR), so styleText is told not to check the process's own stream.
 */
export function linePrinter(
  sources: readonly LogSource[],
  json: boolean,
  colour: boolean,
): (line: LogLine) => string {
  const width = Math.max(...sources.map((source) => source.label.length));
  const colours = new Map(sources.map((source, index) => [source.label, COLOURS[index % COLOURS.length]]));
  return function printLine(line) {
    const time = new Date(line.timestamp).toISOString();
    if (json)
      return `${JSON.stringify({ time, service: line.service, source: line.kind, message: line.message, logStream: line.logStreamName, eventId: line.eventId })}\n`;
    const prefix = `${line.label.padEnd(width)} |`;
    const shown = colour
      ? styleText(colours.get(line.label) ?? 'cyan', prefix, { validateStream: false })
      : prefix;
    return `${shown} ${time} ${line.message}\n`;
  };
}

async function follow(
  io: Io,
  logs: CloudWatchLogsClient,
  query: { startTime: number; filterPattern?: string },
  findSources: () => Promise<readonly LogSource[]>,
  print: (line: LogLine) => string,
) {
  const stop = new AbortController();
  const stopListening = io.onInterrupt?.(() => stop.abort()) ?? (() => {});
  const pollMs = Number(io.env.MODESHIFT_LOGS_POLL_MS ?? 2000);
  try {
    for await (const batch of followLogLines(logs, query, {
      findSources,
      signal: stop.signal,
      pollMs: Number.isFinite(pollMs) && pollMs >= 0 ? pollMs : 2000,
    })) {
      for (const line of batch) io.stdout(print(line));
    }
  } finally {
    stopListening();
  }
}
