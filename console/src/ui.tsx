import { Fragment, type AriaRole, type ButtonHTMLAttributes, type ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { errorOf } from './aws.js';

export function Page(props: { title: string; crumbs?: Array<[string, string]>; actions?: ComponentChildren; children: ComponentChildren }) {
  return (
    <section class="page" aria-labelledby="page-title">
      {props.crumbs && (
        <nav class="crumbs" aria-label="Breadcrumbs">
          {props.crumbs.map(([label, to]) => (
            <span key={to}>
              <a href={to}>{label}</a>
              <span class="sep" aria-hidden="true">
                ›
              </span>
            </span>
          ))}
          <span class="here">{props.title}</span>
        </nav>
      )}
      <header class="page-head">
        <h1 id="page-title">{props.title}</h1>
        {props.actions && <div class="actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

export function Panel(props: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; id?: string; class?: string }) {
  return (
    <section class={`panel ${props.class ?? ''}`} id={props.id} data-panel={typeof props.title === 'string' ? props.title : undefined}>
      {(props.title || props.actions) && (
        <header class="panel-head">
          {props.title && <h2>{props.title}</h2>}
          {props.actions && <div class="actions">{props.actions}</div>}
        </header>
      )}
      <div class="panel-body">{props.children}</div>
    </section>
  );
}

/** A grid of labelled values (an ExportDescription, a table's details). */
export function KV(props: { items: Array<[string, ComponentChildren] | false | undefined | null>; cols?: 2 | 3 }) {
  return (
    <dl class={`kv cols-${props.cols ?? 3}`}>
      {props.items.filter((x): x is [string, ComponentChildren] => !!x).map(([k, v]) => (
        <div class="kv-item" key={k} data-field={k}>
          <dt>{k}</dt>
          <dd>{v === undefined || v === null || v === '' ? '—' : v}</dd>
        </div>
      ))}
    </dl>
  );
}

const STATUS_TONE: Record<string, string> = {
  COMPLETED: 'ok',
  COMPLETE: 'ok',
  ACTIVE: 'ok',
  ENABLED: 'ok',
  available: 'ok',
  IN_PROGRESS: 'run',
  STARTING: 'run',
  CREATING: 'run',
  UPDATING: 'run',
  creating: 'run',
  CANCELING: 'warn',
  CANCELLING: 'warn',
  FAILED: 'bad',
  DELETING: 'warn',
  CANCELED: 'off',
  CANCELLED: 'off',
  DISABLED: 'off',
  ARCHIVED: 'off',
};

const STATUS_LABEL: Record<string, string> = {
  IN_PROGRESS: 'In progress',
  COMPLETED: 'Completed',
  COMPLETE: 'Complete',
  FAILED: 'Failed',
  ACTIVE: 'Active',
  ENABLED: 'On',
  DISABLED: 'Off',
  STARTING: 'Starting',
  CANCELING: 'Canceling',
  CANCELED: 'Canceled',
  CREATING: 'Creating',
};

export function Status(props: { value: string | undefined; label?: string }) {
  const v = props.value ?? 'UNKNOWN';
  const tone = STATUS_TONE[v] ?? STATUS_TONE[v.toUpperCase()] ?? 'off';
  return (
    <span class={`status ${tone}`} data-status={v}>
      <span class="dot" aria-hidden="true" />
      {props.label ?? STATUS_LABEL[v] ?? v}
    </span>
  );
}

export function Progress(props: { percent: number | undefined; label?: string }) {
  const p = Math.max(0, Math.min(100, props.percent ?? 0));
  return (
    <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(p)} aria-label={props.label ?? 'Progress'}>
      <div class="bar" style={{ width: `${p}%` }} />
      <span class="pct">{props.label ?? `${Math.round(p)}%`}</span>
    </div>
  );
}

export function Alert(props: { kind: 'error' | 'info' | 'success' | 'warning'; title?: string; children?: ComponentChildren; role?: AriaRole }) {
  return (
    <div class={`alert ${props.kind}`} role={props.role ?? (props.kind === 'error' ? 'alert' : 'status')}>
      {props.title && <strong class="alert-title">{props.title}</strong>}
      {props.children && <div class="alert-body">{props.children}</div>}
    </div>
  );
}

export function ErrorAlert(props: { error: unknown; title?: string }) {
  if (!props.error) return null;
  const e = errorOf(props.error);
  return (
    <Alert kind="error" title={props.title ?? 'Something went wrong'}>
      <code class="err-name">{e.name}</code> {e.message}
    </Alert>
  );
}

/** A labelled form control with its hint and, below it, its validation error. */
export function Field(props: { id: string; label: string; hint?: ComponentChildren; error?: string; children: ComponentChildren; optional?: boolean }) {
  return (
    <div class={`field ${props.error ? 'has-error' : ''}`} data-field={props.id}>
      <label for={props.id}>
        {props.label}
        {props.optional && <span class="optional"> – optional</span>}
      </label>
      {props.hint && <div class="hint" id={`${props.id}-hint`}>{props.hint}</div>}
      {props.children}
      {props.error && (
        <div class="field-error" id={`${props.id}-error`} role="alert">
          {props.error}
        </div>
      )}
    </div>
  );
}

export function Radio(props: { name: string; value: string; checked: boolean; onChange: (v: string) => void; label: string; desc?: string; id?: string }) {
  return (
    <label class={`choice ${props.checked ? 'checked' : ''}`}>
      <input type="radio" name={props.name} id={props.id} value={props.value} checked={props.checked} onChange={() => props.onChange(props.value)} />
      <span>
        <span class="choice-label">{props.label}</span>
        {props.desc && <span class="choice-desc">{props.desc}</span>}
      </span>
    </label>
  );
}

export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren; footer?: ComponentChildren }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') props.onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [props.onClose]);
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="modal-title">
        <header class="modal-head">
          <h2 id="modal-title">{props.title}</h2>
          <button type="button" class="icon-btn" aria-label="Close" onClick={props.onClose}>
            ×
          </button>
        </header>
        <div class="modal-body">{props.children}</div>
        {props.footer && <footer class="modal-foot">{props.footer}</footer>}
      </div>
    </div>
  );
}

export function Loading(props: { what?: string }) {
  return (
    <div class="loading" role="status">
      <span class="spinner" aria-hidden="true" /> Loading{props.what ? ` ${props.what}` : ''}…
    </div>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <div class="empty">{props.children}</div>;
}

/**
 * A data table. Wide screens get columns (scrolling sideways if they must); narrow ones get one card per
 * row, each cell labelled with its column's header (copied into data-label after every render).
 */
export function DataTable(props: { children: ComponentChildren; label: string; id?: string }) {
  const ref = useRef<HTMLTableElement>(null);
  useLayoutEffect(() => {
    const table = ref.current;
    if (!table) return;
    const heads = Array.from(table.querySelectorAll('thead th')).map((th) => th.textContent?.trim() ?? '');
    for (const tr of Array.from(table.querySelectorAll('tbody tr'))) {
      Array.from(tr.children).forEach((td, i) => {
        if (heads[i]) td.setAttribute('data-label', heads[i]!);
        else td.removeAttribute('data-label');
      });
    }
  });
  return (
    <div class="table-wrap" role="region" aria-label={props.label}>
      <table class="data" id={props.id} ref={ref}>
        {props.children}
      </table>
    </div>
  );
}

/** An ARN or S3 key that wraps after its ":" and "/" rather than mid-word. */
export function Breakable(props: { text: string | undefined }) {
  const t = props.text ?? '';
  const parts = t.split(/(?<=[:/])/);
  return (
    <span class="breakable">
      {parts.map((p, i) => (
        <Fragment key={i}>
          {p}
          {i < parts.length - 1 && <wbr />}
        </Fragment>
      ))}
    </span>
  );
}

export function Button(props: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: 'primary' | 'normal' | 'danger' | 'link'; busy?: boolean }) {
  const { variant = 'normal', busy, children, class: cls, ...rest } = props;
  return (
    <button type="button" {...rest} class={`btn ${variant} ${cls ?? ''}`} disabled={props.disabled || busy} aria-busy={busy ? 'true' : undefined}>
      {busy && <span class="spinner small" aria-hidden="true" />}
      {children}
    </button>
  );
}

export function Mono(props: { children: ComponentChildren }) {
  return <span class="mono">{typeof props.children === 'string' ? <Breakable text={props.children} /> : props.children}</span>;
}
