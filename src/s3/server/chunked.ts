import { createHash, createHmac, timingSafeEqual, type Hash } from 'node:crypto';
import { S3Error, incompleteBody } from './errors.js';

/** What is needed to verify chunk signatures of STREAMING-AWS4-HMAC-SHA256-PAYLOAD bodies. */
export interface ChunkSigning {
  /** The SigV4 signing key (HMAC chain over date, region, service, "aws4_request"). */
  key: Buffer;
  amzDate: string;
  /** yyyymmdd/region/service/aws4_request */
  scope: string;
  /** The signature of the request headers: the first chunk's "previous signature". */
  seedSignature: string;
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const MAX_LINE = 8192;

export const signatureDoesNotMatch = (): S3Error =>
  new S3Error(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    403,
  );

const malformedChunk = (why: string): S3Error => new S3Error('IncompleteBody', `The request body is not valid aws-chunked encoding: ${why}`, 400);

type State = 'size' | 'data' | 'data-cr' | 'data-lf' | 'trailer' | 'final' | 'done';

/**
 * Incremental decoder for `Content-Encoding: aws-chunked` bodies:
 *   <hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n[<trailer>:<value>\r\n...]\r\n
 * Verifies each chunk's signature (and the trailer signature) when signing is given, and collects trailers.
 */
export class AwsChunkedDecoder {
  private state: State = 'size';
  private line = '';
  private remaining = 0;
  private chunkSignature = '';
  private chunkHash: Hash | null = null;
  private previousSignature: string;
  private sawFinalSignature = false;
  readonly trailers = new Map<string, string>();
  private trailerLines: string[] = [];
  decodedLength = 0;

  constructor(
    private readonly signed: boolean,
    private readonly withTrailer: boolean,
    private readonly signing: ChunkSigning | undefined,
  ) {
    this.previousSignature = signing?.seedSignature ?? '';
  }

  /** Feeds raw bytes; returns the decoded payload pieces they contain (views into `buf`, no copies). */
  push(buf: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let i = 0;
    while (i < buf.length) {
      switch (this.state) {
        case 'size':
        case 'trailer':
        case 'final': {
          const nl = buf.indexOf(0x0a, i);
          const end = nl < 0 ? buf.length : nl;
          this.line += buf.toString('latin1', i, end);
          if (this.line.length > MAX_LINE) throw malformedChunk('line too long');
          i = end;
          if (nl < 0) break;
          i = nl + 1;
          const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
          this.line = '';
          this.onLine(line);
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, buf.length - i);
          const piece = buf.subarray(i, i + take);
          this.chunkHash?.update(piece);
          this.decodedLength += take;
          out.push(piece);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) {
            this.finishChunk();
            this.state = 'data-cr';
          }
          break;
        }
        case 'data-cr':
          if (buf[i] === 0x0d) {
            i++;
            this.state = 'data-lf';
          } else if (buf[i] === 0x0a) {
            i++;
            this.state = 'size';
          } else throw malformedChunk('expected CRLF after chunk data');
          break;
        case 'data-lf':
          if (buf[i] !== 0x0a) throw malformedChunk('expected CRLF after chunk data');
          i++;
          this.state = 'size';
          break;
        case 'done':
          // Tolerate trailing whitespace only.
          for (; i < buf.length; i++) if (buf[i] !== 0x0d && buf[i] !== 0x0a) throw malformedChunk('data after the final chunk');
          break;
      }
    }
    return out;
  }

  /** Call at end of input: throws when the body stopped before its final chunk. */
  finish(): void {
    if (this.state === 'final' && this.line === '') this.state = 'done';
    if (this.state === 'trailer' && this.line === '' && this.trailerLines.length > 0) this.endTrailer();
    if (this.state !== 'done') throw incompleteBody();
  }

  private onLine(line: string): void {
    if (this.state === 'size') {
      const semi = line.indexOf(';');
      const sizeText = (semi < 0 ? line : line.slice(0, semi)).trim();
      if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw malformedChunk(`bad chunk size "${sizeText.slice(0, 32)}"`);
      const size = parseInt(sizeText, 16);
      this.chunkSignature = '';
      if (semi >= 0) {
        for (const ext of line.slice(semi + 1).split(';')) {
          const eq = ext.indexOf('=');
          if (eq > 0 && ext.slice(0, eq).trim() === 'chunk-signature') this.chunkSignature = ext.slice(eq + 1).trim();
        }
      }
      if (this.signed && !this.chunkSignature) throw signatureDoesNotMatch();
      this.chunkHash = this.signed && this.signing ? createHash('sha256') : null;
      if (size === 0) {
        this.finishChunk();
        this.state = this.withTrailer ? 'trailer' : 'final';
        this.sawFinalSignature = true;
        return;
      }
      this.remaining = size;
      this.state = 'data';
      return;
    }
    if (this.state === 'final') {
      if (line !== '') throw malformedChunk('expected CRLF after the final chunk');
      this.state = 'done';
      return;
    }
    // trailer
    if (line === '') {
      this.endTrailer();
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformedChunk('bad trailer line');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    this.trailers.set(name, value);
    if (name !== 'x-amz-trailer-signature') this.trailerLines.push(`${name}:${value}\n`);
  }

  private endTrailer(): void {
    if (this.signed && this.signing) {
      const sig = this.trailers.get('x-amz-trailer-signature');
      if (!sig) throw signatureDoesNotMatch();
      const hash = createHash('sha256').update(this.trailerLines.join('')).digest('hex');
      const sts = ['AWS4-HMAC-SHA256-TRAILER', this.signing.amzDate, this.signing.scope, this.previousSignature, hash].join('\n');
      const expected = createHmac('sha256', this.signing.key).update(sts).digest('hex');
      if (!sameHex(expected, sig)) throw signatureDoesNotMatch();
    }
    this.state = 'done';
  }

  private finishChunk(): void {
    if (!this.signed || !this.signing) return;
    const dataHash = this.chunkHash ? this.chunkHash.digest('hex') : EMPTY_SHA256;
    this.chunkHash = null;
    const sts = ['AWS4-HMAC-SHA256-PAYLOAD', this.signing.amzDate, this.signing.scope, this.previousSignature, EMPTY_SHA256, dataHash].join('\n');
    const expected = createHmac('sha256', this.signing.key).update(sts).digest('hex');
    if (!sameHex(expected, this.chunkSignature)) throw signatureDoesNotMatch();
    this.previousSignature = expected;
  }

  get complete(): boolean {
    return this.state === 'done' && this.sawFinalSignature;
  }
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b.toLowerCase(), 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** Derives the SigV4 signing key. */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  let k: Buffer = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  k = createHmac('sha256', k).update(region).digest();
  k = createHmac('sha256', k).update(service).digest();
  return createHmac('sha256', k).update('aws4_request').digest();
}
