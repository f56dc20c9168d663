const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function toMs(v: Date | number | string | undefined | null): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** The browser's UTC offset as "UTC+01:00". */
export function zoneLabel(at = Date.now()): string {
  const off = -new Date(at).getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `UTC${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** "2026-11-22 10:15:03 UTC+00:00" in the browser's time zone; "—" when absent. */
export function fmtTime(v: Date | number | string | undefined | null, withZone = true): string {
  const ms = toMs(v);
  if (ms === undefined) return '—';
  const d = new Date(ms);
  const s = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withZone ? `${s} ${zoneLabel(ms)}` : s;
}

/** The value of an <input type="datetime-local" step="1"> for an instant (browser time zone). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Parses a datetime-local value (browser time zone) to epoch milliseconds. */
export function fromLocalInput(v: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) return undefined;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? undefined : t;
}

export function fmtBytes(n: number | undefined | null): string {
  if (n === undefined || n === null) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function fmtCount(n: number | undefined | null): string {
  return n === undefined || n === null ? '—' : n.toLocaleString('en-US');
}

export function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days ${h % 24} h`;
}

/** The table name of an ARN like arn:aws:dynamodb:REGION:ACCOUNT:table/NAME[/export/ID]. */
export function tableNameOf(arn: string | undefined): string {
  if (!arn) return '—';
  const m = /:table\/([^/]+)/.exec(arn);
  return m ? m[1]! : arn;
}

export function accountOf(arn: string | undefined): string | undefined {
  return arn?.split(':')[4];
}

/** The export id, the last part of an export ARN. */
export function exportIdOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}
