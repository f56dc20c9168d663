import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { Api } from './aws.js';
import { AppContext } from './hooks.js';
import { ExportDetailPage } from './pages/export-detail.js';
import { ExportFormPage } from './pages/export-form.js';
import { ExportsPage } from './pages/exports.js';
import { RdsDatabasesPage, RdsSnapshotsPage } from './pages/rds-sources.js';
import { RdsExportDetailPage, RdsExportFormPage, RdsExportsPage } from './pages/rds-exports.js';
import { SignInPage } from './pages/sign-in.js';
import { TableDetailPage } from './pages/table-detail.js';
import { TablesPage } from './pages/tables.js';
import { href, navigate, useRoute, type Route } from './router.js';
import { clearSession, loadSession, readBootstrap, saveSession, type Session } from './session.js';

const NAV: Array<{ group: string; items: Array<{ label: string; to: string; match: string }> }> = [
  {
    group: 'DynamoDB',
    items: [
      { label: 'Tables', to: href(['dynamodb', 'tables']), match: 'dynamodb/tables' },
      { label: 'Exports to S3', to: href(['dynamodb', 'exports']), match: 'dynamodb/exports' },
    ],
  },
  {
    group: 'RDS',
    items: [
      { label: 'Databases', to: href(['rds', 'databases']), match: 'rds/databases' },
      { label: 'Snapshots', to: href(['rds', 'snapshots']), match: 'rds/snapshots' },
      { label: 'Exports in Amazon S3', to: href(['rds', 'exports']), match: 'rds/exports' },
    ],
  },
];

function Content({ route }: { route: Route }) {
  const [svc, area, id, sub] = route.parts;
  if (svc === 'dynamodb' && area === 'tables') return id ? <TableDetailPage name={id} /> : <TablesPage />;
  if (svc === 'dynamodb' && area === 'exports') {
    if (id === 'new') return <ExportFormPage table={route.query.get('table') ?? undefined} />;
    return id ? <ExportDetailPage arn={id} /> : <ExportsPage />;
  }
  if (svc === 'rds' && area === 'databases') return <RdsDatabasesPage />;
  if (svc === 'rds' && area === 'snapshots') return <RdsSnapshotsPage />;
  if (svc === 'rds' && area === 'exports') {
    if (id === 'new') return <RdsExportFormPage source={route.query.get('source') ?? undefined} />;
    return id ? <RdsExportDetailPage id={id} /> : <RdsExportsPage />;
  }
  void sub;
  return <TablesPage />;
}

function App() {
  const boot = useMemo(readBootstrap, []);
  const [session, setSession] = useState<Session | null>(() => {
    const s = loadSession();
    if (s) return s;
    if (boot.signIn === 'auto' && boot.accessKeyId && boot.secretAccessKey) {
      const auto = { accessKeyId: boot.accessKeyId, secretAccessKey: boot.secretAccessKey, region: boot.region };
      saveSession(auto);
      return auto;
    }
    return null;
  });
  const [notice, setNotice] = useState<string | undefined>();
  const [menuOpen, setMenuOpen] = useState(false);
  const route = useRoute();
  const api = useMemo(() => (session ? new Api(session) : null), [session]);

  const signOut = useCallback((reason?: string) => {
    clearSession();
    setNotice(reason);
    setSession(null);
  }, []);

  useEffect(() => setMenuOpen(false), [route]);
  useEffect(() => {
    if (session && (route.parts.length === 0 || route.parts[0] === 'signin')) navigate(href(['dynamodb', 'tables']));
  }, [session, route]);

  if (!session || !api) {
    return (
      <SignInPage
        defaults={{ region: boot.region }}
        notice={notice}
        onSignIn={(s) => {
          saveSession(s);
          setNotice(undefined);
          setSession(s);
        }}
      />
    );
  }
  const current = route.parts.slice(0, 2).join('/');
  return (
    <AppContext.Provider value={{ api, signOut }}>
      <div class="shell">
        <header class="topbar">
          <button type="button" class="menu-btn" aria-label="Menu" aria-expanded={menuOpen} onClick={() => setMenuOpen(!menuOpen)}>
            ☰
          </button>
          <a class="brand" href={href(['dynamodb', 'tables'])}>
            <img src="/console/assets/favicon.svg" alt="" width={22} height={22} />
            Strata <span>console</span>
          </a>
          <div class="who">
            <span class="who-key" title="Access key">
              {session.accessKeyId}
            </span>
            <span class="who-region" title="Region">
              {session.region}
            </span>
            <button type="button" class="btn link" onClick={() => signOut()}>
              Sign out
            </button>
          </div>
        </header>
        <nav class={`sidenav ${menuOpen ? 'open' : ''}`} aria-label="Services">
          {NAV.map((g) => (
            <div class="nav-group" key={g.group}>
              <div class="nav-title">{g.group}</div>
              {g.items.map((i) => (
                <a key={i.to} href={i.to} class={current === i.match ? 'active' : ''} aria-current={current === i.match ? 'page' : undefined}>
                  {i.label}
                </a>
              ))}
            </div>
          ))}
        </nav>
        <main class="content">
          <Content route={route} />
        </main>
      </div>
    </AppContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
