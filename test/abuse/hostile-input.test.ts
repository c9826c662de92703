import { describeCorpus, describeHostileInput } from './hostile-input.js';

// The corpus, then every entry against a server on SQLite (hostile-input.ts).
describeCorpus();
describeHostileInput('sqlite');
