/**
 * What every source engine reports about its tables and how each column lands in Parquet
 * (spec 4: "Data conversion when exporting to an Amazon S3 bucket").
 */

export type Engine = 'postgres' | 'mysql' | 'mariadb';

/** The Parquet column a source column becomes (physical type + logical annotation, via Arrow). */
export type ColumnKind =
  | 'int16' // INT32 + INT(16, true)
  | 'int32' // INT32
  | 'int64' // INT64
  | 'float32' // FLOAT
  | 'float64' // DOUBLE
  | 'bool' // BOOLEAN
  | 'utf8' // BYTE_ARRAY + STRING
  | 'binary' // BYTE_ARRAY
  | 'decimal' // INT32 / INT64 / FIXED_LEN_BYTE_ARRAY + DECIMAL(p, s), chosen by precision
  | 'timestamp'; // INT64 + TIMESTAMP(MICROS, UTC) (legacy TIMESTAMP_MICROS)

export interface ColumnSpec {
  name: string;
  /** The engine's type name, information_schema style (`bigint`, `character varying`, `USER-DEFINED`, `decimal`, ...). */
  originalType: string;
  kind: ColumnKind;
  precision?: number;
  scale?: number;
  /** How the source value is to be read (engine specific, e.g. `text`, `bytea`, `unsigned`). */
  read?: string;
  charMaxLength: number;
  numPrecision: number;
  dateTimePrecision: number;
}

export interface TableSpec {
  database: string;
  /** PostgreSQL schema; for MySQL/MariaDB the database again (AWS repeats it in the S3 path). */
  schema: string;
  table: string;
  columns: ColumnSpec[];
  /** Source bytes the engine reports (pg_total_relation_size, DATA_LENGTH): AllocatedStorage, the table's weight in progress. */
  estimatedBytes: number;
  /** Rows the engine's statistics estimate (reltuples, TABLE_ROWS); 0 when unknown (progress then goes by bytes). */
  estimatedRows?: number;
  /** PostgreSQL pages at the snapshot (for ctid partitioning); 0 when unknown or not splittable. */
  pages: number;
  /**
   * The table's partitions, read one by one (each its own batch folder): PostgreSQL leaf partitions of a
   * declaratively partitioned table (with their pages), MySQL/MariaDB partition names.
   */
  leaves?: { schema: string; table: string; pages: number }[];
}

/** A table left out of the export, as WarningMessage.skippedTables reports it. */
export interface SkippedTable {
  target: string;
  reason: string;
}

/** The text AWS puts in export_tables_info's expectedExportedType. */
export function expectedExportedType(c: ColumnSpec): string {
  switch (c.kind) {
    case 'int16':
      return 'int32 (INT_16)';
    case 'int32':
      return 'int32';
    case 'int64':
      return 'int64';
    case 'float32':
      return 'float';
    case 'float64':
      return 'double';
    case 'bool':
      return 'boolean';
    case 'utf8':
      return 'binary (UTF8)';
    case 'binary':
      return 'binary';
    case 'decimal':
      return `${c.precision! <= 9 ? 'int32' : c.precision! <= 18 ? 'int64' : 'fixed_len_byte_array'} (DECIMAL(${c.precision},${c.scale}))`;
    case 'timestamp':
      return 'int64 (TIMESTAMP_MICROS)';
  }
}

/** `database.schema.table` for PostgreSQL, `database.table` for MySQL/MariaDB (export_tables_info `target`). */
export function tableTarget(t: TableSpec, engine: Engine): string {
  return engine === 'postgres' ? `${t.database}.${t.schema}.${t.table}` : `${t.database}.${t.table}`;
}

/** Column names AWS refuses (the table is skipped): any of , ; { } ( ) newline tab = or a space. */
export function unsupportedColumnName(name: string): boolean {
  return /[,;{}()\n\t= ]/.test(name);
}
