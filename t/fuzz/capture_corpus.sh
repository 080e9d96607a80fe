#!/bin/bash
# Remake the seed corpora under t/fuzz/corpus/ from real traffic (root):
# capture loopback HTTP while the integration suite runs, take every
# Authorization and WWW-Authenticate value, and add the byte vectors of the
# unit tests. See t/fuzz/README.
#
#   t/fuzz/capture_corpus.sh              # capture a suite run, then extract
#   t/fuzz/capture_corpus.sh FILE.pcap    # extract from an earlier capture
#
# Needs tshark (apt-get install tshark) and a built module.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ports="tcp port 8529 or tcp portrange 18190-18199"   # Apache::Test, t/root
work=$(mktemp -d /tmp/neg-corpus.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [ $# -ge 1 ]; then
    pcap=$1
else
    [ "$(id -u)" = 0 ] || { echo "capture_corpus.sh: run as root" >&2; exit 1; }
    pcap=$work/suite.pcap
    tshark -i lo -f "$ports" -w "$pcap" -q 2>"$work/tshark.log" &
    tpid=$!
    for _ in $(seq 50); do [ -s "$pcap" ] && break; sleep 0.1; done
    (cd "$top" && NEGOTIATE_KEEP_DOMAIN=1 bash t/integration.sh) >"$work/suite.log" 2>&1 \
        || echo "capture_corpus.sh: the suite failed (see below); using what was captured" >&2
    sleep 1
    kill "$tpid"; wait "$tpid" 2>/dev/null || true
    tail -3 "$work/suite.log" >&2
fi

# One line per HTTP message: stream, frame, Authorization values,
# WWW-Authenticate values (several joined by '|').
decode=()
for p in 8529 $(seq 18190 18199); do decode+=(-d "tcp.port==$p,http"); done
tshark -r "$pcap" "${decode[@]}" -Y 'http.authorization or http.www_authenticate' \
    -T fields -E occurrence=a -E 'aggregator=|' \
    -e tcp.stream -e frame.number -e http.authorization -e http.www_authenticate \
    >"$work/headers.tsv" 2>/dev/null

# The unit tests' real tokens and PAC, and the foreign tokens (clients the
# suite cannot run) with their CHALLENGE/AUTHENTICATE pairs, as files.
cat >"$work/dump.c" <<'EOF'
#include <stdio.h>
#include "real_tokens.h"
#include "pac_vectors.h"
#include "foreign_tokens.h"
static void put(const char *name, const unsigned char *p, size_t n)
{
    FILE *f = fopen(name, "wb");
    if (f) { fwrite(p, 1, n, f); fclose(f); }
}
#define PUT(a) put(#a, a, sizeof(a))
static unsigned char tok[8192], chal[8192];
int main(void)
{
    char name[128];
    size_t i, n, c;

    PUT(REAL_NTLMSSP_TYPE1); PUT(REAL_SPNEGO_INIT); PUT(REAL_SPNEGO_RESP_CHALLENGE);
    PUT(REAL_SPNEGO_RESP_AUTH); PUT(REAL_SPNEGO_RESP_DONE); PUT(REAL_PAC_ALICE);
    for (i = 0; i < FT_COUNT; i++) {
        snprintf(name, sizeof(name), "FOREIGN_%s", FOREIGN_TOKENS[i].name);
        if ((n = foreign_token_decode((int)i, tok, sizeof(tok))) > 0)
            put(name, tok, n);
    }
    /* fuzz_ntlm's split form: LE16 length of the CHALLENGE, CHALLENGE,
     * AUTHENTICATE (every pair is raw NTLMSSP) */
    for (i = 0; i < N_FOREIGN_NTLM_PAIRS; i++) {
        c = foreign_token_decode(FOREIGN_NTLM_PAIRS[i].challenge, chal + 2, sizeof(chal) - 2);
        n = foreign_token_decode(FOREIGN_NTLM_PAIRS[i].authenticate, tok, sizeof(tok));
        if (c == 0 || n == 0 || c + 2 + n > sizeof(chal))
            continue;
        chal[0] = (unsigned char)c;
        chal[1] = (unsigned char)(c >> 8);
        memcpy(chal + 2 + c, tok, n);
        snprintf(name, sizeof(name), "FOREIGNPAIR_%zu", i);
        put(name, chal, 2 + c + n);
    }
    return 0;
}
EOF
mkdir -p "$work/unit"
cc -w -I"$top/t/unit" "$work/dump.c" -o "$work/dump"
(cd "$work/unit" && "$work/dump")

python3 - "$work/headers.tsv" "$work/unit" "$here/corpus" <<'EOF'
import base64, binascii, hashlib, os, sys

tsv, unit, out = sys.argv[1:4]
LIMIT = 100           # files per harness
MAX_BYTES = 8192      # no giant files
SIG = b"NTLMSSP\0"

def der_octets(buf):
    """Every primitive OCTET STRING inside DER (SPNEGO's mechToken)."""
    found, stack = [], [buf]
    while stack:
        b, i = stack.pop(), 0
        while i + 2 <= len(b):
            tag, n, i = b[i], b[i + 1], i + 2
            if n & 0x80:
                k = n & 0x7f
                if k == 0 or k > 4 or i + k > len(b):
                    break
                n, i = int.from_bytes(b[i:i + k], "big"), i + k
            if i + n > len(b):
                break
            v, i = b[i:i + n], i + n
            if tag & 0x20:
                stack.append(v)
            elif tag == 0x04:
                found.append(v)
    return found

def ntlm_in(tok):
    if tok.startswith(SIG):
        return [tok]
    return [v for v in der_octets(tok) if v.startswith(SIG)]

def ntlm_type(m):
    return int.from_bytes(m[8:12], "little") if len(m) >= 12 else 0

def kind(tok):
    if tok.startswith(SIG):
        return "ntlm%d" % ntlm_type(tok)
    if tok[:1] == b"\x60":
        return "spnego-init" if b"\x06\x06\x2b\x06\x01\x05\x05\x02" in tok[:16] else "gss"
    if tok[:1] == b"\xa1":
        return "spnego-resp"
    return "other"

class Corpus:
    def __init__(self, name):
        self.name, self.keys, self.files = name, set(), {}
    def add(self, key, data, prefix):
        if not data or len(data) > MAX_BYTES or len(self.files) >= LIMIT:
            return
        h = hashlib.sha1(data).hexdigest()
        if key in self.keys or h in self.files:
            return
        self.keys.add(key)
        self.files[h] = (prefix, data)
    def write(self):
        d = os.path.join(out, self.name)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
        for h, (prefix, data) in self.files.items():
            with open(os.path.join(d, "%s-%s" % (prefix, h[:12])), "wb") as f:
                f.write(data)
        print("%-7s %3d files, %6d bytes" % (self.name, len(self.files),
              sum(len(v[1]) for v in self.files.values())))

header, spnego, ntlm, pac = (Corpus(n) for n in ("header", "spnego", "ntlm", "pac"))

def bucket(n):
    return n.bit_length()

# Unit test vectors first: they are the known-good exchange; then the
# foreign tokens, every one kept whatever its size class.
for f in sorted(os.listdir(unit)):
    data = open(os.path.join(unit, f), "rb").read()
    if f.startswith("REAL_PAC"):
        pac.add(f, data, "unit")
        continue
    if f.startswith("FOREIGNPAIR_"):
        ntlm.add(("foreign", f), data, "foreign-pair")
        continue
    if f.startswith("FOREIGN_"):
        spnego.add(("foreign", f), data, "foreign")
        for m in ntlm_in(data):
            ntlm.add(("foreign", f), m, "foreign")
        continue
    spnego.add(("unit", f), data, "unit")
    header.add(("unit", f), b"Negotiate " + base64.b64encode(data), "unit")
    for m in ntlm_in(data):
        ntlm.add(("unit", f), m, "unit")

last_challenge = {}       # tcp stream -> the last CHALLENGE we sent on it
for line in open(tsv, encoding="latin-1"):
    cols = line.rstrip("\n").split("\t")
    if len(cols) < 4:
        continue
    stream = cols[0]
    for col, direction in ((cols[2], "authz"), (cols[3], "www")):
        for value in filter(None, col.split("|")):
            raw = value.encode("latin-1")
            parts = value.split(None, 1)
            scheme = parts[0].lower()
            tok = None
            if len(parts) == 2:
                try:
                    tok = base64.b64decode(parts[1], validate=True)
                except (binascii.Error, ValueError):
                    tok = None
            k = kind(tok) if tok else "none"
            header.add((direction, scheme, k, bucket(len(raw))), raw, direction)
            if tok is None or scheme == "basic":
                continue
            spnego.add((scheme, k, bucket(len(tok))), tok, scheme)
            for m in ntlm_in(tok):
                t = ntlm_type(m)
                flags = int.from_bytes(m[12:16] if t == 1 else m[60:64] if t == 3
                                       else m[20:24], "little")
                ntlm.add(("msg", t, flags, bucket(len(m))), m, "type%d" % t)
                if t == 2:
                    last_challenge[stream] = m
                elif t == 3 and stream in last_challenge:
                    # fuzz_ntlm's split form: LE16 length, CHALLENGE, AUTHENTICATE
                    c = last_challenge.pop(stream)
                    pair = len(c).to_bytes(2, "little") + c + m
                    ntlm.add(("pair", flags, bucket(len(m))), pair, "pair")

for c in (header, spnego, ntlm, pac):
    c.write()
EOF
