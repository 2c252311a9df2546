/**
 * Crash safety: the server is killed with SIGKILL at random moments under a mixed write load and
 * restarted on the same dirs; nothing acknowledged is lost and nothing unacknowledged shows in part
 * (see tests/helpers/crash-workload.ts). A few cycles here; the system suite runs 200.
 */
import { crashTest } from '../helpers/crash-workload.js';

crashTest(8);
