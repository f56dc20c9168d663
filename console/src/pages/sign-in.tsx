import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { useState } from 'preact/hooks';
import { Api, errorOf, isAuthError } from '../aws.js';
import type { Session } from '../session.js';
import { Alert, Button, Field } from '../ui.js';

/** Asks for an access key, its secret and a region; checks them with a signed ListTables before keeping them. */
export function SignInPage(props: { defaults: { region: string }; notice?: string; onSignIn: (s: Session) => void }) {
  const [accessKeyId, setKey] = useState('');
  const [secretAccessKey, setSecret] = useState('');
  const [region, setRegion] = useState(props.defaults.region);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!accessKeyId.trim()) errs.accessKeyId = 'Enter an access key ID.';
    if (!secretAccessKey) errs.secretAccessKey = 'Enter the secret access key.';
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region.trim())) errs.region = 'Enter a region such as us-east-1.';
    setErrors(errs);
    setFailure(undefined);
    if (Object.keys(errs).length) return;
    const s = { accessKeyId: accessKeyId.trim(), secretAccessKey, region: region.trim() };
    setBusy(true);
    try {
      await new Api(s).ddb.send(new ListTablesCommand({ Limit: 1 }));
      props.onSignIn(s);
    } catch (err) {
      const x = errorOf(err);
      setFailure(isAuthError(err) ? `The access key ID or secret access key is not valid (${x.name}).` : `${x.name}: ${x.message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <form class="signin-card" onSubmit={submit} noValidate aria-labelledby="signin-title">
        <div class="brand big">
          <img src="/console/assets/favicon.svg" alt="" width={30} height={30} />
          Strata <span>console</span>
        </div>
        <h1 id="signin-title">Sign in</h1>
        <p class="muted">Use the same credentials as the AWS CLI or an SDK pointed at this server. They are kept in this browser tab only.</p>
        {props.notice && <Alert kind="warning">{props.notice}</Alert>}
        {failure && (
          <Alert kind="error" title="Sign-in failed">
            {failure}
          </Alert>
        )}
        <Field id="accessKeyId" label="Access key ID" error={errors.accessKeyId}>
          <input id="accessKeyId" name="accessKeyId" autocomplete="username" value={accessKeyId} onInput={(e) => setKey(e.currentTarget.value)} />
        </Field>
        <Field id="secretAccessKey" label="Secret access key" error={errors.secretAccessKey}>
          <input id="secretAccessKey" name="secretAccessKey" type="password" autocomplete="current-password" value={secretAccessKey} onInput={(e) => setSecret(e.currentTarget.value)} />
        </Field>
        <Field id="region" label="Region" error={errors.region}>
          <input id="region" name="region" value={region} onInput={(e) => setRegion(e.currentTarget.value)} />
        </Field>
        <Button type="submit" variant="primary" busy={busy} class="wide">
          Sign in
        </Button>
      </form>
    </main>
  );
}
