/** S3's errors: a code, AWS's message, an HTTP status and the extra elements S3 puts in its <Error> body. */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** Extra elements after <Message>, in order (BucketName, Key, ArgumentName, ...). */
    readonly fields: Array<[string, string]> = [],
    /** Extra response headers (e.g. x-amz-bucket-region). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const noSuchBucket = (bucket: string): S3Error =>
  new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, [['BucketName', bucket]]);

export const noSuchKey = (key: string): S3Error => new S3Error('NoSuchKey', 'The specified key does not exist.', 404, [['Key', key]]);

export const noSuchUpload = (uploadId: string): S3Error =>
  new S3Error(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    404,
    [['UploadId', uploadId]],
  );

export const accessDenied = (message = 'Access Denied'): S3Error => new S3Error('AccessDenied', message, 403);

export const invalidArgument = (message: string, name?: string, value?: string): S3Error => {
  const fields: Array<[string, string]> = [];
  if (name !== undefined) fields.push(['ArgumentName', name]);
  if (value !== undefined) fields.push(['ArgumentValue', value]);
  return new S3Error('InvalidArgument', message, 400, fields);
};

export const invalidRequest = (message: string): S3Error => new S3Error('InvalidRequest', message, 400);

export const malformedXml = (): S3Error =>
  new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);

export const invalidBucketName = (bucket: string): S3Error =>
  new S3Error('InvalidBucketName', 'The specified bucket is not valid.', 400, [['BucketName', bucket]]);

export const bucketNotEmpty = (bucket: string): S3Error =>
  new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, [['BucketName', bucket]]);

export const bucketAlreadyExists = (bucket: string): S3Error =>
  new S3Error(
    'BucketAlreadyExists',
    'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
    409,
    [['BucketName', bucket]],
  );

export const bucketAlreadyOwnedByYou = (bucket: string): S3Error =>
  new S3Error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409, [
    ['BucketName', bucket],
  ]);

export const preconditionFailed = (condition: string): S3Error =>
  new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, [['Condition', condition]]);

export const invalidRange = (size: number, range: string): S3Error =>
  new S3Error('InvalidRange', 'The requested range is not satisfiable', 416, [
    ['RangeRequested', range],
    ['ActualObjectSize', String(size)],
  ], { 'Content-Range': `bytes */${size}` });

export const badDigest = (expected: string, calculated: string): S3Error =>
  new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400, [
    ['ExpectedDigest', expected],
    ['CalculatedDigest', calculated],
  ]);

export const invalidDigest = (value: string): S3Error =>
  new S3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400, [['Content-MD5', value]]);

export const checksumMismatch = (algorithm: string): S3Error =>
  new S3Error('BadDigest', `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`, 400);

export const contentSha256Mismatch = (client: string, computed: string): S3Error =>
  new S3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400, [
    ['ClientComputedContentSHA256', client],
    ['S3ComputedContentSHA256', computed],
  ]);

export const entityTooSmall = (proposed: number, partNumber: number, etag: string): S3Error =>
  new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', 400, [
    ['ProposedSize', String(proposed)],
    ['MinSizeAllowed', String(5 * 1024 * 1024)],
    ['PartNumber', String(partNumber)],
    ['ETag', etag],
  ]);

export const entityTooLarge = (proposed: number, max: number): S3Error =>
  new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, [
    ['ProposedSize', String(proposed)],
    ['MaxSizeAllowed', String(max)],
  ]);

export const invalidPart = (partNumber: number, etag: string, uploadId: string): S3Error =>
  new S3Error(
    'InvalidPart',
    "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.",
    400,
    [
      ['UploadId', uploadId],
      ['PartNumber', String(partNumber)],
      ['ETag', etag],
    ],
  );

export const invalidPartOrder = (uploadId: string): S3Error =>
  new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.', 400, [
    ['UploadId', uploadId],
  ]);

export const keyTooLong = (size: number): S3Error =>
  new S3Error('KeyTooLongError', 'Your key is too long', 400, [
    ['MaxSizeAllowed', '1024'],
    ['Size', String(size)],
  ]);

export const methodNotAllowed = (method: string, resourceType: 'SERVICE' | 'BUCKET' | 'OBJECT'): S3Error =>
  new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, [
    ['Method', method],
    ['ResourceType', resourceType],
  ]);

export const notImplemented = (header?: string): S3Error =>
  new S3Error(
    'NotImplemented',
    'A header you provided implies functionality that is not implemented',
    501,
    header ? [['Header', header]] : [],
  );

export const missingContentLength = (): S3Error => new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411);

export const incompleteBody = (): S3Error =>
  new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header', 400);

export const invalidUri = (): S3Error => new S3Error('InvalidURI', "Couldn't parse the specified URI.", 400);

export const internalError = (): S3Error => new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500);
