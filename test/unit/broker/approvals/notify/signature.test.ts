import { describe, expect, it } from 'vitest';
import { computeSignature, signatureHeader, verifySignature } from '../../../../../broker/approvals/notify/signature.js';

describe('webhook signature (HMAC-SHA256, Stripe-style)', () => {
  const body = '{"id":"dlv_1","type":"approval.requested"}';
  const now = 1_700_000_000;

  it('verifies with the right secret', () => {
    const header = signatureHeader('s3cret', body, now);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature('s3cret', header, body, 300, now)).toBe(true);
    expect(verifySignature('s3cret', header, Buffer.from(body), 300, now)).toBe(true);
  });

  it('signs "<t>.<body>" exactly', async () => {
    const { createHmac } = await import('node:crypto');
    expect(computeSignature('k', 12, 'abc')).toBe(createHmac('sha256', 'k').update('12.abc').digest('hex'));
  });

  it('fails with a wrong secret, a tampered body or a tampered timestamp', () => {
    const header = signatureHeader('s3cret', body, now);
    expect(verifySignature('other', header, body, 300, now)).toBe(false);
    expect(verifySignature('s3cret', header, body.replace('requested', 'decided'), 300, now)).toBe(false);
    expect(verifySignature('s3cret', header.replace(`t=${now}`, `t=${now + 1}`), body, 300, now)).toBe(false);
  });

  it('refuses signatures outside the tolerance (replays)', () => {
    const header = signatureHeader('s3cret', body, now - 301);
    expect(verifySignature('s3cret', header, body, 300, now)).toBe(false);
    expect(verifySignature('s3cret', header, body, 400, now)).toBe(true);
  });

  it('accepts any matching v1 entry (secret rotation) and refuses malformed headers', () => {
    const good = signatureHeader('new', body, now).split(',')[1];
    expect(verifySignature('new', `t=${now},v1=${'0'.repeat(64)},${good}`, body, 300, now)).toBe(true);
    for (const bad of [undefined, null, '', 'garbage', `t=${now}`, `v1=${'a'.repeat(64)}`, `t=${now},v1=abc`, `t=x,${good}`]) {
      expect(verifySignature('new', bad, body, 300, now)).toBe(false);
    }
    expect(verifySignature('', signatureHeader('', body, now), body, 300, now)).toBe(false);
  });
});
