/**
 * Maps failures of S3 calls to the FailureCode / FailureMessage an export reports (spec 8.1):
 *
 * - bucket missing (NoSuchBucket, or 404 on HeadBucket) → `S3NoSuchBucket`,
 *   "The specified bucket does not exist (Service: Amazon S3; Status Code: 404; Error Code: NoSuchBucket; Request ID: ...)"
 * - any 403 (AccessDenied, a wrong ExpectedBucketOwner, bad credentials, KMS key denied) → `S3AccessDenied`,
 *   "Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: ...)"
 *   (the code is UNCONFIRMED for exports, by analogy with ImportTable; the message form is seen in the wild)
 * - everything else (other S3 errors after retries, network failures, a failing source stream) → `UNKNOWN`
 *   with the same "(Service: Amazon S3; ...)" detail when S3 answered.
 */

export type SinkFailureCode = 'S3NoSuchBucket' | 'S3AccessDenied' | 'UNKNOWN';

export class SinkFailure extends Error {
  /** ExportDescription.FailureCode. */
  readonly failureCode: SinkFailureCode;
  /** ExportDescription.FailureMessage. */
  readonly failureMessage: string;
  /** S3's error code (e.g. `NoSuchBucket`), when S3 answered. */
  readonly s3ErrorCode: string | undefined;
  /** HTTP status S3 answered with, when it did. */
  readonly httpStatus: number | undefined;
  readonly requestId: string | undefined;

  constructor(
    failureCode: SinkFailureCode,
    failureMessage: string,
    details: { cause?: unknown; s3ErrorCode?: string; httpStatus?: number; requestId?: string } = {},
  ) {
    super(failureMessage, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SinkFailure';
    this.failureCode = failureCode;
    this.failureMessage = failureMessage;
    this.s3ErrorCode = details.s3ErrorCode;
    this.httpStatus = details.httpStatus;
    this.requestId = details.requestId;
  }
}

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown; extendedRequestId?: unknown };
}

/** The operation that failed; HeadBucket answers a missing bucket with a bare 404. */
export type SinkOperation = 'HeadBucket' | 'PutObject' | 'Upload';

const DEFAULT_MESSAGES: Record<string, string> = {
  NoSuchBucket: 'The specified bucket does not exist',
  AccessDenied: 'Access Denied',
};

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Converts any error thrown by an S3 call (or by the body stream of an upload) into a SinkFailure. */
export function toSinkFailure(err: unknown, op: SinkOperation): SinkFailure {
  if (err instanceof SinkFailure) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const requestId = text(e.$metadata?.requestId);
  const extendedId = text(e.$metadata?.extendedRequestId);
  let code = text(e.Code) ?? text(e.name);
  let message = text(e.message);
  // Responses without an error body (HEAD requests) come back as "Unknown"/"UnknownError"/"Forbidden"/"NotFound".
  const generic = code === undefined || code === 'Unknown' || code === 'UnknownError' || code === 'Forbidden' || code === 'NotFound' || code === String(status);
  if (generic) code = undefined;
  if (message === 'Unknown' || message === 'UnknownError' || message === 'Forbidden' || message === 'NotFound' || (message !== undefined && /^\d{3}$/.test(message))) message = undefined;
  if (status === undefined) {
    // No answer from S3: a network failure after retries, an abort, or the source stream failed.
    const m = err instanceof Error ? err.message : String(err);
    return new SinkFailure('UNKNOWN', m, { cause: err });
  }
  let failureCode: SinkFailureCode = 'UNKNOWN';
  if (code === 'NoSuchBucket' || (op === 'HeadBucket' && status === 404)) {
    failureCode = 'S3NoSuchBucket';
    code = 'NoSuchBucket';
    message = DEFAULT_MESSAGES.NoSuchBucket;
  } else if (status === 403) {
    failureCode = 'S3AccessDenied';
    code ??= 'AccessDenied';
    if (message === undefined || message === code) message = DEFAULT_MESSAGES[code] ?? 'Access Denied';
  }
  code ??= status === 404 ? 'NotFound' : String(status);
  message ??= DEFAULT_MESSAGES[code] ?? code;
  let detail = `Service: Amazon S3; Status Code: ${status}; Error Code: ${code}; Request ID: ${requestId ?? 'null'}`;
  if (extendedId) detail += `; S3 Extended Request ID: ${extendedId}`;
  return new SinkFailure(failureCode, `${message} (${detail})`, {
    cause: err,
    s3ErrorCode: code,
    httpStatus: status,
    ...(requestId === undefined ? {} : { requestId }),
  });
}
