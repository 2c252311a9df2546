/**
 * The PostgreSQL metadata conformance run again in the system suite, where CI has installed
 * PostgreSQL (on a machine without it, the `npm test` run of the same file skips).
 */
import '../tests/conformance/postgres-metadata-store.test.js';
