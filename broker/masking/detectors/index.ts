/** Content detectors: find and mask sensitive values inside any text. */
export { contentScanner } from './scanner.js';
export type { ContentScanner, DetectorHit, MaskedText } from './types.js';
export { luhnValid } from './luhn.js';
export { ibanChecksumValid } from './iban.js';
