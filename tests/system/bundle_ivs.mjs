// Reads BPv7 bundles with an independent CBOR decoder (the cbor2 npm package of
// ../shared/tools/xcheck) and prints, per bundle: "<file> bcb-iv=<hex> seq=<n> ct=<hex>".
// Used by sys_nonce.sh to check (key, IV) and sequence-number uniqueness from the bytes alone.
//   node bundle_ivs.mjs XCHECK_DIR FILE...
// RFC 9171 §4.3.2: a canonical block is [type, number, flags, crc type, data, (crc)].
// RFC 9172 §3.6: the ASB is a CBOR sequence: targets, context id, flags, (source),
// (parameters), results; RFC 9173 §4.3.1: BCB-AES-GCM parameter 1 is the IV.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [dir, ...files] = process.argv.slice(2);
const { decode } = await import(pathToFileURL(`${dir}/node_modules/cbor2/lib/index.js`).href);
const hex = (u) => Buffer.from(u).toString('hex');

// The ASB's fields, in order: targets, context id, flags, source, (parameters), results;
// flag bit 0 says the parameters are present (RFC 9172 §3.6).
function asbParams(bytes) {
  // Wrap the CBOR sequence in an indefinite array so one decode call reads it all.
  const wrapped = new Uint8Array(bytes.length + 2);
  wrapped[0] = 0x9f; wrapped.set(bytes, 1); wrapped[bytes.length + 1] = 0xff;
  const items = decode(wrapped);
  return Number(items[2]) & 1 ? items[4] : [];
}

for (const f of files) {
  const b = decode(new Uint8Array(readFileSync(f)));
  let iv = '-', seq = '-', ct = '-';
  for (const blk of b.slice(1)) {
    const type = Number(blk[0]), data = blk[4];
    if (type === 12) {
      for (const [id, v] of asbParams(data)) if (Number(id) === 1) iv = hex(v);
    } else if (type === 192) {
      const v = decode(data);
      seq = String(Array.isArray(v) ? v[v.length - 1] : v);
    } else if (type === 1) {
      ct = hex(data);
    }
  }
  console.log(`${f} bcb-iv=${iv} seq=${seq} ct=${ct}`);
}
