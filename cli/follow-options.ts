/** How the CLI follows a deployed app's execution: polling interval (MODESHIFT_POLL_MS) and progress lines. */
import type { FollowOptions } from './follow-execution.ts';
import type { Io } from './io.ts';

export function followOptions(io: Io, quiet: boolean | undefined): FollowOptions {
  const pollMs = Number(io.env.MODESHIFT_POLL_MS ?? 5000);
  return {
    pollMs: Number.isFinite(pollMs) && pollMs >= 0 ? pollMs : 5000,
    ...(quiet ? {} : { onStep: (line: string) => io.stderr(`${line}\n`) }),
  };
}
