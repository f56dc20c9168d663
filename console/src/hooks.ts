import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { isAuthError, type Api } from './aws.js';

export interface AppContextValue {
  api: Api;
  /** Drops the session and shows the sign-in page (with a reason when the server refused the key). */
  signOut(reason?: string): void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const c = useContext(AppContext);
  if (!c) throw new Error('no AppContext');
  return c;
}

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again (keeps the current data on screen while it does). */
  reload(): void;
}

/**
 * Runs `load` when `deps` change and on reload(); while `pollMs(data)` returns a number, loads again after
 * that many milliseconds (how lists and details keep up with running exports). Credentials the server
 * refuses end the session.
 */
export function useAsync<T>(load: (api: Api) => Promise<T>, deps: unknown[], pollMs?: (data: T) => number | undefined): Async<T> {
  const { api, signOut } = useApp();
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const pollRef = useRef(pollMs);
  pollRef.current = pollMs;
  const depsKey = JSON.stringify(deps);
  const lastKey = useRef(depsKey);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fresh = lastKey.current !== depsKey;
    lastKey.current = depsKey;
    setState((s) => ({ data: fresh ? undefined : s.data, error: undefined, loading: true }));
    loadRef
      .current(api)
      .then((data) => {
        if (!live) return;
        setState({ data, error: undefined, loading: false });
        const next = pollRef.current?.(data);
        if (next !== undefined) timer = setTimeout(() => live && setTick((t) => t + 1), next);
      })
      .catch((error: unknown) => {
        if (!live) return;
        if (isAuthError(error)) {
          signOut('The server did not accept these credentials. Sign in again.');
          return;
        }
        setState((s) => ({ data: s.data, error, loading: false }));
      });
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, depsKey, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** Fetches all pages of a paginated call (bounded, so a huge account cannot hang the page). */
export async function allPages<P, I>(first: (token: string | undefined) => Promise<P>, items: (p: P) => I[] | undefined, next: (p: P) => string | undefined, maxPages = 50): Promise<I[]> {
  const out: I[] = [];
  let token: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const page = await first(token);
    out.push(...(items(page) ?? []));
    token = next(page);
    if (!token) break;
  }
  return out;
}
