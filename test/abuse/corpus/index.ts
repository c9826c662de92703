import type { CorpusEntry, Target } from './entry.js';
import { hesdaEntries } from './hesda.js';
import { licenseApiEntries } from './license-api.js';
import { loginEntries } from './login.js';
import { lynkEntries } from './lynk.js';

export type { BodySpec, CorpusEntry, Expectation, SignatureDirective, StoredText } from './entry.js';

/**
 * Every entry, in the order the runner sends them: some entries depend on earlier ones (a signature
 * accepted once is refused on another body; a repeated Hesda body is counted on the first one's row).
 */
export const CORPUS: readonly CorpusEntry[] = [...lynkEntries, ...hesdaEntries, ...loginEntries, ...licenseApiEntries];

/** How many entries each target has: an edit that drops some fails the count test instead of passing quietly. */
export const CORPUS_SIZES: Readonly<Record<Target, number>> = { lynk: 176, hesda: 137, login: 181, license: 151 };
