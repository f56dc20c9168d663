import { readSmallBody } from './body.js';
import { decodeTags, encodeTags, kmsKeyArn, validateTags } from './attributes.js';
import { canonicalId, header, isoSeconds, ownerXml, requireBucket, sendEmpty, sendRawXml, sendXml, type S3Call } from './context.js';
import {
  S3Error,
  bucketAlreadyExists,
  bucketAlreadyOwnedByYou,
  bucketNotEmpty,
  invalidArgument,
  invalidBucketName,
  malformedXml,
  notImplemented,
} from './errors.js';
import type { SseSettings } from './store.js';
import { S3_NS, child, childText, childrenNamed, escapeXml, parseXml, type XmlChild, type XmlElement } from './xml.js';

const SMALL_BODY = 1024 * 1024;

/** S3's bucket naming rules (general purpose buckets). */
export function validBucketName(name: string): boolean {
  if (name.length < 3 || name.length > 63) return false;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return false;
  if (name.includes('..')) return false;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return false;
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) return false;
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) return false;
  return true;
}

export async function parseXmlBody(call: S3Call, limit = SMALL_BODY): Promise<XmlElement | null> {
  const body = await readSmallBody(call.body({ maxSize: limit }));
  if (body.length === 0) return null;
  try {
    return parseXml(body.toString('utf8'));
  } catch {
    throw malformedXml();
  }
}

export async function createBucket(call: S3Call): Promise<void> {
  const name = call.bucket;
  if (!validBucketName(name)) throw invalidBucketName(name);
  const doc = await parseXmlBody(call);
  let constraint: string | undefined;
  if (doc) {
    if (doc.name !== 'CreateBucketConfiguration') throw malformedXml();
    constraint = childText(doc, 'LocationConstraint')?.trim();
    if (constraint === '') constraint = undefined;
  }
  const signingRegion = call.principal.region;
  if (constraint === 'EU') constraint = 'eu-west-1';
  if (constraint === 'us-east-1') {
    throw new S3Error('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, [['LocationConstraint', constraint]]);
  }
  if (constraint !== undefined && !/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/.test(constraint)) {
    throw new S3Error('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, [['LocationConstraint', constraint]]);
  }
  const region = constraint ?? 'us-east-1';
  if (region !== signingRegion) {
    throw new S3Error(
      'IllegalLocationConstraintException',
      constraint === undefined
        ? 'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.'
        : `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      400,
    );
  }
  const { created, bucket } = call.store.createBucket(name, call.principal.account, region, call.nowMs());
  if (!created) {
    if (bucket.owner !== call.principal.account) throw bucketAlreadyExists(name);
    // S3 keeps returning 200 to re-creations of your own bucket in us-east-1 (legacy behaviour).
    if (!(bucket.region === 'us-east-1' && region === 'us-east-1')) throw bucketAlreadyOwnedByYou(name);
  }
  sendEmpty(call, 200, { Location: `/${name}` });
}

export function headBucket(call: S3Call): void {
  const b = requireBucket(call);
  sendEmpty(call, 200, { 'x-amz-bucket-region': b.region, 'x-amz-access-point-alias': 'false' });
}

export function deleteBucket(call: S3Call): void {
  requireBucket(call);
  if (!call.store.deleteBucket(call.bucket)) throw bucketNotEmpty(call.bucket);
  sendEmpty(call, 204);
}

export function getBucketLocation(call: S3Call): void {
  const b = requireBucket(call);
  const xml =
    b.region === 'us-east-1'
      ? `<LocationConstraint xmlns="${S3_NS}"/>`
      : `<LocationConstraint xmlns="${S3_NS}">${escapeXml(b.region)}</LocationConstraint>`;
  sendRawXml(call, 200, xml);
}

export function listBuckets(call: S3Call): void {
  const q = call.query;
  const maxText = q.get('max-buckets');
  let max = 10000;
  if (maxText !== null) {
    max = Number(maxText);
    if (!/^\d+$/.test(maxText) || max < 1 || max > 10000) throw invalidArgument('Argument max-buckets must be an integer between 1 and 10000', 'max-buckets', maxText);
  }
  const prefix = q.get('prefix') ?? '';
  const token = q.get('continuation-token');
  let after = '';
  if (token !== null) {
    after = Buffer.from(token, 'base64url').toString('utf8');
    if (!after) throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  }
  const regionFilter = q.get('bucket-region');
  let rows = call.store.listBuckets(call.principal.account, after, prefix, max + 1);
  if (regionFilter) rows = rows.filter((b) => b.region === regionFilter);
  const truncated = rows.length > max;
  const page = rows.slice(0, max);
  const buckets: XmlChild[] = page.map((b) => [
    'Bucket',
    [
      ['Name', b.name],
      ['CreationDate', isoSeconds(b.createdMs)],
      ['BucketRegion', b.region],
    ],
  ]);
  const children: XmlChild[] = [['Owner', ownerXml(call.principal.account)], ['Buckets', buckets]];
  if (truncated) children.push(['ContinuationToken', Buffer.from(page[page.length - 1]!.name).toString('base64url')]);
  if (q.has('prefix')) children.push(['Prefix', prefix]);
  sendXml(call, 200, 'ListAllMyBucketsResult', children);
}

// ---- bucket sub-resources -----------------------------------------------------------------------------

export function getBucketVersioning(call: S3Call): void {
  requireBucket(call);
  sendXml(call, 200, 'VersioningConfiguration', []);
}

export async function putBucketVersioning(call: S3Call): Promise<void> {
  requireBucket(call);
  const doc = await parseXmlBody(call);
  if (!doc || doc.name !== 'VersioningConfiguration') throw malformedXml();
  const status = childText(doc, 'Status');
  if (status === 'Enabled') throw notImplemented('x-amz-versioning');
  sendEmpty(call, 200);
}

function encryptionXml(sse: SseSettings): XmlChild[] {
  return [
    [
      'Rule',
      [
        [
          'ApplyServerSideEncryptionByDefault',
          [
            ['SSEAlgorithm', sse.algorithm],
            ['KMSMasterKeyID', sse.algorithm === 'AES256' ? undefined : sse.kmsKeyId],
          ],
        ],
        ['BucketKeyEnabled', sse.bucketKeyEnabled ? 'true' : 'false'],
      ],
    ],
  ];
}

export function getBucketEncryption(call: S3Call): void {
  const b = requireBucket(call);
  sendXml(call, 200, 'ServerSideEncryptionConfiguration', encryptionXml(b.encryption ?? { algorithm: 'AES256' }));
}

export async function putBucketEncryption(call: S3Call): Promise<void> {
  const b = requireBucket(call);
  const doc = await parseXmlBody(call);
  if (!doc || doc.name !== 'ServerSideEncryptionConfiguration') throw malformedXml();
  const rule = child(doc, 'Rule');
  const def = rule && child(rule, 'ApplyServerSideEncryptionByDefault');
  const alg = def && childText(def, 'SSEAlgorithm');
  if (!rule || !def || !alg) throw malformedXml();
  if (alg !== 'AES256' && alg !== 'aws:kms' && alg !== 'aws:kms:dsse') throw malformedXml();
  const keyId = childText(def, 'KMSMasterKeyID');
  if (alg === 'AES256' && keyId) {
    throw invalidArgument('a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse', 'ApplyServerSideEncryptionByDefault');
  }
  const sse: SseSettings = { algorithm: alg };
  if (alg !== 'AES256') sse.kmsKeyId = kmsKeyArn(keyId, b.owner, b.region);
  if (childText(rule, 'BucketKeyEnabled') === 'true') sse.bucketKeyEnabled = true;
  call.store.setBucketEncryption(b.name, sse);
  sendEmpty(call, 200);
}

export function deleteBucketEncryption(call: S3Call): void {
  const b = requireBucket(call);
  call.store.setBucketEncryption(b.name, null);
  sendEmpty(call, 204);
}

export function getBucketTagging(call: S3Call): void {
  const b = requireBucket(call);
  const tags = decodeTags(b.tags);
  if (tags.length === 0) throw new S3Error('NoSuchTagSet', 'The TagSet does not exist', 404, [['BucketName', b.name]]);
  sendXml(call, 200, 'Tagging', [['TagSet', tagSetXml(tags)]]);
}

export async function putBucketTagging(call: S3Call): Promise<void> {
  const b = requireBucket(call);
  const tags = parseTagging(await parseXmlBody(call), 50);
  call.store.setBucketTags(b.name, encodeTags(tags));
  sendEmpty(call, 204);
}

export function deleteBucketTagging(call: S3Call): void {
  const b = requireBucket(call);
  call.store.setBucketTags(b.name, null);
  sendEmpty(call, 204);
}

export function tagSetXml(tags: Array<[string, string]>): XmlChild[] {
  return tags.map(([k, v]) => [
    'Tag',
    [
      ['Key', k],
      ['Value', v],
    ],
  ]);
}

export function parseTagging(doc: XmlElement | null, max: number): Array<[string, string]> {
  if (!doc || doc.name !== 'Tagging') throw malformedXml();
  const set = child(doc, 'TagSet');
  if (!set) throw malformedXml();
  const tags: Array<[string, string]> = childrenNamed(set, 'Tag').map((t) => {
    const k = childText(t, 'Key');
    const v = childText(t, 'Value');
    if (k === undefined || v === undefined) throw malformedXml();
    return [k, v];
  });
  return validateTags(tags, max);
}

export function getAcl(call: S3Call): void {
  const b = requireBucket(call);
  const grantee = `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${canonicalId(b.owner)}</ID></Grantee>`;
  sendXml(call, 200, 'AccessControlPolicy', [
    ['Owner', ownerXml(b.owner)],
    ['AccessControlList', [['Grant', [grantee, ['Permission', 'FULL_CONTROL']]]]],
  ]);
}

export async function putAcl(call: S3Call): Promise<void> {
  requireBucket(call);
  const canned = header(call, 'x-amz-acl');
  const body = await readSmallBody(call.body({ maxSize: SMALL_BODY }));
  if ((canned && canned !== 'private' && canned !== 'bucket-owner-full-control') || (!canned && body.length > 0 && !body.includes('FULL_CONTROL'))) {
    throw new S3Error('AccessControlListNotSupported', 'The bucket does not allow ACLs', 400);
  }
  sendEmpty(call, 200);
}

export function getOwnershipControls(call: S3Call): void {
  requireBucket(call);
  sendXml(call, 200, 'OwnershipControls', [['Rule', [['ObjectOwnership', 'BucketOwnerEnforced']]]]);
}

export function getPublicAccessBlock(call: S3Call): void {
  requireBucket(call);
  sendXml(call, 200, 'PublicAccessBlockConfiguration', [
    ['BlockPublicAcls', 'true'],
    ['IgnorePublicAcls', 'true'],
    ['BlockPublicPolicy', 'true'],
    ['RestrictPublicBuckets', 'true'],
  ]);
}

const ABSENT_CONFIG: Record<string, [string, string]> = {
  policy: ['NoSuchBucketPolicy', 'The bucket policy does not exist'],
  cors: ['NoSuchCORSConfiguration', 'The CORS configuration does not exist'],
  lifecycle: ['NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist'],
  website: ['NoSuchWebsiteConfiguration', 'The specified bucket does not have a website configuration'],
  replication: ['ReplicationConfigurationNotFoundError', 'The replication configuration was not found'],
  'object-lock': ['ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket'],
};

export const ABSENT_CONFIG_NAMES = Object.keys(ABSENT_CONFIG);

/** GET of a configuration Strata never stores: S3's "does not exist" error for it. */
export function getAbsentConfig(call: S3Call, name: string): void {
  const b = requireBucket(call);
  const [code, message] = ABSENT_CONFIG[name]!;
  throw new S3Error(code, message, 404, [['BucketName', b.name]]);
}

/** DELETE of such a configuration: nothing to do. */
export function deleteAbsentConfig(call: S3Call): void {
  requireBucket(call);
  sendEmpty(call, 204);
}
