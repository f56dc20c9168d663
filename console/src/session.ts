/** Who is signed in: AWS credentials and a region, kept for this browser tab only (sessionStorage). */
export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** What the server put in index.html: whether it signs in by itself (loopback only) and with what. */
export interface Bootstrap {
  signIn: 'auto' | 'required';
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

const KEY = 'strata.console.session';

export function readBootstrap(): Bootstrap {
  const el = document.getElementById('strata-bootstrap');
  try {
    const b = JSON.parse(el?.textContent ?? '') as Bootstrap;
    if (b && (b.signIn === 'auto' || b.signIn === 'required')) return b;
  } catch {
    // not served by Strata (or tampered with): sign-in required
  }
  return { signIn: 'required', region: 'us-east-1' };
}

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    if (s && s.accessKeyId && s.secretAccessKey && s.region) return s;
  } catch {
    // ignore a malformed entry
  }
  return null;
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
