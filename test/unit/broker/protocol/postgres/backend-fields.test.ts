import { describe, expect, it } from 'vitest';
import {
  readAuthentication,
  readBackendKeyData,
  readCommandCompleteTag,
  readErrorFields,
  readParameterStatus,
  readReadyForQueryStatus,
  rowsFromCommandTag,
} from '../../../../../broker/protocol/postgres/backend-fields.js';
import { ProtocolError } from '../../../../../broker/protocol/postgres/protocol-error.js';
import { cstr, frame, int32 } from '../../../../support/pg-bytes.js';

function malformed(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a ProtocolError').toBeInstanceOf(ProtocolError);
  expect((caught as ProtocolError).code).toBe('malformed');
}

describe('readReadyForQueryStatus', () => {
  it.each(['I', 'T', 'E'] as const)('reads %s', (s) => {
    expect(readReadyForQueryStatus(frame('Z', s))).toBe(s);
  });

  it('rejects unknown statuses, empty and long bodies, wrong codes', () => {
    malformed(() => readReadyForQueryStatus(frame('Z', 'X')));
    malformed(() => readReadyForQueryStatus(frame('Z')));
    malformed(() => readReadyForQueryStatus(frame('Z', 'II')));
    malformed(() => readReadyForQueryStatus(frame('z', 'I')));
  });
});

describe('readCommandCompleteTag and rowsFromCommandTag', () => {
  it('reads the tag', () => {
    expect(readCommandCompleteTag(frame('C', cstr('INSERT 0 5')))).toBe('INSERT 0 5');
    malformed(() => readCommandCompleteTag(frame('C', 'SELECT 1')));
    malformed(() => readCommandCompleteTag(frame('C', cstr('SELECT 1'), [0])));
  });

  it.each([
    ['INSERT 0 5', 5],
    ['INSERT 0 0', 0],
    ['INSERT 16385 1', 1],
    ['UPDATE 3', 3],
    ['DELETE 0', 0],
    ['SELECT 10', 10],
    ['MERGE 7', 7],
    ['MOVE 2', 2],
    ['FETCH 100', 100],
    ['COPY 12345678901', 12345678901],
  ] as const)('%s → %i', (tag, rows) => {
    expect(rowsFromCommandTag(tag)).toBe(rows);
  });

  it.each(['BEGIN', 'COMMIT', 'CREATE TABLE', 'SET', 'SELECT', 'INSERT 5', 'UPDATE x', 'UPDATE -1', 'UPDATE 1 2', 'select 1', '', 'DROP TABLE 1', 'INSERT a 5'])(
    '%j → null',
    (tag) => {
      expect(rowsFromCommandTag(tag)).toBeNull();
    },
  );
});

describe('readParameterStatus', () => {
  it('reads name and value', () => {
    expect(readParameterStatus(frame('S', cstr('client_encoding'), cstr('UTF8')))).toEqual({ name: 'client_encoding', value: 'UTF8' });
    expect(readParameterStatus(frame('S', cstr('application_name'), cstr('ünï')))).toEqual({ name: 'application_name', value: 'ünï' });
  });

  it('rejects missing values and trailing bytes', () => {
    malformed(() => readParameterStatus(frame('S', cstr('a'))));
    malformed(() => readParameterStatus(frame('S', cstr('a'), 'b')));
    malformed(() => readParameterStatus(frame('S', cstr('a'), cstr('b'), [0])));
  });
});

describe('readBackendKeyData', () => {
  it('reads a 3.0 key and a 3.2 key (copied)', () => {
    const f = frame('K', int32(4242), [1, 2, 3, 4]);
    const r = readBackendKeyData(f);
    expect(r).toEqual({ processId: 4242, secretKey: Buffer.from([1, 2, 3, 4]) });
    f.fill(0);
    expect(r.secretKey).toEqual(Buffer.from([1, 2, 3, 4]));
    expect(readBackendKeyData(frame('K', int32(-1), Buffer.alloc(32, 5)))).toEqual({ processId: -1, secretKey: Buffer.alloc(32, 5) });
  });

  it('rejects short and long keys', () => {
    malformed(() => readBackendKeyData(frame('K', int32(1), [1, 2, 3])));
    malformed(() => readBackendKeyData(frame('K', int32(1), Buffer.alloc(257))));
    malformed(() => readBackendKeyData(frame('K', [0, 0])));
  });
});

describe('readErrorFields', () => {
  const err = frame('E', 'S', cstr('ERROR'), 'V', cstr('ERROR'), 'C', cstr('42P01'), 'M', cstr('relation "x" does not exist'), 'P', cstr('15'), [0]);

  it('reads every field by letter', () => {
    expect(readErrorFields(err)).toEqual(
      new Map([['S', 'ERROR'], ['V', 'ERROR'], ['C', '42P01'], ['M', 'relation "x" does not exist'], ['P', '15']]),
    );
  });

  it('reads NoticeResponse too', () => {
    expect(readErrorFields(frame('N', 'S', cstr('NOTICE'), 'M', cstr('hi'), [0])).get('M')).toBe('hi');
  });

  it('reads an empty field list', () => {
    expect(readErrorFields(frame('E', [0])).size).toBe(0);
  });

  it('rejects a missing terminator, unterminated values, trailing bytes, other codes', () => {
    malformed(() => readErrorFields(frame('E', 'S', cstr('ERROR'))));
    malformed(() => readErrorFields(frame('E', 'S', 'ERROR')));
    malformed(() => readErrorFields(frame('E', 'S', cstr('ERROR'), [0, 0])));
    malformed(() => readErrorFields(frame('E')));
    malformed(() => readErrorFields(frame('Z', [0])));
  });
});

describe('readAuthentication', () => {
  it('reads ok and cleartext', () => {
    expect(readAuthentication(frame('R', int32(0)))).toEqual({ type: 'ok' });
    expect(readAuthentication(frame('R', int32(3)))).toEqual({ type: 'cleartext' });
  });

  it('reads md5 with its 4-byte salt (copied)', () => {
    const f = frame('R', int32(5), [9, 8, 7, 6]);
    const r = readAuthentication(f);
    expect(r).toEqual({ type: 'md5', salt: Buffer.from([9, 8, 7, 6]) });
    f.fill(0);
    expect(r).toEqual({ type: 'md5', salt: Buffer.from([9, 8, 7, 6]) });
  });

  it('reads the SASL mechanism list', () => {
    expect(readAuthentication(frame('R', int32(10), cstr('SCRAM-SHA-256-PLUS'), cstr('SCRAM-SHA-256'), [0]))).toEqual({
      type: 'sasl',
      mechanisms: ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'],
    });
  });

  it('reads SASL continue and final data', () => {
    expect(readAuthentication(frame('R', int32(11), 'r=abc,s=xyz,i=4096'))).toEqual({ type: 'sasl-continue', data: Buffer.from('r=abc,s=xyz,i=4096') });
    expect(readAuthentication(frame('R', int32(12), 'v=sig'))).toEqual({ type: 'sasl-final', data: Buffer.from('v=sig') });
  });

  it('reports other requests as unsupported with their code', () => {
    expect(readAuthentication(frame('R', int32(7)))).toEqual({ type: 'unsupported', code: 7 });
    expect(readAuthentication(frame('R', int32(9), 'x'))).toEqual({ type: 'unsupported', code: 9 });
    expect(readAuthentication(frame('R', int32(99)))).toEqual({ type: 'unsupported', code: 99 });
  });

  it('rejects malformed bodies', () => {
    malformed(() => readAuthentication(frame('R', int32(0), [0])));
    malformed(() => readAuthentication(frame('R', int32(3), [0])));
    malformed(() => readAuthentication(frame('R', int32(5), [1, 2, 3])));
    malformed(() => readAuthentication(frame('R', int32(5), [1, 2, 3, 4, 5])));
    malformed(() => readAuthentication(frame('R', int32(10), cstr('SCRAM-SHA-256'))));
    malformed(() => readAuthentication(frame('R', int32(10), cstr('SCRAM-SHA-256'), [0, 0])));
    malformed(() => readAuthentication(frame('R', [0, 0])));
    malformed(() => readAuthentication(frame('R')));
  });
});
