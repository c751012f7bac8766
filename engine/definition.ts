/**
 * Reading a state machine definition given as JSON text or as an object:
 * the engine's boundary, where JSON becomes the ASL model (core/asl.ts).
 */
import { isJsonObject, type Machine } from '../core/asl.ts';
import { DefinitionError } from './errors.ts';

/** Reads a definition given as JSON text or as an object; never returns the caller's object. */
export function parseDefinition(definition: string | object): Machine {
  let parsed: unknown;
  try {
    parsed = typeof definition === 'string' ? JSON.parse(definition) : structuredClone(definition);
  } catch (error) {
    throw new DefinitionError([`definition is not JSON: ${(error as Error).message}`]);
  }
  if (!isJsonObject(parsed) || !isJsonObject(parsed.States) || typeof parsed.StartAt !== 'string') {
    throw new DefinitionError(['definition needs "StartAt" (a string) and "States" (an object)']);
  }
  // Checked as far as running needs; the lint (lint.ts) and the library check the rest.
  return parsed as unknown as Machine;
}
