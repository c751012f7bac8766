// Crash trials at every Task state of the down workflow (see crash-trials.ts).
import { describeCrashTrials } from './crash-trials.ts';

describeCrashTrials('down');
