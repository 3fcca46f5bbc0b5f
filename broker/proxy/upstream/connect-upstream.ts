/**
 * Opens the broker's own session to the real database: TCP (+ TLS when configured), the
 * StartupMessage, authentication with the broker's credentials (SCRAM-SHA-256, md5, cleartext
 * or trust) and the initial ParameterStatus/BackendKeyData burst up to the first ReadyForQuery.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import type { UpstreamConfig } from '../../config/types.js';
import { AirlockError } from '../../errors/airlock-error.js';
import {
  BackendCode,
  frontendWriter as fw,
  readAuthentication,
  readBackendKeyData,
  readErrorFields,
  readParameterStatus,
  readReadyForQueryStatus,
} from '../../protocol/postgres/index.js';
import { HandshakeReader } from './handshake-reader.js';
import { md5PasswordAnswer, SCRAM_MECHANISM, ScramClient } from './scram-client.js';

export interface UpstreamSession {
  readonly socket: Socket;
  readonly parameters: ReadonlyMap<string, string>;
  readonly processId: number;
  readonly secretKey: Buffer;
  readonly status: 'I' | 'T' | 'E';
}

export async function connectUpstream(
  cfg: UpstreamConfig,
  startupParams: Record<string, string>,
): Promise<UpstreamSession> {
  let socket: Socket;
  try {
    socket = await openSocket(cfg);
  } catch (e) {
    if (e instanceof AirlockError) throw e;
    throw new AirlockError('BRK_ERR_UPSTREAM_UNREACHABLE', (e as Error).message, { cause: e });
  }
  try {
    return await handshake(socket, cfg, startupParams);
  } catch (e) {
    socket.destroy();
    throw e;
  }
}

function openSocket(cfg: UpstreamConfig): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: cfg.host, port: cfg.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect timeout after ${cfg.connectTimeoutMs} ms`));
    }, cfg.connectTimeoutMs);
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      if (cfg.tls.mode === 'disable') resolve(socket);
      else upgradeTls(socket, cfg).then(resolve, reject);
    });
  });
}

/** SSLRequest, then a TLS handshake over the same socket if the server answers 'S'. */
function upgradeTls(socket: Socket, cfg: UpstreamConfig): Promise<Socket> {
  return new Promise((resolve, reject) => {
    socket.write(fw.sslRequest());
    socket.once('data', (answer: Buffer) => {
      if (answer.length !== 1 || answer[0] !== 0x53 /* S */) {
        socket.destroy();
        reject(new AirlockError('BRK_ERR_UPSTREAM_TLS', 'the database does not accept TLS'));
        return;
      }
      const verify = cfg.tls.mode === 'verify-full';
      const tlsSocket = tlsConnect({
        socket,
        servername: cfg.tls.serverName ?? cfg.host,
        rejectUnauthorized: verify,
        ...(cfg.tls.caFile ? { ca: readFileSync(cfg.tls.caFile) } : {}),
      });
      tlsSocket.once('secureConnect', () => {
        tlsSocket.removeAllListeners('error');
        resolve(tlsSocket);
      });
      tlsSocket.once('error', (e) => reject(new AirlockError('BRK_ERR_UPSTREAM_TLS', e.message, { cause: e })));
    });
  });
}

async function handshake(
  socket: Socket,
  cfg: UpstreamConfig,
  startupParams: Record<string, string>,
): Promise<UpstreamSession> {
  const reader = new HandshakeReader(socket);
  const timeout = cfg.connectTimeoutMs;
  socket.write(fw.startupMessage({ ...startupParams, user: cfg.user, database: cfg.database }));
  const password = cfg.password?.reveal();
  let scram: ScramClient | undefined;
  const parameters = new Map<string, string>();
  let processId = 0;
  let secretKey: Buffer = Buffer.alloc(0);
  for (;;) {
    const frame = await reader.next(timeout);
    const code = frame[0];
    if (code === BackendCode.ErrorResponse) {
      const fields = readErrorFields(frame);
      const sqlState = fields.get('C') ?? '';
      // 28xxx: the database refused our credentials; anything else (e.g. 3D000) is reported as is.
      const codeName = sqlState.startsWith('28') ? 'BRK_ERR_UPSTREAM_AUTH' : 'BRK_ERR_UPSTREAM_UNREACHABLE';
      throw new AirlockError(codeName, `${sqlState} ${fields.get('M') ?? ''}`.trim());
    }
    if (code === BackendCode.Authentication) {
      const auth = readAuthentication(frame);
      switch (auth.type) {
        case 'ok':
          break;
        case 'cleartext':
          socket.write(fw.passwordMessage(requirePassword(password)));
          break;
        case 'md5':
          socket.write(fw.passwordMessage(md5PasswordAnswer(cfg.user, requirePassword(password), auth.salt)));
          break;
        case 'sasl':
          if (!auth.mechanisms.includes(SCRAM_MECHANISM)) {
            throw new AirlockError('BRK_ERR_UPSTREAM_AUTH', `unsupported SASL mechanisms: ${auth.mechanisms.join(', ')}`);
          }
          scram = new ScramClient(requirePassword(password));
          socket.write(fw.saslInitialResponse(SCRAM_MECHANISM, scram.clientFirst()));
          break;
        case 'sasl-continue':
          if (!scram) throw new AirlockError('BRK_ERR_UPSTREAM_AUTH', 'unexpected SASL continue');
          socket.write(fw.saslResponse(scram.clientFinal(auth.data)));
          break;
        case 'sasl-final':
          if (!scram) throw new AirlockError('BRK_ERR_UPSTREAM_AUTH', 'unexpected SASL final');
          try {
            scram.verifyServerFinal(auth.data);
          } catch (e) {
            throw new AirlockError('BRK_ERR_UPSTREAM_AUTH', (e as Error).message, { cause: e });
          }
          break;
        default:
          throw new AirlockError('BRK_ERR_UPSTREAM_AUTH', `unsupported authentication request ${auth.code}`);
      }
      continue;
    }
    if (code === BackendCode.ParameterStatus) {
      const { name, value } = readParameterStatus(frame);
      parameters.set(name, value);
    } else if (code === BackendCode.BackendKeyData) {
      ({ processId, secretKey } = readBackendKeyData(frame));
    } else if (code === BackendCode.ReadyForQuery) {
      reader.detach();
      return { socket, parameters, processId, secretKey, status: readReadyForQueryStatus(frame) };
    }
    // NoticeResponse and NegotiateProtocolVersion during start-up are ignored.
  }
}

function requirePassword(password: string | undefined): string {
  if (password === undefined) {
    throw new AirlockError('BRK_ERR_UPSTREAM_AUTH', 'the database asks for a password but the connection has none configured');
  }
  return password;
}
