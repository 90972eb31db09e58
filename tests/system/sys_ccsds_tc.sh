#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# australis ccsds tc-encode / tc-decode: VCs without segment header (CCSDS 232.0 §4.1.3.1,
# --no-segment-header), frame types (AD, BD, BC) and control commands (Unlock, Set V(R),
# 232.0 §4.1.3.3 / 232.1), with exact JSON lines. Usage: sys_ccsds_tc.sh CLI
CLI="$1"
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# Third-party CLTU (dariolucia/ccsds TcEncoderTest, ../shared/vectors/ccsds_tc_cltu.json): a frame
# with no segment header and no FECF, SCID 123, VC 1, FSN 0, data 01..0A, randomized.
echo eb90ff429a5468e804bef6688c29a63957c20255555555555556c5c5c5c5c5c5c579 | xxd -r -p > "$T/v.cltu"
"$CLI" ccsds tc-decode --scid 123 --vcid 1 --no-segment-header --no-fecf "$T/v.cltu" -o "$T/v.out" > "$T/v.json" 2> "$T/v.err"
check "vector: exit 0" [ $? = 0 ]
check "vector: data 01..0a" [ "$(xxd -p "$T/v.out")" = "0102030405060708090a" ]
check "vector: JSON line" [ "$(cat "$T/v.json")" = '{"cltu":0,"type":"AD","scid":123,"vcid":1,"bypass":0,"ctrl":0,"fsn":0,"map":null,"seg_flags":null,"frame_len":15,"bch_corrected":0,"error":null}' ]
# the same CLTU read as a VC with segment header: 01 is taken as the header (a continuation
# segment with no first one): refused
"$CLI" ccsds tc-decode --scid 123 --vcid 1 --no-fecf "$T/v.cltu" -o "$T/v2.out" > "$T/v2.json" 2>/dev/null
check "vector with segment header: exit 1" [ $? = 1 ]
check "vector with segment header: MALFORMED" grep -q '"map":1,"seg_flags":0,"frame_len":15,"bch_corrected":0,"error":"AUS_E_MALFORMED"' "$T/v2.json"

# Round trip of 3000 octets without segment header: 3 frames (1017 data octets each at most)
head -c 3000 /dev/urandom > "$T/d"
"$CLI" ccsds tc-encode --scid 5 --vcid 2 --no-segment-header "$T/d" -o "$T/d.cltu" 2>/dev/null
check "no-seg encode: exit 0" [ $? = 0 ]
"$CLI" ccsds tc-decode --scid 5 --vcid 2 --no-segment-header "$T/d.cltu" -o "$T/d.out" > "$T/d.json" 2>/dev/null
check "no-seg decode: exit 0" [ $? = 0 ]
check "no-seg round trip: same bytes" cmp -s "$T/d" "$T/d.out"
check "no-seg: 3 frames" [ "$(wc -l < "$T/d.json")" = 3 ]
check "no-seg: first frame line" [ "$(head -1 "$T/d.json")" = '{"cltu":0,"type":"AD","scid":5,"vcid":2,"bypass":0,"ctrl":0,"fsn":0,"map":null,"seg_flags":null,"frame_len":1024,"bch_corrected":0,"error":null}' ]
# the frames of a VC with segment header read without: the header octets stay in the data
"$CLI" ccsds tc-encode --scid 5 --vcid 2 "$T/d" -o "$T/s.cltu" 2>/dev/null
"$CLI" ccsds tc-decode --scid 5 --vcid 2 --no-segment-header "$T/s.cltu" -o "$T/s.out" > /dev/null 2>&1
check "mismatched VC parameter: data differ" not cmp -s "$T/d" "$T/s.out"
# with SDLS (the header follows the primary header directly)
KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
"$CLI" ccsds tc-encode --scid 5 --vcid 2 --no-segment-header --sdls-spi 3 --sdls-key $KEY "$T/d" -o "$T/e.cltu" 2>/dev/null
"$CLI" ccsds tc-decode --scid 5 --vcid 2 --no-segment-header --sdls-spi 3 --sdls-key $KEY "$T/e.cltu" -o "$T/e.out" > /dev/null 2>&1
check "no-seg + SDLS round trip" cmp -s "$T/d" "$T/e.out"

# BD frame
printf 'hello' > "$T/h"
"$CLI" ccsds tc-encode --scid 7 --vcid 3 --bypass --fsn 9 "$T/h" -o "$T/bd.cltu" 2>/dev/null
"$CLI" ccsds tc-decode --scid 7 --vcid 3 "$T/bd.cltu" -o "$T/bd.out" > "$T/bd.json" 2>/dev/null
check "BD: exit 0 and data" [ "$(cat "$T/bd.out")" = hello ]
check "BD: JSON line" [ "$(cat "$T/bd.json")" = '{"cltu":0,"type":"BD","scid":7,"vcid":3,"bypass":1,"ctrl":0,"fsn":9,"map":0,"seg_flags":3,"frame_len":13,"bch_corrected":0,"error":null}' ]

# BC frames: Unlock and Set V(R)
"$CLI" ccsds tc-encode --scid 7 --vcid 3 --control unlock -o "$T/u.cltu" 2>/dev/null
check "unlock: encoded" [ $? = 0 ]
"$CLI" ccsds tc-decode --scid 7 --vcid 3 "$T/u.cltu" -o "$T/u.out" > "$T/u.json" 2>/dev/null
check "unlock: exit 0" [ $? = 0 ]
check "unlock: JSON line" [ "$(cat "$T/u.json")" = '{"cltu":0,"type":"BC","scid":7,"vcid":3,"bypass":1,"ctrl":1,"fsn":0,"map":null,"seg_flags":null,"command":"unlock","frame_len":8,"bch_corrected":0,"error":null}' ]
check "unlock: no user data" [ ! -s "$T/u.out" ]
"$CLI" ccsds tc-encode --scid 7 --vcid 3 --control set-vr=200 -o "$T/v.cltu" 2>/dev/null
"$CLI" ccsds tc-decode --scid 7 --vcid 3 --no-segment-header "$T/v.cltu" -o "$T/vr.out" > "$T/vr.json" 2>/dev/null
check "set V(R): JSON line" [ "$(cat "$T/vr.json")" = '{"cltu":0,"type":"BC","scid":7,"vcid":3,"bypass":1,"ctrl":1,"fsn":0,"map":null,"seg_flags":null,"command":"set_vr","vr":200,"frame_len":10,"bch_corrected":0,"error":null}' ]
cat "$T/u.cltu" "$T/bd.cltu" "$T/v.cltu" > "$T/mix.cltu"
"$CLI" ccsds tc-decode --scid 7 --vcid 3 "$T/mix.cltu" -o "$T/mix.out" > "$T/mix.json" 2>/dev/null
check "BC, BD, BC in one file: types in order" [ "$(grep -o '"type":"[A-Z]*"' "$T/mix.json" | tr '\n' ' ')" = '"type":"BC" "type":"BD" "type":"BC" ' ]

# usage
"$CLI" ccsds tc-decode --scid 7 --vcid 3 --control unlock "$T/u.cltu" -o "$T/x" > /dev/null 2>&1
check "--control with tc-decode: exit 2" [ $? = 2 ]
"$CLI" ccsds tc-encode --scid 7 --vcid 3 --control lock -o "$T/x" > /dev/null 2>&1
check "--control lock: exit 2" [ $? = 2 ]
"$CLI" ccsds --help | grep -q -- "--no-segment-header"
check "--help names --no-segment-header" [ $? = 0 ]
finish
