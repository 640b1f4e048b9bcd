/** An error a caller caused or may fix: a stable code, a status, and a sentence that says what to do. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
    /** Extra fields for the caller, e.g. the offset a refused frame should have had. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** Over a socket, sent as an `error` event even when the sender gave an ack (refusals a person must act on). */
  announced = false;

  announce(): this {
    this.announced = true;
    return this;
  }
}

export const badRequest = (message: string) => new AppError('bad_request', message, 400);
export const unauthorized = (message = 'Log in first: send Authorization: Bearer <token>') =>
  new AppError('unauthorized', message, 401);
export const forbidden = (message = 'You may not do this') => new AppError('forbidden', message, 403);
export const notFound = (what: string) => new AppError('not_found', `${what} not found`, 404);
export const conflict = (message: string) => new AppError('conflict', message, 409);
