import { DIALECTS } from '../helpers/world.js';
import { describeHostileInput } from './hostile-input.js';

// Every entry against a server on PostgreSQL, when the machine has it (hostile-input.ts).
for (const dialect of DIALECTS.filter((d) => d === 'postgres')) describeHostileInput(dialect);
