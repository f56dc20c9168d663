import type { StrataConfig } from '../config.js';
import type { Authenticator } from '../server/auth.js';
import { S3Sink, type S3SinkCredentials } from '../s3/sink.js';
import type { ExportState } from './export-state.js';
import type { SinkFor } from './export-runner.js';

/**
 * Where an export writes. With --s3-endpoint, any S3-compatible service with the configured credentials
 * (or the SDK's chain). Without it, the embedded store on Strata's own port, signed as the caller, so the
 * bucket's owner and ExpectedBucketOwner checks apply exactly as they would on AWS.
 */
export function exportSinkFactory(config: StrataConfig, auth: Authenticator, selfUrl: () => string): SinkFor {
  return (state: ExportState, account: string) => {
    const sse = state.S3SseAlgorithm === 'KMS' ? { algorithm: 'aws:kms' as const, kmsKeyId: state.S3SseKmsKeyId } : { algorithm: 'AES256' as const };
    const common = { bucket: state.S3Bucket, expectedBucketOwner: state.S3BucketOwner, sse, forcePathStyle: true };
    if (config.s3Endpoint) {
      const credentials = config.s3AccessKeyId ? { accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey } : undefined;
      return new S3Sink({ ...common, endpoint: config.s3Endpoint, region: config.s3Region, credentials });
    }
    return new S3Sink({ ...common, endpoint: selfUrl(), region: config.s3Region, credentials: callerCredentials(auth, state.accessKeyId, account) });
  };
}

function callerCredentials(auth: Authenticator, accessKeyId: string, account: string): S3SinkCredentials {
  const known = auth.credential(accessKeyId);
  if (known) return { accessKeyId: known.accessKeyId, secretAccessKey: known.secretAccessKey };
  // Permissive mode: an unknown key maps to the same account again (12-digit keys name their account).
  return { accessKeyId: /^\d{12}$/.test(accessKeyId) ? accessKeyId : accessKeyId || account, secretAccessKey: 'strata-permissive' };
}
