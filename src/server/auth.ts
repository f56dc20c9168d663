import { AwsError } from './errors.js';
import { checkSkew, parseSignature, signatureMatches, type SignedRequest } from './sigv4.js';

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
  account: string;
}

export interface Principal {
  account: string;
  region: string;
  accessKeyId: string;
}

export const DEFAULT_ACCOUNT = '000000000000';

/**
 * Verifies SigV4 and maps the access key to an account. Known keys are always verified. In permissive
 * mode (the default on loopback) an unknown key with a well-formed signature is accepted, its account being
 * the key itself when it is 12 digits (as LocalStack does) or the default account. Unsigned requests are
 * refused in every mode.
 */
export class Authenticator {
  private readonly byKey: Map<string, Credential>;

  constructor(credentials: Credential[], readonly permissive: boolean, private readonly nowMs: () => number) {
    this.byKey = new Map(credentials.map((c) => [c.accessKeyId, c]));
  }

  /**
   * `service`, when given, is the only signing name accepted, and the checks run in DynamoDB's order:
   * signing time, credential scope, key, signature. Without it (S3, RDS, the admin API, which take any
   * name here) the key is looked at before the time, as before.
   */
  authenticate(req: SignedRequest, service?: string): Principal {
    const info = parseSignature(req);
    if (service !== undefined) {
      checkSkew(info, this.nowMs());
      if (info.service !== service) {
        // AWS's wording, trailing space included (its scope messages are joined into one).
        throw new AwsError('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'. `, 400);
      }
    }
    const known = this.byKey.get(info.accessKeyId);
    if (!known && !this.permissive) {
      throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', 400);
    }
    if (service === undefined) checkSkew(info, this.nowMs());
    if (known && !signatureMatches(req, info, known.secretAccessKey)) {
      throw new AwsError(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
        400,
      );
    }
    if (!known && !/^[0-9a-f]{64}$/i.test(info.signature)) {
      throw new AwsError('IncompleteSignatureException', 'The request signature is not well formed.', 400);
    }
    const account = known ? known.account : /^\d{12}$/.test(info.accessKeyId) ? info.accessKeyId : DEFAULT_ACCOUNT;
    return { account, region: info.region, accessKeyId: info.accessKeyId };
  }

  /** The secret for a known key (the console signs requests on the user's behalf with it). */
  credential(accessKeyId: string): Credential | undefined {
    return this.byKey.get(accessKeyId);
  }
}

/** Parses "AKID:SECRET[:ACCOUNT],..." as given to --credentials / STRATA_CREDENTIALS. */
export function parseCredentials(spec: string): Credential[] {
  return spec
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [accessKeyId, secretAccessKey, account] = entry.split(':');
      if (!accessKeyId || !secretAccessKey) throw new Error(`bad credential entry "${entry}": expected ACCESS_KEY:SECRET[:ACCOUNT]`);
      if (account !== undefined && !/^\d{12}$/.test(account)) throw new Error(`bad account "${account}": expected 12 digits`);
      return { accessKeyId, secretAccessKey, account: account ?? DEFAULT_ACCOUNT };
    });
}
