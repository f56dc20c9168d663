import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { IonTypes, load, loadAll, type dom } from 'ion-js';
import type { AttributeValue, Item } from '../../src/dynamodb/types.js';
import { normalizeNumber } from '../../src/dynamodb/values.js';
import { ionStructFromJson } from '../../src/export/format/ion-from-json.js';
import {
  base32Lower, checkRecord, dataFileKey, dataFileName, DataFileWriter, dynamoNumberOfDecimal, exportKeys, fullIonLine,
  fullJsonLine, fullJsonLineFromItem, ionItemTextViaIonJs, fullManifestSummary, GZIP_HEADER, incrementalIonLine, incrementalJsonLine,
  incrementalManifestSummary, ionDecimalOf, ionItemText, ionRecordFromLine, SYMBOL_ID_LIKE, makeExportArn, makeExportId, makeTableArn,
  manifestFilesJson, orderKeysFirst, manifestFilesLine, md5Base64, normalizePrefix, parseDataLine, parseExportArn, summaryTime,
  type DataFileResult, type IncrementalChange,
} from '../../src/export/format/index.js';
import { candidatePartSizes, MultipartEtagHasher, parseMultipartEtag } from '../../src/export/format/multipart-etag.js';

/** DynamoDB's canonical form of an item's numbers (what the store holds). */
function normalizeValue(v: AttributeValue): AttributeValue {
  if ('N' in v) return { N: normalizeNumber(v.N) };
  if ('NS' in v) return { NS: v.NS.map(normalizeNumber) };
  if ('L' in v) return { L: v.L.map(normalizeValue) };
  if ('M' in v) return { M: normalizeItem(v.M) };
  return v;
}

function normalizeItem(item: Item): Item {
  const out: Item = {};
  for (const k of Object.keys(item)) out[k] = normalizeValue(item[k]!);
  return out;
}

const EMPTY_GZ_HEX = '1f8b08000000000000ff03000000000000000000';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Writes lines through a DataFileWriter while consuming its stream; returns bytes and result. */
async function writeFile(lines: Iterable<string>): Promise<{ bytes: Buffer; result: DataFileResult }> {
  const w = new DataFileWriter();
  const bytesP = collect(w.stream);
  for (const line of lines) if (!w.writeLine(line)) await w.drained();
  const result = await w.end();
  return { bytes: await bytesP, result };
}

describe('names and keys', () => {
  it('base32 follows RFC 4648 (lowercase, unpadded)', () => {
    const vectors: Array<[string, string]> = [
      ['', ''], ['f', 'my'], ['fo', 'mzxq'], ['foo', 'mzxw6'], ['foob', 'mzxw6yq'], ['fooba', 'mzxw6ytb'], ['foobar', 'mzxw6ytboi'],
    ];
    for (const [input, want] of vectors) assert.equal(base32Lower(Buffer.from(input)), want);
  });

  it('data file names are 26 base32 chars whose last char index is a multiple of 4', () => {
    for (let i = 0; i < 50; i++) {
      const n = dataFileName('DYNAMODB_JSON');
      assert.match(n, /^[a-z2-7]{26}\.json\.gz$/);
      assert.equal('abcdefghijklmnopqrstuvwxyz234567'.indexOf(n[25]!) % 4, 0);
    }
    assert.match(dataFileName('ION'), /^[a-z2-7]{26}\.ion\.gz$/);
    assert.equal(dataFileName('DYNAMODB_JSON', Buffer.alloc(16)), 'a'.repeat(26) + '.json.gz');
    assert.equal(dataFileName('ION', Buffer.alloc(16, 0xff)), '7'.repeat(25) + '4.ion.gz');
  });

  it('export ids and ARNs match the real samples', () => {
    assert.equal(makeExportId(1768385930622, 'efd1a093'), '01768385930622-efd1a093');
    assert.equal(makeExportId(new Date('2020-11-11T21:33:52.834Z'), '8a918b87'), '01605130432834-8a918b87');
    assert.match(makeExportId(Date.now()), /^\d{14}-[0-9a-f]{8}$/);
    assert.equal(
      makeExportArn('eu-north-1', '123456789123', 'test', '01768385930622-efd1a093'),
      'arn:aws:dynamodb:eu-north-1:123456789123:table/test/export/01768385930622-efd1a093',
    );
    assert.equal(makeTableArn('eu-north-1', '123456789123', 'test'), 'arn:aws:dynamodb:eu-north-1:123456789123:table/test');
    assert.deepEqual(parseExportArn('arn:aws:dynamodb:us-east-1:111122223333:table/ProductCatalog/export/01695353076000-06e2188f'), {
      partition: 'aws', region: 'us-east-1', account: '111122223333', tableName: 'ProductCatalog',
      exportId: '01695353076000-06e2188f', tableArn: 'arn:aws:dynamodb:us-east-1:111122223333:table/ProductCatalog',
    });
    assert.equal(parseExportArn('arn:aws:dynamodb:us-east-1:111122223333:table/ProductCatalog'), null);
  });

  it('lays out full and incremental keys with and without a prefix', () => {
    const id = '01768385930622-efd1a093';
    assert.deepEqual(exportKeys(null, id), {
      exportDir: `AWSDynamoDB/${id}`,
      started: `AWSDynamoDB/${id}/_started`,
      manifestFiles: `AWSDynamoDB/${id}/manifest-files.json`,
      manifestFilesMd5: `AWSDynamoDB/${id}/manifest-files.md5`,
      manifestSummary: `AWSDynamoDB/${id}/manifest-summary.json`,
      manifestSummaryMd5: `AWSDynamoDB/${id}/manifest-summary.md5`,
      dataDir: `AWSDynamoDB/${id}/data/`,
    });
    assert.equal(dataFileKey(undefined, id, 'FULL_EXPORT', 'x.json.gz'), `AWSDynamoDB/${id}/data/x.json.gz`);
    assert.equal(dataFileKey('', id, 'FULL_EXPORT', 'x.json.gz'), `AWSDynamoDB/${id}/data/x.json.gz`);
    assert.equal(dataFileKey('demo_prefix', id, 'FULL_EXPORT', 'x.json.gz'), `demo_prefix/AWSDynamoDB/${id}/data/x.json.gz`);
    assert.equal(dataFileKey(null, id, 'INCREMENTAL_EXPORT', 'x.json.gz'), 'AWSDynamoDB/data/x.json.gz');
    assert.equal(dataFileKey('a/b', id, 'INCREMENTAL_EXPORT', 'x.json.gz'), 'a/b/AWSDynamoDB/data/x.json.gz');
    assert.equal(exportKeys('a/b', id, 'INCREMENTAL_EXPORT').manifestFiles, `a/b/AWSDynamoDB/${id}/manifest-files.json`);
    // A trailing slash never doubles: "exports/" and "exports" give the same keys.
    assert.deepEqual(exportKeys('exports/', id), exportKeys('exports', id));
    assert.equal(exportKeys('exports//', id).manifestSummary, `exports/AWSDynamoDB/${id}/manifest-summary.json`);
    assert.equal(normalizePrefix('/'), '');
    assert.equal(exportKeys('/', id).exportDir, `AWSDynamoDB/${id}`);
  });
});

describe('DynamoDB JSON lines', () => {
  it('wraps stored item text without re-parsing', () => {
    const stored =
      '{"id":{"S":"K3TXQk84Si"},"a":{"BOOL":false},"b":{"NULL":true},"c":{"SS":["8gfX8dh0xa","fRjHZJ2Ce9"]},"d":{"NS":["3","2"]},"e":{"L":[{"N":"1"},{"S":"Dsb87qc6Es"}]},"f":{"M":{"h":{"NULL":true},"i":{"BOOL":true},"g":{"N":"9"}}},"j":{"B":"aGVsbG8="},"k":{"BS":["aXMgZmFzdA==","c2N5bGxhZGI="]}}';
    const real = `{"Item":${stored}}\n`; // the real [S11] line
    assert.equal(fullJsonLine(stored), real);
    assert.equal(fullJsonLineFromItem(JSON.parse(stored) as Item), real);
    assert.equal(fullJsonLine('{"pk":{"S":"1"},"sk":{"S":"1"},"test":{"S":"test"}}'), '{"Item":{"pk":{"S":"1"},"sk":{"S":"1"},"test":{"S":"test"}}}\n');
  });

  it('reproduces the real NEW_AND_OLD_IMAGES incremental records', () => {
    const insert: IncrementalChange = {
      writeTimestampMicros: 1768386096366933,
      keys: { pk: { S: '2' }, sk: { S: '1' } },
      oldImage: null,
      newImage: '{"test":{"S":"test2"},"pk":{"S":"2"},"sk":{"S":"1"}}',
    };
    assert.equal(
      incrementalJsonLine(insert, 'NEW_AND_OLD_IMAGES'),
      '{"Metadata":{"WriteTimestampMicros":{"N":"1768386096366933"}},"Keys":{"pk":{"S":"2"},"sk":{"S":"1"}},"NewImage":{"pk":{"S":"2"},"sk":{"S":"1"},"test":{"S":"test2"}}}\n',
    );
    const del: IncrementalChange = {
      writeTimestampMicros: 1768387654350448n,
      keys: { sk: { S: '1' }, pk: { S: '1' } },
      oldImage: { pk: { S: '1' }, sk: { S: '1' }, test: { S: 'test' } },
      newImage: null,
    };
    assert.equal(
      incrementalJsonLine(del, 'NEW_AND_OLD_IMAGES'),
      '{"Metadata":{"WriteTimestampMicros":{"N":"1768387654350448"}},"Keys":{"pk":{"S":"1"},"sk":{"S":"1"}},"OldImage":{"pk":{"S":"1"},"sk":{"S":"1"},"test":{"S":"test"}}}\n',
    );
    const update: IncrementalChange = {
      writeTimestampMicros: '1768387673917155',
      keys: { pk: { S: '1' }, sk: { S: '3' } },
      oldImage: { pk: { S: '1' }, sk: { S: '3' }, test2: { S: '2' }, test1: { S: '1' } },
      newImage: { pk: { S: '1' }, sk: { S: '3' }, test2: { S: '2' }, test1: { S: '1' }, bin_update: { BS: ['0000', '0001'] } },
    };
    assert.equal(
      incrementalJsonLine(update, 'NEW_AND_OLD_IMAGES'),
      '{"Metadata":{"WriteTimestampMicros":{"N":"1768387673917155"}},"Keys":{"pk":{"S":"1"},"sk":{"S":"3"}},"OldImage":{"pk":{"S":"1"},"sk":{"S":"3"},"test1":{"S":"1"},"test2":{"S":"2"}},"NewImage":{"bin_update":{"BS":["0000","0001"]},"pk":{"S":"1"},"sk":{"S":"3"},"test1":{"S":"1"},"test2":{"S":"2"}}}\n',
    );
    // NEW_IMAGE: no OldImage ever; a delete is Metadata + Keys only.
    assert.equal(
      incrementalJsonLine(update, 'NEW_IMAGE'),
      '{"Metadata":{"WriteTimestampMicros":{"N":"1768387673917155"}},"Keys":{"pk":{"S":"1"},"sk":{"S":"3"}},"NewImage":{"bin_update":{"BS":["0000","0001"]},"pk":{"S":"1"},"sk":{"S":"3"},"test1":{"S":"1"},"test2":{"S":"2"}}}\n',
    );
    assert.equal(
      incrementalJsonLine(del, 'NEW_IMAGE'),
      '{"Metadata":{"WriteTimestampMicros":{"N":"1768387654350448"}},"Keys":{"pk":{"S":"1"},"sk":{"S":"1"}}}\n',
    );
    // Inserted and deleted inside the window: no record.
    assert.equal(incrementalJsonLine({ ...insert, newImage: null }, 'NEW_AND_OLD_IMAGES'), null);
    assert.equal(incrementalJsonLine({ ...insert, newImage: null }, 'NEW_IMAGE'), null);
  });

  it('sorts nested map keys in incremental images (UTF-16 order) and keeps set and list order', () => {
    const line = incrementalJsonLine(
      {
        writeTimestampMicros: 1,
        keys: { pk: { S: 'k' } },
        oldImage: null,
        newImage: { pk: { S: 'k' }, z: { M: { b: { N: '1' }, a: { L: [{ M: { y: { S: '' }, x: { S: '' } } }] }, B: { NS: ['3', '2'] } } } },
      },
      'NEW_IMAGE',
    );
    assert.equal(
      line,
      '{"Metadata":{"WriteTimestampMicros":{"N":"1"}},"Keys":{"pk":{"S":"k"}},"NewImage":{"pk":{"S":"k"},"z":{"M":{"B":{"NS":["3","2"]},"a":{"L":[{"M":{"x":{"S":""},"y":{"S":""}}}]},"b":{"N":"1"}}}}}\n',
    );
  });

  it('puts key attributes first when asked, keeping the rest in stored order', () => {
    const item: Item = { test2: { S: '2' }, sk: { S: 's' }, test1: { S: '1' }, pk: { S: 'p' } };
    assert.deepEqual(Object.keys(orderKeysFirst(item, ['pk', 'sk'])), ['pk', 'sk', 'test2', 'test1']);
    const ordered: Item = { pk: { S: 'p' }, x: { N: '1' } };
    assert.equal(orderKeysFirst(ordered, ['pk']), ordered);
    assert.equal(fullJsonLineFromItem(orderKeysFirst(item, ['pk', 'sk'])), '{"Item":{"pk":{"S":"p"},"sk":{"S":"s"},"test2":{"S":"2"},"test1":{"S":"1"}}}\n');
  });

  it('rejects a WriteTimestampMicros that is not a non-negative integer', () => {
    for (const bad of [1.5, -1, '1e3', '', Number.MAX_SAFE_INTEGER + 2]) {
      assert.throws(() => incrementalJsonLine({ writeTimestampMicros: bad, keys: {}, oldImage: {}, newImage: null }, 'NEW_AND_OLD_IMAGES'));
    }
  });
});

describe('Amazon Ion lines', () => {
  it('reproduces the documentation example exactly', () => {
    const item: Item = {
      Authors: { SS: ['Author1', 'Author2'] },
      Dimensions: { S: '8.5 x 11.0 x 1.5' },
      ISBN: { S: '333-3333333333' },
      Id: { N: '103' },
      InPublication: { BOOL: false },
      PageCount: { N: '600' },
      Price: { N: '2000' },
      ProductCategory: { S: 'Book' },
      Title: { S: 'Book 103 Title' },
    };
    assert.equal(
      fullIonLine(item),
      '$ion_1_0 {Item:{Authors:$dynamodb_SS::["Author1","Author2"],Dimensions:"8.5 x 11.0 x 1.5",ISBN:"333-3333333333",Id:103.,InPublication:false,PageCount:6d2,Price:2d3,ProductCategory:"Book",Title:"Book 103 Title"}}\n',
    );
    assert.equal(fullIonLine(JSON.stringify(item)), fullIonLine(item));
  });

  it('prints numbers like ion-java prints a BigDecimal with trailing zeros stripped', () => {
    const cases: Array<[string, string]> = [
      ['103', '103.'], ['12', '12.'], ['0', '0.'], ['-7', '-7.'], ['600', '6d2'], ['10', '1d1'], ['2000', '2d3'],
      ['1.5', '1.5'], ['-12.3', '-12.3'], ['0.5', '0.5'], ['0.001', '0.001'], ['0.000001', '0.000001'], ['0.0000015', '0.0000015'],
      ['0.0000001', '1d-7'], ['1E-10', '1d-10'], ['1.50', '1.5'], ['1e2', '1d2'], ['-0.00000012', '-12d-8'], ['123.456', '123.456'],
      ['1E+125', '1d125'], ['9.9999999999999999999999999999999999999E+125', '99999999999999999999999999999999999999d88'],
      ['1E-130', '1d-130'], ['-0', '0.'], ['000.100', '0.1'], ['100.5', '100.5'],
    ];
    for (const [n, want] of cases) {
      assert.equal(ionItemText({ n: { N: n } }), `{n:${want}}`, `number ${n}`);
    }
  });

  it('quotes field names that are not identifiers or are keywords, escapes strings like ion-java', () => {
    const item: Item = {
      plain_$1: { S: 'a' },
      'my-attr': { S: 'b' },
      null: { NULL: true },
      true: { BOOL: true },
      false: { BOOL: false },
      nan: { S: '' },
      $12: { S: '' },
      $: { S: '' },
      '1abc': { S: '' },
      "it's": { S: 'say "hi"\\\n\t\u0001\u007f\u0085é€😀' },
      'é': { S: '' },
    };
    assert.equal(
      ionItemText(item),
      `{plain_$1:"a",'my-attr':"b",'null':null,'true':true,'false':false,'nan':"",'$12':"",$:"",'1abc':"",'it\\'s':"say \\"hi\\"\\\\\\n\\t\\x01\\x7f\\x85é€😀",'é':""}`,
    );
  });

  it('writes blobs, sets, lists and maps', () => {
    const item: Item = {
      b: { B: 'aGVsbG8=' },
      e: { B: '' },
      bs: { BS: ['aXMgZmFzdA==', 'c2N5bGxhZGI='] },
      ns: { NS: ['3', '2.50', '100'] },
      l: { L: [{ N: '1' }, { S: 'x' }, { L: [] }, { M: {} }, { NULL: true }] },
      m: { M: { h: { NULL: true }, i: { BOOL: true }, g: { N: '9' } } },
    };
    assert.equal(
      ionItemText(item),
      '{b:{{aGVsbG8=}},e:{{}},bs:$dynamodb_BS::[{{aXMgZmFzdA==}},{{c2N5bGxhZGI=}}],ns:$dynamodb_NS::[3.,2.5,1d2],l:[1.,"x",[],{},null],m:{h:null,i:true,g:9.}}',
    );
  });

  it('writes incremental records with Metadata, Keys, OldImage, NewImage', () => {
    const change: IncrementalChange = {
      writeTimestampMicros: 1768387673917155,
      keys: { pk: { S: '1' }, sk: { S: '3' } },
      oldImage: { pk: { S: '1' }, sk: { S: '3' }, test1: { N: '10' } },
      newImage: { test1: { N: '11' }, pk: { S: '1' }, sk: { S: '3' } },
    };
    assert.equal(
      incrementalIonLine(change, 'NEW_AND_OLD_IMAGES'),
      '$ion_1_0 {Metadata:{WriteTimestampMicros:1768387673917155.},Keys:{pk:"1",sk:"3"},OldImage:{pk:"1",sk:"3",test1:1d1},NewImage:{pk:"1",sk:"3",test1:11.}}\n',
    );
    assert.equal(
      incrementalIonLine({ ...change, newImage: null }, 'NEW_IMAGE'),
      '$ion_1_0 {Metadata:{WriteTimestampMicros:1768387673917155.},Keys:{pk:"1",sk:"3"}}\n',
    );
    assert.equal(incrementalIonLine({ ...change, oldImage: null, newImage: null }, 'NEW_IMAGE'), null);
    const back = ionRecordFromLine(incrementalIonLine(change, 'NEW_AND_OLD_IMAGES')!.slice(0, -1));
    assert.deepEqual(Object.keys(back), ['Metadata', 'Keys', 'OldImage', 'NewImage']);
    assert.deepEqual(back.Metadata, { WriteTimestampMicros: { N: '1768387673917155' } });
    assert.deepEqual(back.NewImage, { pk: { S: '1' }, sk: { S: '3' }, test1: { N: '11' } });
    assert.equal(checkRecord(back, 'INCREMENTAL_EXPORT', 'NEW_AND_OLD_IMAGES'), null);
  });

  // ---- round trips through ion-js's reader and its DOM loader

  const TRICKY_CHAR = fc.oneof(
    fc.constantFrom('\0', '\x07', '\x08', '\t', '\n', '\x0b', '\x0c', '\r', '\x1f', '\x7f', '\x80', '\x9f', '\xa0', '\xff', '"', "'", '\\', '/', '$', '_', '-', ' ', 'é', '€', '😀', '\u2028', '\u0100'),
    fc.constantFrom('a', 'Z', '0', '9', 'x'),
  );
  const trickyString = fc.string({ unit: TRICKY_CHAR, maxLength: 10 });
  const SAFE_NAME = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
    fc.string({ unit: TRICKY_CHAR, minLength: 1, maxLength: 6 }),
    fc.constantFrom('null', 'true', 'false', 'nan', '$1', '$99', '$', '$ion_1_0', '$ion', 'a b', 'Item', 'a1', '_', '1a'),
  );
  const numberText = fc.oneof(
    fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
    fc.tuple(fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }), fc.integer({ min: -90, max: 80 })).map(([c, e]) => `${c}E${e}`),
    fc.tuple(fc.integer({ min: 0, max: 99999 }), fc.integer({ min: 0, max: 9999 })).map(([a, b]) => `${a}.${String(b).padStart(4, '0')}`),
  );
  const b64 = fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a).toString('base64'));
  const value: fc.Memo<AttributeValue> = fc.memo((depth) => {
    const scalars: Array<fc.Arbitrary<AttributeValue>> = [
      fc.string({ unit: 'grapheme' }).map((S) => ({ S })),
      trickyString.map((S) => ({ S })),
      numberText.map((N) => ({ N })),
      b64.map((B) => ({ B })),
      fc.boolean().map((BOOL) => ({ BOOL })),
      fc.constant({ NULL: true as const }),
      fc.uniqueArray(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 4 }).map((SS) => ({ SS })),
      fc.uniqueArray(fc.integer({ min: -500, max: 500 }), { minLength: 1, maxLength: 4 }).map((a) => ({ NS: a.map(String) })),
      fc.uniqueArray(b64, { minLength: 1, maxLength: 3 }).map((BS) => ({ BS })),
    ];
    if (depth <= 1) return fc.oneof(...scalars);
    return fc.oneof(
      ...scalars,
      fc.array(value(depth - 1), { maxLength: 4 }).map((L) => ({ L })),
      fc.dictionary(SAFE_NAME, value(depth - 1), { maxKeys: 4 }).map((M) => ({ M })),
    );
  });
  const item = fc.dictionary(SAFE_NAME, value(3), { minKeys: 1, maxKeys: 8 });

  /** Compares an ion-js DOM value with the DynamoDB value it was written from. */
  function assertDomEquals(v: dom.Value, a: AttributeValue, path: string): void {
    const t = v.getType();
    if ('S' in a) return assert.equal(v.stringValue(), a.S, path);
    if ('N' in a) {
      assert.equal(t, IonTypes.DECIMAL, path);
      const d = v.decimalValue()!;
      return assert.equal(dynamoNumberOfDecimal(d), normalizeNumber(a.N), path);
    }
    if ('B' in a) return assert.equal(Buffer.from(v.uInt8ArrayValue()!).toString('base64'), a.B, path);
    if ('BOOL' in a) return assert.equal(v.booleanValue(), a.BOOL, path);
    if ('NULL' in a) return assert.ok(v.isNull() && t === IonTypes.NULL, path);
    const set = 'SS' in a ? ['$dynamodb_SS', a.SS] : 'NS' in a ? ['$dynamodb_NS', a.NS] : 'BS' in a ? ['$dynamodb_BS', a.BS] : null;
    if (set) {
      assert.deepEqual(v.getAnnotations(), [set[0]], path);
      const elems = [...v.elements()];
      const want = set[1] as string[];
      assert.equal(elems.length, want.length, path);
      elems.forEach((e, i) => {
        if ('SS' in a) assert.equal(e.stringValue(), want[i]);
        else if ('NS' in a) assert.equal(dynamoNumberOfDecimal(e.decimalValue()!), want[i]);
        else assert.equal(Buffer.from(e.uInt8ArrayValue()!).toString('base64'), want[i]);
      });
      return;
    }
    if ('L' in a) {
      assert.equal(t, IonTypes.LIST, path);
      const elems = [...v.elements()];
      assert.equal(elems.length, a.L.length, path);
      elems.forEach((e, i) => assertDomEquals(e, a.L[i]!, `${path}[${i}]`));
      return;
    }
    assert.ok('M' in a, path);
    assert.equal(t, IonTypes.STRUCT, path);
    const fields = v.fields();
    assert.deepEqual(fields.map(([k]) => k).sort(), Object.keys(a.M).sort(), path);
    for (const [k, fv] of fields) assertDomEquals(fv, a.M[k]!, `${path}.${k}`);
  }

  it('every generated line reads back with ion-js to the same item (reader: exact, order kept)', () => {
    fc.assert(
      fc.property(item, (it) => {
        const line = fullIonLine(it);
        assert.ok(line.endsWith('}\n') && line.startsWith('$ion_1_0 {Item:{'));
        assert.equal(line.indexOf('\n'), line.length - 1, 'one line');
        const back = ionRecordFromLine(line.slice(0, -1));
        assert.deepEqual(Object.keys(back), ['Item']);
        assert.deepEqual(back.Item, normalizeItem(it));
        assert.deepEqual(Object.keys(back.Item!), Object.keys(it));
        assert.equal(checkRecord(back, 'FULL_EXPORT', null), null);
      }),
      { numRuns: 400 },
    );
  });

  it('every generated line loads with ion-js load/loadAll to equal values (decimals, sets, blobs)', () => {
    fc.assert(
      fc.property(item, (it) => {
        const line = fullIonLine(it);
        const all = loadAll(line);
        assert.equal(all.length, 1);
        const top = load(line)!;
        const inner = top.get('Item');
        assert.ok(inner);
        assertDomEquals(inner, { M: it }, 'Item');
      }),
      { numRuns: 300 },
    );
  });

  it('the serializer writes exactly what the ion-js text writer writes', () => {
    // Except names ion-js's own writer leaves bare but its reader takes for symbol ids ($0x1f, $1e5):
    // Strata quotes those so they read back (checked in the round-trip tests above).
    const names = (v: unknown): string[] => {
      if (!v || typeof v !== 'object') return [];
      const o = v as Record<string, unknown>;
      const inner = 'M' in o ? [o.M] : 'L' in o ? (o.L as unknown[]) : [];
      return inner.flatMap((x) => ('M' in o ? [...Object.keys(x as object), ...Object.values(x as object).flatMap(names)] : names(x)));
    };
    fc.assert(
      fc.property(item.filter((it) => ![...Object.keys(it), ...Object.values(it).flatMap(names)].some((n) => SYMBOL_ID_LIKE.test(n))), (it) => {
        assert.equal(ionItemText(it), ionItemTextViaIonJs(it));
      }),
      { numRuns: 1000 },
    );
  });

  it('lines straight from the stored JSON text are those of the parsed item, and the fast path is taken', () => {
    let fast = 0;
    fc.assert(
      fc.property(item, (it) => {
        const text = JSON.stringify(it);
        const direct = ionStructFromJson(text);
        if (direct !== undefined) {
          fast++;
          assert.equal(direct, ionItemText(JSON.parse(text) as Item));
        }
        assert.equal(fullIonLine(text), fullIonLine(JSON.parse(text) as Item));
      }),
      { numRuns: 2000 },
    );
    assert.ok(fast > 200, `fast path taken ${fast} times in 2000`);
    // Plain items take it; escapes, C1 controls and integer-like names (JSON.parse reorders those) do not.
    const plain: Item = { pk: { S: 'item#1' }, n: { N: '-12.50' }, m: { M: { l: { L: [{ BOOL: true }, { NULL: true }] }, b: { B: 'AQI=' } } }, ss: { SS: ['a', 'é'] }, bs: { BS: ['AA=='] }, ns: { NS: ['1', '2E3'] } };
    assert.equal(ionStructFromJson(JSON.stringify(plain)), ionItemText(plain));
    for (const odd of [{ s: { S: 'a"b' } } as Item, { s: { S: 'tab\there' } }, { s: { S: '\x85' } }, { 7: { S: 'x' }, a: { S: 'y' } }]) {
      assert.equal(ionStructFromJson(JSON.stringify(odd)), undefined, JSON.stringify(odd));
      assert.equal(fullIonLine(JSON.stringify(odd)), fullIonLine(odd as Item));
    }
    assert.equal(ionStructFromJson('{"a": {"S":"x"}}'), undefined, 'whitespace leaves the fast path');
  });

  it('names a reader would take for symbol ids are quoted and read back', () => {
    for (const name of ['$1', '$10', '$0xa', '$0b1', '$1e5']) {
      const line = fullIonLine({ [name]: { S: 'v' } });
      assert.equal(line, `$ion_1_0 {Item:{'${name}':"v"}}\n`);
      assert.deepEqual(ionRecordFromLine(line.trim()), { Item: { [name]: { S: 'v' } } });
    }
    assert.equal(fullIonLine({ $0a: { S: 'v' } }), '$ion_1_0 {Item:{$0a:"v"}}\n');
  });

  it('ionDecimalOf strips trailing zeros and keeps the sign', () => {
    assert.equal(ionDecimalOf('-1.500').toString(), '-1.5');
    assert.equal(ionDecimalOf('1500').getExponent(), 2);
    assert.equal(ionDecimalOf('-0.0').isNegative(), false);
    assert.throws(() => ionDecimalOf('abc'));
  });

  it('rejects malformed Ion records', () => {
    assert.throws(() => ionRecordFromLine('{Item:{a:1.}}'), /\$ion_1_0/);
    assert.throws(() => ionRecordFromLine('$ion_1_0 {Item:{a:1}}'), /int/);
    assert.throws(() => ionRecordFromLine('$ion_1_0 {Item:{a:1e0}}'), /float/);
    assert.throws(() => ionRecordFromLine('$ion_1_0 {Item:{a:$dynamodb_XS::[]}}'), /annotation/);
    assert.throws(() => ionRecordFromLine('$ion_1_0 {Item:{a:$dynamodb_SS::[1.]}}'), /string/);
    assert.throws(() => ionRecordFromLine('$ion_1_0 {Other:{}}'), /unexpected/);
    assert.throws(() => ionRecordFromLine('$ion_1_0 {Item:{}} {Item:{}}'), /more than one/);
  });
});

describe('DataFileWriter', () => {
  it('an empty file is exactly the 20 bytes AWS writes', async () => {
    const { bytes, result } = await writeFile([]);
    assert.equal(bytes.toString('hex'), EMPTY_GZ_HEX);
    assert.deepEqual(
      { itemCount: result.itemCount, md5Checksum: result.md5Checksum, etag: result.etag, compressedBytes: result.compressedBytes, uncompressedBytes: result.uncompressedBytes },
      { itemCount: 0, md5Checksum: 'FjvgqIxwymKf1RbbqtrZag==', etag: '7deb4078f238dd87d6af0538152c04e9-1', compressedBytes: 20, uncompressedBytes: 0 },
    );
    assert.equal(gunzipSync(bytes).length, 0);
  });

  it('writes a single gzip member with AWS header, correct trailer and checksums', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => fullJsonLineFromItem({ pk: { S: `k${i}` }, n: { N: String(i * 7) }, s: { S: 'é€😀'.repeat(i % 5) } }));
    const { bytes, result } = await writeFile(lines);
    const text = lines.join('');
    assert.deepEqual(bytes.subarray(0, 10), GZIP_HEADER);
    assert.equal(gunzipSync(bytes).toString('utf8'), text);
    assert.equal(bytes.readUInt32LE(bytes.length - 4), Buffer.byteLength(text));
    const md5 = createHash('md5').update(bytes).digest();
    assert.equal(result.md5Checksum, md5.toString('base64'));
    assert.equal(result.etag, `${createHash('md5').update(md5).digest('hex')}-1`);
    assert.equal(result.itemCount, 5000);
    assert.equal(result.compressedBytes, bytes.length);
    assert.equal(result.uncompressedBytes, Buffer.byteLength(text));
    assert.equal(result.md5Checksum.length, 24);
  });

  it('applies backpressure when nobody reads the stream, and resumes when read', async () => {
    const w = new DataFileWriter({ level: 0 });
    const line = `${'x'.repeat(1000)}\n`;
    let written = 0;
    while (w.writeLine(line)) {
      written++;
      if (written > 100_000) break;
    }
    assert.ok(written < 2000, `writer should push back early, wrote ${written} lines (~${written} KB)`);
    const bytesP = collect(w.stream);
    await w.drained();
    for (let i = 0; i < 3000; i++) await w.write(line);
    const result = await w.end();
    const bytes = await bytesP;
    assert.equal(result.itemCount, written + 1 + 3000);
    assert.equal(gunzipSync(bytes).length, result.itemCount * line.length);
  });

  it('rejects pending writes when the consumer destroys the stream', async () => {
    const w = new DataFileWriter({ level: 0 });
    const line = `${'y'.repeat(1000)}\n`;
    while (w.writeLine(line));
    const wait = w.drained();
    w.stream.destroy(new Error('upload failed'));
    await assert.rejects(wait, /upload failed/);
    assert.throws(() => w.writeLine(line), /upload failed/);
    await assert.rejects(w.end(), /upload failed/);
  });

  it('refuses lines without a newline and writes after end', async () => {
    const w = new DataFileWriter();
    assert.throws(() => w.writeLine('{"Item":{}}'), /must end/);
    const p = collect(w.stream);
    await w.end();
    await p;
    assert.throws(() => w.writeLine('x\n'), /after end/);
  });

  it('keeps memory bounded while streaming a large file', async () => {
    const w = new DataFileWriter({ level: 1 });
    let compressed = 0;
    const consumer = (async () => {
      for await (const c of w.stream) compressed += (c as Buffer).length;
    })();
    const base = process.memoryUsage().rss;
    let peak = 0;
    const line = fullJsonLineFromItem({ pk: { S: 'p' }, data: { S: 'abcdefghij'.repeat(20) } });
    let seed = 1;
    for (let i = 0; i < 400_000; i++) {
      // Vary the content so it does not compress to nothing.
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      if (!w.writeLine(line.replace('"p"', `"${seed.toString(36)}"`))) await w.drained();
      if (i % 50_000 === 0) peak = Math.max(peak, process.memoryUsage().rss - base);
    }
    const result = await w.end();
    await consumer;
    assert.equal(result.compressedBytes, compressed);
    assert.ok(result.uncompressedBytes > 80_000_000, `wrote ${result.uncompressedBytes} bytes`);
    assert.ok(peak < 64 * 1024 * 1024, `rss grew by ${peak} bytes while writing ${result.uncompressedBytes} bytes`);
  });
});

describe('manifests', () => {
  it('reproduces the real full-export summary byte for byte', () => {
    const id = '01768385930622-efd1a093';
    const text = fullManifestSummary({
      exportArn: makeExportArn('eu-north-1', '123456789123', 'test', id),
      startTime: 1768385930622,
      endTime: new Date('2026-01-14T10:24:58.984Z'),
      tableArn: makeTableArn('eu-north-1', '123456789123', 'test'),
      tableId: 'cf263806-6bf1-4e51-a242-7067dcdecc72',
      exportTime: 1768385930622,
      s3Bucket: 'test-1231x1x',
      s3Prefix: null,
      s3SseAlgorithm: 'AES256',
      s3SseKmsKeyId: null,
      manifestFilesS3Key: exportKeys(null, id).manifestFiles,
      billedSizeBytes: 0,
      itemCount: 3,
      outputFormat: 'DYNAMODB_JSON',
    });
    assert.equal(
      text,
      '{"version":"2020-06-30","exportArn":"arn:aws:dynamodb:eu-north-1:123456789123:table/test/export/01768385930622-efd1a093","startTime":"2026-01-14T10:18:50.622Z","endTime":"2026-01-14T10:24:58.984Z","tableArn":"arn:aws:dynamodb:eu-north-1:123456789123:table/test","tableId":"cf263806-6bf1-4e51-a242-7067dcdecc72","exportTime":"2026-01-14T10:18:50.622Z","s3Bucket":"test-1231x1x","s3Prefix":null,"s3SseAlgorithm":"AES256","s3SseKmsKeyId":null,"manifestFilesS3Key":"AWSDynamoDB/01768385930622-efd1a093/manifest-files.json","billedSizeBytes":0,"itemCount":3,"outputFormat":"DYNAMODB_JSON"}',
    );
    assert.ok(!text.endsWith('\n'));
    assert.equal(md5Base64(text), createHash('md5').update(text).digest('base64'));
  });

  it('reproduces the real incremental-export summary byte for byte', () => {
    const id = '01768386924000-d339e52d';
    const text = incrementalManifestSummary({
      exportArn: makeExportArn('eu-north-1', '123456789123', 'test', id),
      startTime: new Date('2026-01-14T10:35:24Z'),
      endTime: new Date('2026-01-14T10:40:27.622Z'),
      tableArn: 'arn:aws:dynamodb:eu-north-1:123456789123:table/test',
      tableId: 'cf263806-6bf1-4e51-a242-7067dcdecc72',
      exportFromTime: new Date('2026-01-14T10:20:00Z'),
      exportToTime: new Date('2026-01-14T10:35:00Z'),
      s3Bucket: 'test-1231x1x',
      s3Prefix: null,
      s3SseAlgorithm: 'AES256',
      s3SseKmsKeyId: null,
      manifestFilesS3Key: exportKeys(null, id, 'INCREMENTAL_EXPORT').manifestFiles,
      billedSizeBytes: 10000000,
      itemCount: 6,
      outputFormat: 'DYNAMODB_JSON',
      outputView: 'NEW_AND_OLD_IMAGES',
    });
    assert.equal(
      text,
      '{"version":"2023-08-01","exportArn":"arn:aws:dynamodb:eu-north-1:123456789123:table/test/export/01768386924000-d339e52d","startTime":"2026-01-14T10:35:24.000Z","endTime":"2026-01-14T10:40:27.622Z","tableArn":"arn:aws:dynamodb:eu-north-1:123456789123:table/test","tableId":"cf263806-6bf1-4e51-a242-7067dcdecc72","exportFromTime":"2026-01-14T10:20:00.000Z","exportToTime":"2026-01-14T10:35:00.000Z","s3Bucket":"test-1231x1x","s3Prefix":null,"s3SseAlgorithm":"AES256","s3SseKmsKeyId":null,"manifestFilesS3Key":"AWSDynamoDB/01768386924000-d339e52d/manifest-files.json","billedSizeBytes":10000000,"itemCount":6,"outputFormat":"DYNAMODB_JSON","outputView":"NEW_AND_OLD_IMAGES","exportType":"INCREMENTAL_EXPORT"}',
    );
  });

  it('writes the prefix, KMS and Ion values of a summary as given', () => {
    const text = fullManifestSummary({
      exportArn: 'arn:aws:dynamodb:us-east-1:111122223333:table/t/export/01605130432834-8a918b87',
      startTime: Date.parse('2020-11-11T21:33:52.834Z'),
      endTime: Date.parse('2020-11-11T21:40:00Z'),
      tableArn: 'arn:aws:dynamodb:us-east-1:111122223333:table/t',
      tableId: 'id',
      exportTime: 1605130431 * 1000,
      s3Bucket: 'b',
      s3Prefix: 'demo_prefix',
      s3SseAlgorithm: 'KMS',
      s3SseKmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k',
      manifestFilesS3Key: exportKeys('demo_prefix', '01605130432834-8a918b87').manifestFiles,
      billedSizeBytes: 19,
      itemCount: 0,
      outputFormat: 'ION',
    });
    const o = JSON.parse(text) as Record<string, unknown>;
    assert.equal(o.exportTime, '2020-11-11T21:33:51.000Z');
    assert.equal(o.s3Prefix, 'demo_prefix');
    assert.equal(o.manifestFilesS3Key, 'demo_prefix/AWSDynamoDB/01605130432834-8a918b87/manifest-files.json');
    assert.equal(o.s3SseAlgorithm, 'KMS');
    assert.equal(o.outputFormat, 'ION');
    assert.ok(!('exportType' in o) && !('outputView' in o));
    assert.equal(summaryTime(0), '1970-01-01T00:00:00.000Z');
  });

  it('writes manifest-files.json lines in AWS key order, each ending in a newline', () => {
    const entries = [
      { dataFileS3Key: 'AWSDynamoDB/01768385930622-efd1a093/data/5mrfg3b44e3vhnfickkozoym6a.json.gz', etag: 'b5443265c5e545b6c8d8275e0b6f8c15-1', md5Checksum: 'y+zg5fVeudb3R3DOQ+RKgA==', itemCount: 3 },
      { itemCount: 0, md5Checksum: 'FjvgqIxwymKf1RbbqtrZag==', etag: '7deb4078f238dd87d6af0538152c04e9-1', dataFileS3Key: 'AWSDynamoDB/01768385930622-efd1a093/data/zqp435kgma323mmasy7jmciuje.json.gz' },
    ];
    const text = manifestFilesJson(entries);
    assert.equal(
      text,
      '{"itemCount":3,"md5Checksum":"y+zg5fVeudb3R3DOQ+RKgA==","etag":"b5443265c5e545b6c8d8275e0b6f8c15-1","dataFileS3Key":"AWSDynamoDB/01768385930622-efd1a093/data/5mrfg3b44e3vhnfickkozoym6a.json.gz"}\n' +
        '{"itemCount":0,"md5Checksum":"FjvgqIxwymKf1RbbqtrZag==","etag":"7deb4078f238dd87d6af0538152c04e9-1","dataFileS3Key":"AWSDynamoDB/01768385930622-efd1a093/data/zqp435kgma323mmasy7jmciuje.json.gz"}\n',
    );
    assert.equal(manifestFilesLine(entries[1]!), text.slice(text.indexOf('\n') + 1));
    assert.equal(manifestFilesJson([]), '');
    const md5 = md5Base64(text);
    assert.equal(md5.length, 24);
    assert.ok(!md5.includes('\n'));
  });

  it('empty-file checksums from the 2020 export (OS byte 0) also follow the rules', () => {
    const gz2020 = Buffer.from('1f8b080000000000000003000000000000000000', 'hex');
    const md5 = createHash('md5').update(gz2020).digest();
    assert.equal(md5.toString('base64'), 'OXDoJgXH0Qm7NI/JTp7swA==');
    assert.equal(`${createHash('md5').update(md5).digest('hex')}-1`, '67c8121a4701556ecf2fa9dda42c0269-1');
  });
});

describe('record checks', () => {
  it('accepts well-formed records and names the fault of bad ones', () => {
    assert.equal(checkRecord(parseDataLine('{"Item":{"pk":{"S":"1"}}}', 'DYNAMODB_JSON'), 'FULL_EXPORT', null), null);
    assert.match(checkRecord({ Item: { pk: { X: '1' } } }, 'FULL_EXPORT', null)!, /unknown type/);
    assert.match(checkRecord({ Item: { pk: { S: '1', N: '1' } } }, 'FULL_EXPORT', null)!, /exactly one type/);
    assert.match(checkRecord({ Item: { n: { N: 'abc' } } }, 'FULL_EXPORT', null)!, /number/);
    assert.match(checkRecord({ Item: {}, Extra: 1 }, 'FULL_EXPORT', null)!, /Item/);
    const ok = { Metadata: { WriteTimestampMicros: { N: '1' } }, Keys: { pk: { S: '1' } }, NewImage: { pk: { S: '1' } } };
    assert.equal(checkRecord(ok, 'INCREMENTAL_EXPORT', 'NEW_IMAGE'), null);
    assert.match(checkRecord({ Keys: ok.Keys, Metadata: ok.Metadata }, 'INCREMENTAL_EXPORT', 'NEW_IMAGE')!, /order/);
    assert.match(checkRecord({ ...ok, NewImage: { pk: { S: '2' } } }, 'INCREMENTAL_EXPORT', 'NEW_IMAGE')!, /does not match/);
    assert.match(checkRecord({ Metadata: ok.Metadata, Keys: ok.Keys }, 'INCREMENTAL_EXPORT', 'NEW_AND_OLD_IMAGES')!, /neither/);
    assert.equal(checkRecord({ Metadata: ok.Metadata, Keys: ok.Keys }, 'INCREMENTAL_EXPORT', 'NEW_IMAGE'), null);
    assert.match(checkRecord({ Metadata: ok.Metadata, Keys: ok.Keys, OldImage: ok.NewImage }, 'INCREMENTAL_EXPORT', 'NEW_IMAGE')!, /OldImage/);
    assert.match(checkRecord({ ...ok, Metadata: { WriteTimestampMicros: 5 } }, 'INCREMENTAL_EXPORT', 'NEW_IMAGE')!, /WriteTimestampMicros/);
  });
});

describe('multipart ETag recomputation (strata verify)', () => {
  const MIB = 1024 * 1024;
  /** What S3 computes for parts of `partSize`: md5 of the parts' md5s, then "-N". */
  const s3Etag = (bytes: Buffer, partSize: number): string => {
    const all = createHash('md5');
    let n = 0;
    for (let at = 0; at < bytes.length || n === 0; at += partSize, n++) all.update(createHash('md5').update(bytes.subarray(at, at + partSize)).digest());
    return `${all.digest('hex')}-${n}`;
  };
  const bytes = Buffer.from(Array.from({ length: 11 * MIB }, (_, i) => (i * 2654435761) >>> 24));

  it('parses only the multipart form', () => {
    assert.deepEqual(parseMultipartEtag('0123456789abcdef0123456789abcdef-2'), { parts: 2 });
    assert.equal(parseMultipartEtag('0123456789abcdef0123456789abcdef'), null);
    assert.equal(parseMultipartEtag('"0123456789abcdef0123456789abcdef-2"'), null);
    assert.equal(parseMultipartEtag('0123456789abcdef0123456789abcdef-0'), null);
  });

  it('candidate part sizes split the object into exactly N parts, at least 5 MiB', () => {
    assert.deepEqual(candidatePartSizes(11 * MIB, 2).map((p) => p / MIB), [6, 7, 8, 9, 10]);
    assert.deepEqual(candidatePartSizes(17 * MIB, 3).map((p) => p / MIB), [6, 7, 8]);
    assert.deepEqual(candidatePartSizes(11 * MIB, 2, 8 * MIB), [8 * MIB], 'a part size the endpoint reports is the only candidate');
    assert.deepEqual(candidatePartSizes(11 * MIB, 2, 3 * MIB).map((p) => p / MIB), [6, 7, 8, 9, 10], 'one that cannot give 2 parts is ignored');
    assert.deepEqual(candidatePartSizes(4 * MIB, 2), [], 'two parts of a 4 MiB object would be under the 5 MiB minimum');
    assert.deepEqual(candidatePartSizes(123, 1), [123]);
  });

  it('reproduces the ETag S3 gives for any of those part sizes, fed in arbitrary chunks', () => {
    for (const partSize of [5 * MIB, 8 * MIB, 10 * MIB]) {
      const parts = Math.ceil(bytes.length / partSize);
      const sizes = candidatePartSizes(bytes.length, parts);
      const h = new MultipartEtagHasher(sizes);
      for (let at = 0; at < bytes.length; at += 777_777) h.update(bytes.subarray(at, at + 777_777));
      assert.ok(h.etags().includes(s3Etag(bytes, partSize)), `${partSize / MIB} MiB parts`);
    }
  });

  it('one changed byte, or a wrong part count, no longer matches', () => {
    const etag = s3Etag(bytes, 8 * MIB);
    const tampered = Buffer.from(bytes);
    tampered[9 * MIB] = tampered[9 * MIB]! ^ 1;
    const h = new MultipartEtagHasher(candidatePartSizes(tampered.length, 2));
    h.update(tampered);
    assert.ok(!h.etags().includes(etag));
    const three = new MultipartEtagHasher(candidatePartSizes(bytes.length, 3));
    three.update(bytes);
    assert.ok(!three.etags().includes(etag));
  });
});
