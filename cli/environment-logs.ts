/**
 * An environment's logs, read from CloudWatch Logs: each service's group
 * (`/modeshift/<project>/<environment>/<service>`, written by the awslogs
 * driver) and, when asked, each image build's group (CodeBuild's default,
 * `/aws/codebuild/<project>`). The lines of every group are merged in time
 * order. Following polls for new lines: each poll reads again from a little
 * before the newest line seen, because CloudWatch can take seconds to make a
 * line searchable, and drops the lines it has already given by event id, so
 * no line is given twice and none that arrives late is missed.
 */
import {
  type CloudWatchLogsClient,
  type FilteredLogEvent,
  paginateDescribeLogGroups,
  paginateFilterLogEvents,
} from '@aws-sdk/client-cloudwatch-logs';
import { serviceNames } from '../core/names.ts';
import { mapConcurrently } from '../functions/bounded-concurrency.ts';

/**
 * CloudWatch Logs answers 5 FilterLogEvents requests a second per account and Region (a quota):
 * the groups are read 4 at a time, and a follow polls each group at most 4 times a second in all.
 */
const CONCURRENT_READS = 4;
const MIN_POLL_MS_PER_GROUP = 250;

/** A log group the command reads, and whose lines it labels with `label`. */
export interface LogSource {
  /** The service's name, or `build:<service>` for its image builds. */
  readonly label: string;
  readonly service: string;
  readonly kind: 'service' | 'build';
  readonly logGroupName: string;
  /** The group's retention, when it has one (none: kept forever). */
  readonly retentionInDays?: number;
  /** Bytes the group holds; 0 for a group nothing has written to yet (CloudWatch updates it within hours). */
  readonly storedBytes?: number;
}

export interface LogLine {
  readonly label: string;
  readonly service: string;
  readonly kind: 'service' | 'build';
  /** Milliseconds since the epoch, as the line was written. */
  readonly timestamp: number;
  readonly message: string;
  readonly logStreamName: string;
  readonly eventId: string;
}

export interface LogSelection {
  readonly project: string;
  readonly environment: string;
  /** Only these services. @default every service with a log group */
  readonly services?: readonly string[];
  /** Include the image builds' logs. @default false */
  readonly builds?: boolean;
}

export interface LogWindow {
  /** From this time (ms since the epoch), inclusive. */
  readonly startTime: number;
  /** Up to this time, inclusive. @default no end */
  readonly endTime?: number;
  /** A CloudWatch Logs filter pattern. @default every line */
  readonly filterPattern?: string;
}

/** What every service's group name starts with: its name with no service. */
const serviceGroupPrefix = (project: string, environment: string) =>
  serviceNames(project, environment, '').logGroup;
/** CodeBuild writes each project's builds to `/aws/codebuild/<project>` unless told otherwise. */
const buildGroupPrefix = (project: string, environment: string) =>
  `/aws/codebuild/${serviceNames(project, environment, '').codeBuildProject}`;

async function groupsWithPrefix(logs: CloudWatchLogsClient, prefix: string) {
  const groups = [];
  for await (const page of paginateDescribeLogGroups({ client: logs }, { logGroupNamePrefix: prefix })) {
    groups.push(...(page.logGroups ?? []));
  }
  return groups;
}

/** The log groups that `selection` names and that exist, services first, each in name order. */
export async function findLogSources(
  logs: CloudWatchLogsClient,
  selection: LogSelection,
): Promise<LogSource[]> {
  const { project, environment } = selection;
  const wanted = selection.services === undefined ? undefined : new Set(selection.services);
  const kinds = [
    { kind: 'service' as const, prefix: serviceGroupPrefix(project, environment) },
    ...(selection.builds ? [{ kind: 'build' as const, prefix: buildGroupPrefix(project, environment) }] : []),
  ];
  const sources: LogSource[] = [];
  for (const { kind, prefix } of kinds) {
    for (const group of await groupsWithPrefix(logs, prefix)) {
      const service = group.logGroupName?.slice(prefix.length) ?? '';
      if (service === '' || service.includes('/')) continue;
      if (wanted !== undefined && !wanted.has(service)) continue;
      sources.push({
        label: kind === 'service' ? service : `build:${service}`,
        service,
        kind,
        logGroupName: group.logGroupName as string,
        ...(group.retentionInDays === undefined ? {} : { retentionInDays: group.retentionInDays }),
        ...(group.storedBytes === undefined ? {} : { storedBytes: group.storedBytes }),
      });
    }
  }
  return sources.sort((a, b) =>
    a.kind === b.kind ? a.label.localeCompare(b.label) : a.kind === 'service' ? -1 : 1,
  );
}

function toLine(source: LogSource, event: FilteredLogEvent): LogLine {
  return {
    label: source.label,
    service: source.service,
    kind: source.kind,
    timestamp: event.timestamp ?? 0,
    message: (event.message ?? '').replace(/\r?\n$/, ''),
    logStreamName: event.logStreamName ?? '',
    eventId: event.eventId ?? `${event.logStreamName}/${event.timestamp}/${event.message}`,
  };
}

/** Time order; lines of the same millisecond keep their group's order, then their stream's. */
function byTime(a: LogLine, b: LogLine): number {
  return (
    a.timestamp - b.timestamp ||
    a.label.localeCompare(b.label) ||
    a.logStreamName.localeCompare(b.logStreamName)
  );
}

/** Every line of `sources` in `window`, merged in time order. The groups are read side by side. */
export async function readLogLines(
  logs: CloudWatchLogsClient,
  sources: readonly LogSource[],
  window: LogWindow,
): Promise<LogLine[]> {
  const perGroup = await mapConcurrently(sources, CONCURRENT_READS, async (source) => {
    const lines: LogLine[] = [];
    for await (const page of paginateFilterLogEvents(
      { client: logs },
      {
        logGroupName: source.logGroupName,
        startTime: window.startTime,
        ...(window.endTime === undefined ? {} : { endTime: window.endTime }),
        ...(window.filterPattern === undefined ? {} : { filterPattern: window.filterPattern }),
      },
    )) {
      for (const event of page.events ?? []) lines.push(toLine(source, event));
    }
    return lines;
  });
  return perGroup.flat().sort(byTime);
}

export interface FollowLogOptions {
  /** Between polls; at least 250 ms for each group read, to stay within CloudWatch's request rate. @default 2000 */
  readonly pollMs?: number;
  /**
   * How far before the newest line seen each poll reads again, for lines CloudWatch makes
   * searchable late. @default 30000
   */
  readonly lookbackMs?: number;
  /** Stops following (the CLI aborts on Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Finds the groups again on each poll, so a service deployed meanwhile is followed too. */
  readonly findSources: () => Promise<readonly LogSource[]>;
  /** Waits between polls. @default a timer that `signal` cuts short */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The lines of the groups from `window.startTime` on, as they arrive: a batch per poll, in time
 * order within it, until `signal` aborts. A line is given once, even when polls overlap.
 */
export async function* followLogLines(
  logs: CloudWatchLogsClient,
  window: LogWindow,
  options: FollowLogOptions,
): AsyncGenerator<LogLine[]> {
  const { pollMs = 2000, lookbackMs = 30_000, signal, sleep = abortableSleep } = options;
  const seen = new Map<string, number>();
  let newest = window.startTime;
  while (!signal?.aborted) {
    const sources = await options.findSources();
    const from = Math.max(window.startTime, newest - lookbackMs);
    const lines = await readLogLines(logs, sources, { ...window, startTime: from });
    const fresh = lines.filter((line) => !seen.has(`${line.label}/${line.eventId}`));
    for (const line of fresh) {
      seen.set(`${line.label}/${line.eventId}`, line.timestamp);
      newest = Math.max(newest, line.timestamp);
    }
    for (const [key, timestamp] of seen) if (timestamp < newest - lookbackMs) seen.delete(key);
    if (fresh.length > 0 && !signal?.aborted) yield fresh;
    await sleep(Math.max(pollMs, sources.length * MIN_POLL_MS_PER_GROUP), signal);
  }
}
