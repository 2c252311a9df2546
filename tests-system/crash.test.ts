/** The crash-safety cycle at full strength: 200 SIGKILLs (CRASH_ITERATIONS to change). */
import { crashTest } from '../tests/helpers/crash-workload.js';

crashTest(200);
