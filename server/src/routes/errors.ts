// Errors as JSON {code, message}: thrown HttpErrors keep their status; anything else is a 500 whose details stay
// in the server log (they may name paths or hosts), never in the response.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';

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

export const notFound: RequestHandler = (req, _res, next) =>
  next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`));

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (err instanceof HttpError) {
      if (err.detail) logger.warn({ code: err.code, detail: err.detail, path: req.path }, 'request refused');
      return void res.status(err.status).json({ code: err.code, message: err.message });
    }
    const { status, type } = err as { status?: number; type?: string };
    // body-parser's errors carry a status and a type: a body over the limit is the client's doing (413), not ours.
    if (type === 'entity.too.large')
      return void res.status(413).json({ code: 'payload_too_large', message: 'request body too large' });
    if (status === 400) return void res.status(400).json({ code: 'invalid_request', message: 'malformed request' });
    logger.error({ err: (err as Error).message, path: req.path }, 'request failed');
    res.status(500).json({ code: 'internal', message: 'internal error' });
  };
}
