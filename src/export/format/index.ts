/** DynamoDB export file formats: encoders, gzip data files, names and keys, manifests, verifier. */
export * from './names.js';
export * from './ddb-json.js';
export * from './ion.js';
export * from './data-file.js';
export * from './manifest.js';
export * from './verify.js';
