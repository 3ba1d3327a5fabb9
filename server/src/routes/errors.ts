// Errors as JSON {code, message, requestId}: thrown HttpErrors keep their status and their (client-safe) message;
// cluster failures become a generic 502; anything else is a generic 500. Details (which may name hosts, users,
// key paths or local paths) go to the server log only, under the same request id the client sees.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { CommandFailedError, ShellError } from '../adapters/shell.js';
import { UnexpectedOutputError } from '../adapters/slurmBackend.js';

export class HttpError extends Error {
  /**
   * @param message sent to the client: generic, never a path, host, user or key.
   * @param detail for the server log only (what the underlying error said).
   */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Services throw AppError (same class): no req/res, a status and a client-safe message. */
export { HttpError as AppError };

export const notFound: RequestHandler = (req, _res, next) =>
  next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`));

const isClusterError = (err: unknown) =>
  err instanceof ShellError || err instanceof CommandFailedError || err instanceof UnexpectedOutputError;

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return function errorHandler(err: unknown, req, res, _next) {
    const requestId = req.requestId;
    const send = (status: number, code: string, message: string) =>
      void res.status(status).json({ code, message, requestId });
    if (err instanceof HttpError) {
      if (err.detail) logger.warn({ requestId, code: err.code, detail: err.detail, path: req.path }, 'request refused');
      return send(err.status, err.code, err.message);
    }
    const { status, type } = err as { status?: number; type?: string };
    // body-parser's errors carry a status and a type: a body over the limit is the client's doing (413), not ours.
    if (type === 'entity.too.large') return send(413, 'payload_too_large', 'request body too large');
    if (status === 400) return send(400, 'invalid_request', 'malformed request');
    if (isClusterError(err)) {
      logger.error({ requestId, err: (err as Error).message, path: req.path }, 'cluster error');
      return send(502, 'cluster_error', `the cluster did not answer as expected (request ${requestId})`);
    }
    logger.error(
      { requestId, err: (err as Error).message, stack: (err as Error).stack, path: req.path },
      'request failed',
    );
    send(500, 'internal', `internal error (request ${requestId})`);
  };
}
