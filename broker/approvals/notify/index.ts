/** Approval notifications: signed generic webhooks and Slack incoming webhooks. */
export { Notifier, STOPPING, type DeliveryFailure, type DeliverySuccess, type NotifierOptions } from './notifier.js';
export { targetsFor, ruleTargetsFromRules, type RuleTargets } from './routing.js';
export { verifySignature, signatureHeader, computeSignature, SIGNATURE_HEADER } from './signature.js';
export { buildSlackMessage, type SlackMessage, type SlackBlock } from './slack-message.js';
export { escapeMrkdwn } from './slack-text.js';
export type { WebhookBody } from './delivery-request.js';
