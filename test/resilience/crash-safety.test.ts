import { describeCrashSafety } from './crash-safety.js';

// SQLite, the embedded default: the 5,000 deliveries (crash-safety.ts).
describeCrashSafety('sqlite');
