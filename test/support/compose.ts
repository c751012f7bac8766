/** Compose files the tests expect modeshift to refuse. */
import { ComposeError, type ComposeOptions, composeToRequest } from '../../core/compose.ts';

/** The error composeToRequest refuses `text` with; fails the test when it accepts it. */
export function composeRejection(text: string, options: ComposeOptions): ComposeError {
  try {
    composeToRequest(text, options);
  } catch (error) {
    if (error instanceof ComposeError) return error;
    throw error;
  }
  throw new Error('expected the compose file to be rejected, but it was accepted');
}
