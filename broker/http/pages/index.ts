/**
 * The reviewers' approval page, server-rendered by the broker: sign-in with OpenID Connect
 * (code + PKCE), an inbox that updates live, the request detail with the decision form, the
 * page of a time-boxed access request (`AccessRequest.url`), the history, and the replay pages
 * of the audit journal (`/audit/sessions`, audit-routes.ts). Registered by `buildApp`; encapsulated, so its form parser, headers and error
 * page apply to these routes only and the JSON API is unchanged.
 */
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../build-app.js';
import { registerAccessRoutes } from './access-routes.js';
import { registerApprovalRoutes } from './approval-routes.js';
import { registerAuditRoutes } from './audit-routes.js';
import { registerAuthRoutes } from './auth-routes.js';
import { registerEventStream } from './event-stream.js';
import { createPageContext, sendMessage } from './page-context.js';
import { setSecurityHeaders } from './security.js';

const MAX_FORM_BYTES = 16 * 1024;

export function approvalPages(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    const ctx = createPageContext(deps, app);

    // HTML forms post application/x-www-form-urlencoded; parsed here rather than with a plugin.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: MAX_FORM_BYTES }, (_req, body, done) => {
      done(null, new URLSearchParams(body as string));
    });

    // Redirects and error answers get the same headers as pages (pages set theirs with a nonce first).
    app.addHook('onSend', async (_request, reply) => {
      if (!reply.hasHeader('content-security-policy')) setSecurityHeaders(reply);
    });

    // Errors as a page, never JSON: a reviewer's browser is on the other end.
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      if (status === 500) request.log.error(error);
      const text = status === 500 ? 'Something went wrong on the broker. Please try again.' : 'The request could not be understood.';
      return sendMessage(reply, status, status === 500 ? 'Error' : 'Bad request', text, { href: '/approvals', label: 'Back to approvals' });
    });

    registerAuthRoutes(app, ctx);
    registerApprovalRoutes(app, ctx);
    registerAccessRoutes(app, ctx);
    registerEventStream(app, ctx);
    registerAuditRoutes(app, ctx);
  };
}
