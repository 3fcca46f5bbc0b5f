/**
 * Cross-checks against an independent implementation: node-postgres' `pg-protocol`.
 * Our backend serializers are read back by its `parse(stream, callback)`; frames from its
 * `serialize` are read by our frontend parsers and startup reader.
 */
import { PassThrough } from 'node:stream';
import { parse as pgParse, serialize } from 'pg-protocol';
import { describe, expect, it } from 'vitest';
import {
  authenticationCleartextPassword,
  authenticationOk,
  backendKeyData,
  bindComplete,
  closeComplete,
  commandComplete,
  emptyQueryResponse,
  errorResponse,
  noData,
  noticeResponse,
  parameterStatus,
  parseComplete,
  readyForQuery,
} from '../../../../../broker/protocol/postgres/backend-messages.js';
import {
  parseBind,
  parseClose,
  parseCopyData,
  parseCopyFail,
  parseDescribe,
  parseEmpty,
  parseExecute,
  parseParse,
  parsePassword,
  parseQuery,
  parseSaslInitialResponse,
} from '../../../../../broker/protocol/postgres/frontend-messages.js';
import { query as ourQuery, parse as ourParse, passwordMessage, sslRequest, sync } from '../../../../../broker/protocol/postgres/frontend-writer.js';
import { parseStartupPacket } from '../../../../../broker/protocol/postgres/startup.js';
import { FrameReader } from '../../../../../broker/protocol/postgres/frame-reader.js';
import { bytes } from '../../../../support/pg-bytes.js';

type PgMessage = Record<string, unknown> & { name: string };

/** Runs pg-protocol's parser over `chunks` and returns the messages it produced. */
async function pgRead(...chunks: Buffer[]): Promise<PgMessage[]> {
  const stream = new PassThrough();
  const out: PgMessage[] = [];
  const done = pgParse(stream, (msg) => out.push(msg as unknown as PgMessage));
  for (const c of chunks) stream.write(c);
  stream.end();
  await done;
  return out;
}

describe('our backend messages, parsed by pg-protocol', () => {
  it('ErrorResponse with every field we write', async () => {
    const [msg] = await pgRead(
      errorResponse({ severity: 'ERROR', code: '42501', message: 'permission denied for table t', detail: 'd', hint: 'h', position: 7 }),
    );
    expect(msg).toMatchObject({
      name: 'error',
      severity: 'ERROR',
      code: '42501',
      message: 'permission denied for table t',
      detail: 'd',
      hint: 'h',
      position: '7',
    });
  });

  it('ErrorResponse text with UTF-8 and a replaced NUL', async () => {
    const [msg] = await pgRead(errorResponse({ severity: 'FATAL', code: '28000', message: 'rôle\0x' }));
    expect(msg).toMatchObject({ name: 'error', severity: 'FATAL', message: 'rôle\uFFFDx' });
  });

  it('NoticeResponse', async () => {
    const [msg] = await pgRead(noticeResponse({ severity: 'NOTICE', code: '00000', message: 'fyi' }));
    expect(msg).toMatchObject({ name: 'notice', severity: 'NOTICE', code: '00000', message: 'fyi' });
  });

  it('the start-up burst: auth, parameters, key data, ready', async () => {
    const msgs = await pgRead(
      authenticationCleartextPassword(),
      authenticationOk(),
      parameterStatus('server_version', '17.0'),
      parameterStatus('client_encoding', 'UTF8'),
      backendKeyData(4242, Buffer.from([0, 0, 0x30, 0x39])),
      readyForQuery('I'),
    );
    expect(msgs.map((m) => m.name)).toEqual([
      'authenticationCleartextPassword',
      'authenticationOk',
      'parameterStatus',
      'parameterStatus',
      'backendKeyData',
      'readyForQuery',
    ]);
    expect(msgs[2]).toMatchObject({ parameterName: 'server_version', parameterValue: '17.0' });
    expect(msgs[4]).toMatchObject({ processID: 4242, secretKey: 12345 });
    expect(msgs[5]).toMatchObject({ status: 'I' });
  });

  it('query results and extended-protocol acknowledgements, split byte by byte', async () => {
    const all = bytes(
      parseComplete(),
      bindComplete(),
      noData(),
      commandComplete('INSERT 0 3'),
      emptyQueryResponse(),
      closeComplete(),
      readyForQuery('T'),
      readyForQuery('E'),
    );
    const pieces = [...all].map((b) => Buffer.from([b]));
    const msgs = await pgRead(...pieces);
    expect(msgs.map((m) => m.name)).toEqual([
      'parseComplete',
      'bindComplete',
      'noData',
      'commandComplete',
      'emptyQuery',
      'closeComplete',
      'readyForQuery',
      'readyForQuery',
    ]);
    expect(msgs[3]).toMatchObject({ text: 'INSERT 0 3' });
    expect(msgs[6]).toMatchObject({ status: 'T' });
    expect(msgs[7]).toMatchObject({ status: 'E' });
  });
});

describe('pg-protocol frontend messages, parsed by us', () => {
  it('Query, Parse, Bind, Describe, Execute, Close, Sync, Flush', () => {
    expect(parseQuery(serialize.query('SELECT $$ü$$'))).toBe('SELECT $$ü$$');
    expect(parseParse(serialize.parse({ name: 's1', text: 'SELECT $1', types: [23] }))).toEqual({
      name: 's1',
      sql: 'SELECT $1',
      paramTypes: [23],
    });
    const bind = parseBind(serialize.bind({ portal: 'p1', statement: 's1', values: ['42', null, Buffer.from([1, 2])] }));
    expect(bind).toEqual({
      portal: 'p1',
      statement: 's1',
      paramFormats: [0, 0, 1],
      params: [Buffer.from('42'), null, Buffer.from([1, 2])],
      resultFormats: [0],
    });
    expect(parseDescribe(serialize.describe({ type: 'P', name: 'p1' }))).toEqual({ target: 'P', name: 'p1' });
    expect(parseExecute(serialize.execute({ portal: 'p1', rows: 5 }))).toEqual({ portal: 'p1', maxRows: 5 });
    expect(parseClose(serialize.close({ type: 'S', name: 's1' }))).toEqual({ target: 'S', name: 's1' });
    expect(() => parseEmpty(serialize.sync(), 0x53)).not.toThrow();
    expect(() => parseEmpty(serialize.flush(), 0x48)).not.toThrow();
    expect(() => parseEmpty(serialize.end(), 0x58)).not.toThrow();
  });

  it('password, SASL, copy messages', () => {
    expect(parsePassword(serialize.password('secret'))).toBe('secret');
    expect(parseSaslInitialResponse(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', 'n,,n=,r=abc'))).toEqual({
      mechanism: 'SCRAM-SHA-256',
      data: Buffer.from('n,,n=,r=abc'),
    });
    expect(parseCopyData(serialize.copyData(Buffer.from('1\tx\n')))).toEqual(Buffer.from('1\tx\n'));
    expect(parseCopyFail(serialize.copyFail('nope'))).toBe('nope');
  });

  it('StartupMessage, SSLRequest and CancelRequest', () => {
    expect(parseStartupPacket(serialize.startup({ user: 'alice', database: 'shop' }))).toEqual({
      type: 'startup',
      protocolVersion: 196608,
      params: new Map([['user', 'alice'], ['database', 'shop'], ['client_encoding', 'UTF8']]),
    });
    expect(parseStartupPacket(serialize.requestSsl())).toEqual({ type: 'ssl-request' });
    expect(parseStartupPacket(serialize.cancel(77, 0x01020304))).toEqual({
      type: 'cancel',
      processId: 77,
      secretKey: Buffer.from([1, 2, 3, 4]),
    });
  });

  it('a pipelined batch through FrameReader', () => {
    const batch = bytes(
      serialize.parse({ name: '', text: 'SELECT 1' }),
      serialize.bind({}),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    );
    const codes: string[] = [];
    const reader = new FrameReader({ maxMessageBytes: 1024 });
    for (const b of batch) reader.feed(Buffer.from([b]), { message: (c) => codes.push(String.fromCharCode(c)) });
    expect(codes.join('')).toBe('PBDES');
  });
});

describe('our frontend writer equals pg-protocol serialize', () => {
  it('byte for byte where both implement the same message', () => {
    expect(ourQuery('SELECT 1')).toEqual(serialize.query('SELECT 1'));
    expect(ourParse('s', 'SELECT $1', [25])).toEqual(serialize.parse({ name: 's', text: 'SELECT $1', types: [25] }));
    expect(passwordMessage('pw')).toEqual(serialize.password('pw'));
    expect(sslRequest()).toEqual(serialize.requestSsl());
    expect(sync()).toEqual(serialize.sync());
  });
});
