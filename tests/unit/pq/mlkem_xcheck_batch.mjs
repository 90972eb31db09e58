#!/usr/bin/env node
// Batch oracle for tests/unit/pq/test_mlkem_oracle.c: many ML-KEM-768 cases in one Node process,
// computed with @noble/post-quantum from ../shared/tools/xcheck (same library as xcheck.mjs).
// usage: node mlkem_xcheck_batch.mjs <xcheck dir> < cases > results
//   input line:  <d 32B hex> <z 32B hex> <m 32B hex> <flip offset> <flip mask>
//   output line: <ek> <dk> <ct> <ss> <ss of ct with byte[offset] ^= mask>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.argv[2];
const { ml_kem768 } = await import(pathToFileURL(join(dir, 'node_modules/@noble/post-quantum/ml-kem.js')).href);
const hex = (u) => Buffer.from(u).toString('hex');
const bin = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const out = [];
for (const line of readFileSync(0, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const [d, z, m, off, mask] = line.trim().split(/\s+/);
  const k = ml_kem768.keygen(bin(d + z));
  const e = ml_kem768.encapsulate(k.publicKey, bin(m));
  const bad = Uint8Array.from(e.cipherText);
  bad[+off] ^= +mask;
  const ss = ml_kem768.decapsulate(e.cipherText, k.secretKey);
  const ssBad = ml_kem768.decapsulate(bad, k.secretKey);
  if (hex(ss) !== hex(e.sharedSecret)) throw new Error('noble: decaps != encaps');
  out.push([hex(k.publicKey), hex(k.secretKey), hex(e.cipherText), hex(ss), hex(ssBad)].join(' '));
}
process.stdout.write(out.join('\n') + '\n');
