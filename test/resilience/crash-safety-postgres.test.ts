import { DIALECTS } from '../helpers/world.js';
import { describeCrashSafety } from './crash-safety.js';

// PostgreSQL, when the machine has it (REQUIRE_POSTGRES=1 in CI fails the suite without it): crash-safety.ts.
for (const dialect of DIALECTS.filter((d) => d === 'postgres')) describeCrashSafety(dialect);
