// Crash trials at every Task state of the deploy workflow (see crash-trials.ts).
import { describeCrashTrials } from './crash-trials.ts';

describeCrashTrials('deploy');
