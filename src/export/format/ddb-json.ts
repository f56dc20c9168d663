/**
 * DynamoDB JSON lines of export data files (spec sections 4.2 and 4.3).
 *
 *   full:        {"Item":{...}}\n                        attributes in stored order
 *   incremental: {"Metadata":{"WriteTimestampMicros":{"N":"..."}},"Keys":{...},"OldImage":{...},"NewImage":{...}}\n
 *
 * Incremental records sort map keys (Keys, images and nested maps) by UTF-16 code units, i.e. Java's
 * String order: real incremental files showed top-level image attributes sorted; sorting nested maps as
 * well is Strata's inference (consistent with a serializer ordering every map by key).
 */
import type { AttributeValue, Item } from '../../dynamodb/types.js';

export type ExportViewType = 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';

/** The compacted change of one item over an incremental export window. */
export interface IncrementalChange {
  /** Commit time of the item's last write in the window, epoch microseconds. */
  writeTimestampMicros: number | bigint | string;
  /** Primary key attributes only. */
  keys: Item | string;
  /** The item as it was just before ExportFromTime; null when absent. */
  oldImage: Item | string | null;
  /** The item's final state in the window; null when deleted. */
  newImage: Item | string | null;
}

/** What goes into one incremental record, per view type; null when the change produces no record. */
export interface IncrementalRecordParts {
  micros: string;
  keys: Item;
  oldImage?: Item;
  newImage?: Item;
}

function asItem(v: Item | string): Item {
  return typeof v === 'string' ? (JSON.parse(v) as Item) : v;
}

/** Epoch microseconds as integer text; throws on anything that is not a non-negative integer. */
export function microsText(v: number | bigint | string): string {
  const s = typeof v === 'string' ? v : typeof v === 'bigint' ? v.toString() : Number.isSafeInteger(v) ? String(v) : '';
  if (!/^(0|[1-9]\d*)$/.test(s)) throw new Error(`invalid WriteTimestampMicros: ${String(v)}`);
  return s;
}

/**
 * Applies the view rules: NEW_AND_OLD_IMAGES keeps OldImage when the item existed before the window and
 * NewImage when it exists at the end; NEW_IMAGE never has OldImage (a delete is Metadata+Keys only).
 * An item absent both before and after (inserted then deleted inside the window) gives null: no record.
 */
export function incrementalRecordParts(change: IncrementalChange, view: ExportViewType): IncrementalRecordParts | null {
  if (change.oldImage === null && change.newImage === null) return null;
  const parts: IncrementalRecordParts = { micros: microsText(change.writeTimestampMicros), keys: sortItem(asItem(change.keys)) };
  if (view === 'NEW_AND_OLD_IMAGES' && change.oldImage !== null) parts.oldImage = sortItem(asItem(change.oldImage));
  if (change.newImage !== null) parts.newImage = sortItem(asItem(change.newImage));
  return parts;
}

/** Deep copy with every map's keys in UTF-16 code-unit order (Java String order). Set/list order is kept. */
export function sortItem(item: Item): Item {
  const out: Item = {};
  for (const k of Object.keys(item).sort()) out[k] = sortValue(item[k]!);
  return out;
}

function sortValue(v: AttributeValue): AttributeValue {
  if ('M' in v) return { M: sortItem(v.M) };
  if ('L' in v) return { L: v.L.map(sortValue) };
  return v;
}

/**
 * The item with its primary key attributes first (hash, then range), the rest in their stored order:
 * the order real full exports show. Returns the same object when it is already in that order.
 */
export function orderKeysFirst(item: Item, keyNames: readonly string[]): Item {
  const names = Object.keys(item);
  const present = keyNames.filter((k) => Object.prototype.hasOwnProperty.call(item, k));
  if (present.every((k, i) => names[i] === k)) return item;
  const out: Item = {};
  for (const k of present) out[k] = item[k]!;
  for (const k of names) if (!present.includes(k)) out[k] = item[k]!;
  return out;
}

/**
 * Full-export line from an item's stored wire-JSON text. Strata stores items as `JSON.stringify` output
 * (compact, numbers already normalised), so the text is wrapped as is, without re-parsing.
 */
export function fullJsonLine(storedJson: string): string {
  return `{"Item":${storedJson}}\n`;
}

/** Full-export line from an item object (attribute order as given). */
export function fullJsonLineFromItem(item: Item): string {
  return `{"Item":${JSON.stringify(item)}}\n`;
}

/** Incremental record line; null when the change produces no record under this view. */
export function incrementalJsonLine(change: IncrementalChange, view: ExportViewType): string | null {
  const p = incrementalRecordParts(change, view);
  if (!p) return null;
  let s = `{"Metadata":{"WriteTimestampMicros":{"N":"${p.micros}"}},"Keys":${JSON.stringify(p.keys)}`;
  if (p.oldImage) s += `,"OldImage":${JSON.stringify(p.oldImage)}`;
  if (p.newImage) s += `,"NewImage":${JSON.stringify(p.newImage)}`;
  return s + '}\n';
}
