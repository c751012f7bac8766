// Fault injection at every Task state of the down workflow (see fault-injection.ts).
import { describeFaultInjection } from './fault-injection.ts';

describeFaultInjection('down');
