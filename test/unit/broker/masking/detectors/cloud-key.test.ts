import { describe, expect, it } from 'vitest';
import { contentScanner } from '../../../../../broker/masking/detectors/index.js';

const scanner = contentScanner(['cloud-key']);
const found = (text: string): string[] => scanner.scan(text).map((h) => text.slice(h.start, h.end));

// Assembled from pieces so secret scanners do not flag this file; AWS's own documentation
// examples where there are some. None is a real credential.
const AWS_ID = ['AKIA', 'IOSFODNN7EXAMPLE'].join('');
const AWS_TEMP_ID = ['ASIA', 'Y34FZKBOKMUTVV7A'].join('');
const AWS_SECRET = ['wJalrXUtnFEMI', '/K7MDENG/bPxRfiCY', 'EXAMPLEKEY'].join('');
const GOOGLE = ['AIza', 'SyB-fake_key_0123456789abcdefghijkl'].join('');
const AZURE = `${'Zm9vYmFyYmF6cXV4'.repeat(5)}ABCDEF==`;

describe('cloud-key detector: finds', () => {
  it('fixtures have the real formats', () => {
    expect(AWS_ID).toHaveLength(20);
    expect(AWS_SECRET).toHaveLength(40);
    expect(GOOGLE).toHaveLength(39);
    expect(AZURE).toHaveLength(88);
  });

  it.each([
    ['an AWS access key id', AWS_ID],
    ['an AWS temporary access key id', AWS_TEMP_ID],
    ['a Google API key', GOOGLE],
  ])('%s', (_label, key) => {
    expect(found(key)).toEqual([key]);
    expect(found(`key: ${key}.`)).toEqual([key]);
  });

  it('AWS secret keys when labelled, in the usual file formats, masking only the value', () => {
    expect(found(`aws_secret_access_key = ${AWS_SECRET}`)).toEqual([AWS_SECRET]);
    expect(found(`export AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`)).toEqual([AWS_SECRET]);
    expect(found(`{"AccessKeyId":"${AWS_TEMP_ID}","SecretAccessKey":"${AWS_SECRET}"}`)).toEqual([AWS_TEMP_ID, AWS_SECRET]);
    expect(found(`secret-access-key: '${AWS_SECRET}'`)).toEqual([AWS_SECRET]);
  });

  it('Azure storage keys in connection strings', () => {
    const conn = `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${AZURE};EndpointSuffix=core.windows.net`;
    expect(found(conn)).toEqual([AZURE]);
    expect(found(`Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=${AZURE}`)).toEqual([AZURE]);
  });

  it('at the start and at the end of a text, several in one text', () => {
    expect(found(`${AWS_ID} then ${GOOGLE}`)).toEqual([AWS_ID, GOOGLE]);
  });

  it('masks the keys and keeps the surrounding text, unicode included', () => {
    expect(scanner.mask(`clé ${AWS_ID} — aws_secret_access_key=${AWS_SECRET} ✓`)).toEqual({
      text: 'clé [masked:cloud-key] — aws_secret_access_key=[masked:cloud-key] ✓', detectors: ['cloud-key'],
    });
  });
});

describe('cloud-key detector: leaves alone', () => {
  it.each([
    ['an AWS key id one character short', AWS_ID.slice(0, -1)],
    ['an AWS key id one character long', `${AWS_ID}X`],
    ['an AWS key id inside a word', `X${AWS_ID}`],
    ['lower case', AWS_ID.toLowerCase()],
    ['another AWS id prefix (a user, not a key)', ['AIDA', 'IOSFODNN7EXAMPLE'].join('')],
    ['a Google key one character short', GOOGLE.slice(0, -1)],
    ['an unlabelled 40-character base64 string', `value ${AWS_SECRET}`],
    ['a labelled secret of the wrong length', `aws_secret_access_key=${AWS_SECRET.slice(0, 30)}`],
    ['a short AccountKey', 'AccountName=acme;AccountKey=c2hvcnQ=;'],
    ['an account name', 'DefaultEndpointsProtocol=https;AccountName=acme;EndpointSuffix=core.windows.net'],
    ['a UUID', '550e8400-e29b-41d4-a716-446655440000'],
    ['a hex id', 'AKIA0123456789abcdef0123456789abcdef'],
  ])('%s', (_label, text) => {
    expect(found(text)).toEqual([]);
    expect(scanner.mask(text).text).toBe(text);
  });
});
