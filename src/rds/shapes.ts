/** XML shapes of the RDS API (members in the service model's order; absent members left out). */
import type { XmlNode, XmlValue } from '../server/query-protocol.js';
import { xmlList } from '../server/query-protocol.js';
import type { RegisteredSource } from './sources/registry.js';
import { clusterArn, instanceArn, snapshotArn, type ExportTaskState, type SnapshotState } from './state.js';
import type { Engine } from './types.js';
import { createHash } from 'node:crypto';

const GB = 1024 ** 3;

export function resourceId(prefix: string, ...parts: string[]): string {
  return `${prefix}-${createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 26).toUpperCase()}`;
}

function licenseModel(engine: Engine): string {
  return engine === 'postgres' ? 'postgresql-license' : 'general-public-license';
}

/** Engine as DescribeDBClusters shows it. */
export function clusterEngine(engine: Engine): string {
  return engine === 'postgres' ? 'aurora-postgresql' : 'aurora-mysql';
}

function tagList(tags: { Key: string; Value: string }[]): XmlNode[] {
  return tags.map((t) => ['Tag', [['Key', t.Key], ['Value', t.Value]]] as XmlNode);
}

export function dbInstanceXml(s: RegisteredSource, region: string, account: string): XmlNode[] {
  const { engine, engineVersion } = s.known();
  const d = s.def;
  return [
    ['DBInstanceIdentifier', d.id],
    ['DBInstanceClass', 'db.strata'],
    ['Engine', engine],
    ['DBInstanceStatus', 'available'],
    ['MasterUsername', d.user],
    ['DBName', d.database || undefined],
    ['Endpoint', [['Address', d.host], ['Port', d.port]]],
    ['AllocatedStorage', 1],
    ['InstanceCreateTime', new Date(d.createdAt)],
    ['AvailabilityZone', `${region}a`],
    ['MultiAZ', false],
    ['EngineVersion', engineVersion || undefined],
    ['AutoMinorVersionUpgrade', false],
    ['LicenseModel', licenseModel(engine)],
    ['PubliclyAccessible', false],
    ['StorageType', 'gp2'],
    ['DbInstancePort', 0],
    ['StorageEncrypted', false],
    ['DbiResourceId', resourceId('db', account, region, d.id)],
    ['DBInstanceArn', instanceArn(region, account, d.id)],
    ['IAMDatabaseAuthenticationEnabled', false],
    ['DeletionProtection', false],
    ['TagList', []],
  ];
}

export function dbClusterXml(s: RegisteredSource, region: string, account: string): XmlNode[] {
  const { engine, engineVersion } = s.known();
  const d = s.def;
  return [
    ['AllocatedStorage', 1],
    ['AvailabilityZones', xmlList([`${region}a`], 'AvailabilityZone')],
    ['DatabaseName', d.database || undefined],
    ['DBClusterIdentifier', d.id],
    ['Status', 'available'],
    ['Endpoint', d.host],
    ['Engine', clusterEngine(engine)],
    ['EngineVersion', engineVersion || undefined],
    ['Port', d.port],
    ['MasterUsername', d.user],
    ['MultiAZ', false],
    ['StorageEncrypted', false],
    ['DbClusterResourceId', resourceId('cluster', account, region, d.id)],
    ['DBClusterArn', clusterArn(region, account, d.id)],
    ['IAMDatabaseAuthenticationEnabled', false],
    ['ClusterCreateTime', new Date(d.createdAt)],
    ['EngineMode', 'provisioned'],
    ['DeletionProtection', false],
    ['TagList', []],
  ];
}

function allocatedGb(s: SnapshotState): number {
  return Math.max(1, Math.ceil(Math.max(s.dataBytes, s.estimatedBytes) / GB));
}

export function dbSnapshotXml(s: SnapshotState, region: string, account: string): XmlNode[] {
  return [
    ['DBSnapshotIdentifier', s.identifier],
    ['DBInstanceIdentifier', s.sourceId],
    ['SnapshotCreateTime', new Date(s.createTime)],
    ['Engine', s.engine],
    ['AllocatedStorage', allocatedGb(s)],
    ['Status', s.status],
    ['Port', s.port],
    ['AvailabilityZone', `${region}a`],
    ['InstanceCreateTime', new Date(s.sourceCreateTime)],
    ['MasterUsername', s.masterUsername],
    ['EngineVersion', s.engineVersion],
    ['LicenseModel', licenseModel(s.engine)],
    ['SnapshotType', 'manual'],
    ['PercentProgress', s.percentProgress],
    ['StorageType', 'gp2'],
    ['Encrypted', false],
    ['DBSnapshotArn', snapshotArn(region, account, 'db', s.identifier)],
    ['IAMDatabaseAuthenticationEnabled', false],
    ['ProcessorFeatures', []],
    ['DbiResourceId', resourceId('db', account, region, s.sourceId)],
    ['TagList', tagList(s.tags)],
    ['OriginalSnapshotCreateTime', new Date(s.createTime)],
    ['SnapshotTarget', 'region'],
  ];
}

export function dbClusterSnapshotXml(s: SnapshotState, region: string, account: string): XmlNode[] {
  return [
    ['AvailabilityZones', xmlList([`${region}a`], 'AvailabilityZone')],
    ['DBClusterSnapshotIdentifier', s.identifier],
    ['DBClusterIdentifier', s.sourceId],
    ['SnapshotCreateTime', new Date(s.createTime)],
    ['Engine', clusterEngine(s.engine)],
    ['EngineMode', 'provisioned'],
    ['AllocatedStorage', allocatedGb(s)],
    ['Status', s.status],
    ['Port', s.port],
    ['ClusterCreateTime', new Date(s.sourceCreateTime)],
    ['MasterUsername', s.masterUsername],
    ['EngineVersion', s.engineVersion],
    ['LicenseModel', licenseModel(s.engine)],
    ['SnapshotType', 'manual'],
    ['PercentProgress', s.percentProgress],
    ['StorageEncrypted', false],
    ['DBClusterSnapshotArn', snapshotArn(region, account, 'cluster', s.identifier)],
    ['IAMDatabaseAuthenticationEnabled', false],
    ['TagList', tagList(s.tags)],
    ['DbClusterResourceId', resourceId('cluster', account, region, s.sourceId)],
  ];
}

export function exportTaskXml(t: ExportTaskState, opts: { prefixAlways: boolean }): XmlNode[] {
  const v: [string, XmlValue][] = [
    ['ExportTaskIdentifier', t.ExportTaskIdentifier],
    ['SourceArn', t.SourceArn],
    ['ExportOnly', t.ExportOnly && t.ExportOnly.length > 0 ? xmlList(t.ExportOnly) : undefined],
    ['SnapshotTime', new Date(t.SnapshotTime)],
    ['TaskStartTime', t.TaskStartTime === undefined ? undefined : new Date(t.TaskStartTime)],
    ['TaskEndTime', t.TaskEndTime === undefined ? undefined : new Date(t.TaskEndTime)],
    ['S3Bucket', t.S3Bucket],
    ['S3Prefix', t.S3Prefix || opts.prefixAlways ? t.S3Prefix : undefined],
    ['IamRoleArn', t.IamRoleArn],
    ['KmsKeyId', t.KmsKeyId],
    ['Status', t.Status],
    ['PercentProgress', t.PercentProgress],
    ['TotalExtractedDataInGB', t.TotalExtractedDataInGB],
    ['FailureCause', t.FailureCause],
    ['WarningMessage', t.WarningMessage],
    ['SourceType', t.SourceType],
  ];
  return v;
}
