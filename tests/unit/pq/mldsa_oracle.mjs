#!/usr/bin/env node
// Batch oracle for test_mldsa_oracle.c: many ML-DSA-65 cases in one Node process, computed with
// @noble/post-quantum (from the xcheck folder's node_modules; the library that generated
// ../shared/vectors/mldsa65, driven the same way as gen_mldsa65.mjs).
// usage: node mldsa_oracle.mjs <xcheck dir> < cases > results
//   input line:  <xi> <rnd> <msg|-> <ctx|-> <flip offset> <flip mask>      (hex, '-' = empty)
//   output line: <pk> <sk> <sig> <verify(sig)> <verify(sig with byte[offset] ^= mask)>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.argv[2];
const { ml_dsa65 } = await import(pathToFileURL(join(dir, 'node_modules/@noble/post-quantum/ml-dsa.js')).href);
const hex = (u) => Buffer.from(u).toString('hex');
const bin = (h) => new Uint8Array(h === '-' ? [] : Buffer.from(h, 'hex'));
const out = [];
for (const line of readFileSync(0, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const [xi, rnd, m, c, off, mask] = line.trim().split(/\s+/);
  const msg = bin(m), context = bin(c), r = bin(rnd);
  const { publicKey: pk, secretKey: sk } = ml_dsa65.keygen(bin(xi));
  // FIPS 204 Alg. 2: rnd = 0^32 is the deterministic variant (noble: extraEntropy false)
  const zero = r.every((b) => b === 0);
  const sig = ml_dsa65.sign(msg, sk, { context, extraEntropy: zero ? false : r });
  const ok = ml_dsa65.verify(sig, msg, pk, { context });
  const bad = Uint8Array.from(sig);
  bad[+off] ^= +mask;
  let okBad;
  try { okBad = ml_dsa65.verify(bad, msg, pk, { context }); } catch (e) { okBad = false; }
  out.push([hex(pk), hex(sk), hex(sig), ok ? 1 : 0, okBad ? 1 : 0].join(' '));
}
process.stdout.write(out.join('\n') + '\n');
