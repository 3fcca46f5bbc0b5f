import { describe, expect, it } from 'vitest';
import { contentScanner } from '../../../../../broker/masking/detectors/index.js';

const scanner = contentScanner(['api-token']);
const found = (text: string): string[] => scanner.scan(text).map((h) => text.slice(h.start, h.end));

// Assembled from pieces so secret scanners do not flag this file. None is a real credential.
const t = (...parts: string[]): string => parts.join('');
const STRIPE_LIVE = t('sk', '_live_', '4eC39HqLyjWDarjtT1zdp7dc');
const STRIPE_TEST = t('sk', '_test_', '51H8xYzAbCdEfGhIjKlMn0p');
const STRIPE_RESTRICTED = t('rk', '_live_', '51H8xYzAbCdEfGhIjKlMn0p');
const GITHUB = t('gh', 'p_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8');
const GITHUB_APP = t('gh', 's_', 'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2');
const GITHUB_PAT = t('github', '_pat_', '11ABCDEFG0123456789abc', '_', 'x'.repeat(20), 'Y1z2'.repeat(9), 'abc');
const SLACK = t('xox', 'b-', '123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx');
const OPENAI = t('sk', '-', 'Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90Uv12Wx34');
const OPENAI_PROJECT = t('sk', '-proj-', 'Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56_x-Qr78St90');
const OPAQUE = 'mF_9.B5f-4.1JqM';

describe('api-token detector: finds', () => {
  it.each([
    ['a Stripe live secret key', STRIPE_LIVE],
    ['a Stripe test secret key', STRIPE_TEST],
    ['a Stripe restricted key', STRIPE_RESTRICTED],
    ['a GitHub personal access token', GITHUB],
    ['a GitHub app token', GITHUB_APP],
    ['a GitHub fine-grained token', GITHUB_PAT],
    ['a Slack bot token', SLACK],
    ['an OpenAI-style key', OPENAI],
    ['an OpenAI project key', OPENAI_PROJECT],
  ])('%s', (_label, token) => {
    expect(found(token)).toEqual([token]);
    expect(found(`token: "${token}".`)).toEqual([token]);
  });

  it('bearer tokens, masking the token and keeping the word', () => {
    const token = `${OPAQUE}abcdefghijkl`;
    expect(found(`Authorization: Bearer ${token}`)).toEqual([token]);
    expect(found(`authorization: bearer ${GITHUB}`)).toEqual([GITHUB]);
    expect(scanner.mask(`curl -H "Authorization: Bearer ${token}" https://api.example.com`).text).toBe(
      'curl -H "Authorization: Bearer [masked:api-token]" https://api.example.com',
    );
  });

  it('at the start and at the end of a text, several in one text', () => {
    expect(found(`${STRIPE_LIVE} and ${GITHUB}`)).toEqual([STRIPE_LIVE, GITHUB]);
    expect(found(`STRIPE_KEY=${STRIPE_LIVE}\nGITHUB_TOKEN=${GITHUB}\nSLACK=${SLACK}`)).toEqual([STRIPE_LIVE, GITHUB, SLACK]);
  });

  it('masks the tokens and keeps the surrounding text, unicode included', () => {
    expect(scanner.mask(`clé « ${OPENAI} » 🔐`)).toEqual({ text: 'clé « [masked:api-token] » 🔐', detectors: ['api-token'] });
  });
});

describe('api-token detector: leaves alone', () => {
  it.each([
    ['sk-learn', 'pip install sk-learn scikit-learn'],
    ['a long hyphenated name after sk-', 'sk-some-very-long-hyphenated-package-name'],
    ['sk- inside a word', 'risk-assessment-2024-q1-quarterly-report-final'],
    ['a Stripe publishable key', t('pk', '_live_', '4eC39HqLyjWDarjtT1zdp7dc')],
    ['a Stripe key too short', t('sk', '_live_', 'abc123')],
    ['a GitHub token too short', t('gh', 'p_', 'a1B2c3D4e5F6g7H8i9J0')],
    ['a GitHub-like word', 'ghp_is_the_prefix_of_personal_tokens'],
    ['Slack-like words without digits', 'xoxb-is-the-bot-token-prefix-in-slack'],
    ['xoxo', 'xoxo-hugs-and-kisses-from-everyone'],
    ['the word bearer', 'the bearer of this letter is a friend'],
    ['bearer with a short token', 'Authorization: Bearer abc123'],
    ['bearer with a long lower-case word', 'bearer authenticationisrequiredhere'],
    ['a UUID', '550e8400-e29b-41d4-a716-446655440000'],
    ['a version', 'v1.2.3.4'],
    ['a snake_case identifier', 'sk_live_mode_enabled_for_all_accounts'],
  ])('%s', (_label, text) => {
    expect(found(text)).toEqual([]);
    expect(scanner.mask(text).text).toBe(text);
  });
});
