/** An error that crosses the wire in AWS's shape: a name (the `__type` suffix), a message and an HTTP status. */
export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  /** Namespace prefix of `__type` for JSON protocols (DynamoDB uses coral namespaces for some errors). */
  readonly namespace: string;
  /** Extra top-level fields for the JSON error body (e.g. CancellationReasons, Item). */
  readonly extra: Record<string, unknown>;

  constructor(code: string, message: string, status = 400, extra: Record<string, unknown> = {}, namespace?: string) {
    super(message);
    this.code = code;
    this.status = status;
    this.extra = extra;
    this.namespace = namespace ?? defaultNamespace(code);
  }
}

function defaultNamespace(code: string): string {
  switch (code) {
    case 'ValidationException':
      return 'com.amazon.coral.validate';
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'MissingAuthenticationTokenException':
    case 'IncompleteSignatureException':
    case 'AccessDeniedException':
    case 'UnknownOperationException':
    case 'SerializationException':
    case 'InternalFailure':
      return 'com.amazon.coral.service';
    default:
      return 'com.amazonaws.dynamodb.v20120810';
  }
}

export function validation(message: string): AwsError {
  return new AwsError('ValidationException', message, 400);
}

export function resourceNotFound(message = 'Requested resource not found'): AwsError {
  return new AwsError('ResourceNotFoundException', message, 400);
}
