import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TEST_CREDENTIALS } from './strata-process.js';

const run = promisify(execFile);

export function dynamo(url: string, opts: { region?: string; accessKeyId?: string; secretAccessKey?: string } = {}): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: url,
    region: opts.region ?? 'us-east-1',
    credentials: { accessKeyId: opts.accessKeyId ?? TEST_CREDENTIALS.accessKeyId, secretAccessKey: opts.secretAccessKey ?? TEST_CREDENTIALS.secretAccessKey },
    maxAttempts: 1,
  });
}

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function awsEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** Runs the real `aws` CLI; resolves with stdout/stderr and the exit code (never throws on failure). */
export async function awsCli(url: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('aws', ['--endpoint-url', url, '--output', 'json', ...args], { env: awsEnv(env), maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** Runs a python3 script with boto3 available; the script gets STRATA_URL in its environment. */
/** Python source of err(fn): None, or [code, message, HTTP status] of the ClientError fn raised (for python() scripts). */
export const PY_CLIENT_ERROR = `
from botocore.exceptions import ClientError
def err(fn):
    try:
        fn()
    except ClientError as e:
        return [e.response['Error']['Code'], e.response['Error']['Message'], e.response['ResponseMetadata']['HTTPStatusCode']]
    return None
`;

export async function python(url: string, script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('python3', ['-c', script], { env: awsEnv({ STRATA_URL: url }), maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}
