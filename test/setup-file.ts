import { afterAll } from 'vitest';
import { settleWorldDrops } from './helpers/world-drops.js';

// Runs in every test file: the schemas of its closed worlds are all dropped before the file ends.
afterAll(settleWorldDrops);
