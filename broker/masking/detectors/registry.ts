/** Every detector by name. */
import type { DetectorName } from '../types.js';
import { apiTokenDetector } from './api-token.js';
import { cardDetector } from './card.js';
import { cloudKeyDetector } from './cloud-key.js';
import { emailDetector } from './email.js';
import { ibanDetector } from './iban.js';
import { jwtDetector } from './jwt.js';
import { phoneDetector } from './phone.js';
import { privateKeyDetector } from './private-key.js';
import { ssnDetector } from './ssn.js';
import type { Detector } from './types.js';

export const DETECTOR_IMPLEMENTATIONS: Readonly<Record<DetectorName, Detector>> = {
  card: cardDetector,
  ssn: ssnDetector,
  email: emailDetector,
  phone: phoneDetector,
  iban: ibanDetector,
  jwt: jwtDetector,
  'cloud-key': cloudKeyDetector,
  'api-token': apiTokenDetector,
  'private-key': privateKeyDetector,
};
