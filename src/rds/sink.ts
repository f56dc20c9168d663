import type { StrataConfig } from '../config.js';
import { exportSinkFactory } from '../export/export-sink.js';
import type { ExportState } from '../export/export-state.js';
import type { S3Sink } from '../s3/sink.js';
import type { Authenticator } from '../server/auth.js';
import type { ExportTaskState } from './state.js';

/**
 * RDS exports write through the same S3 sink as DynamoDB exports, chosen the same way (--s3-endpoint, else
 * the embedded store signed as the caller), always with SSE-KMS under the task's KmsKeyId.
 */
export function rdsSinkFactory(config: StrataConfig, auth: Authenticator, selfUrl: () => string): (task: ExportTaskState, account: string) => S3Sink {
  const forExport = exportSinkFactory(config, auth, selfUrl);
  return (task, account) => {
    const settings: Pick<ExportState, 'S3Bucket' | 'S3SseAlgorithm' | 'S3SseKmsKeyId' | 'S3BucketOwner' | 'accessKeyId'> = {
      S3Bucket: task.S3Bucket,
      S3SseAlgorithm: 'KMS',
      S3SseKmsKeyId: task.KmsKeyId,
      accessKeyId: task.accessKeyId,
    };
    return forExport(settings as ExportState, account);
  };
}
