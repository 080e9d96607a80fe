#!/usr/bin/python3
"""Hostile Authorization headers for t/71_hostile_table.t.

Drives HTTP/1.1 connections (http.client) through a scripted sequence of
steps; each step sends one request whose Authorization header is built from
a real message (python3-ntlm-auth's NtlmContext, python3-gssapi Kerberos),
a literal, or an earlier step's token, then mutated and framed as the step
says. Prints key=value lines:

  status<N>  the HTTP status of step N
  www<N>     the WWW-Authenticate headers of its response, comma-separated
             schemes, "+tok" when one carries a token ("NTLM+tok")
  user<N>    the REMOTE_USER the application saw
  reply<N>   the token of its WWW-Authenticate: Negotiate header, if any
  statuses   every step's status, comma-separated
  error      what went wrong in the client (a broken scenario)

  craft.py --port P --path /krb/whoami 'tok=t1:a' 'tok=t3:a m=mic:flip'
  craft.py --port P --serve     # one JSON scenario per stdin line
                                # ({"path", "host", "ccache", "steps"}),
                                # each answered with key=value lines, "end"

A step is space-separated key=value words (values %-escaped where needed):

  c=N          connection N (default 1); c=Nnew closes it and opens a new one
  s=SCHEME     scheme word (default NTLM)
  p=PATH       path for this step (default: the scenario's)
  tok=SRC      t1:CTX   NTLM NEGOTIATE of context CTX (created on first use
                        with user= pw= dom= compat= ws= of that step)
               t3:CTX   its AUTHENTICATE for the last challenge CTX received
               t2:CTX   that challenge itself (the server's message)
               krb      Kerberos AP-REQ in SPNEGO (python3-gssapi, ccache)
               krbraw   the raw krb5 GSS token
               same:N   exactly the bytes step N sent
               hex:HEX | text:TEXT | none (no Authorization header)
  m=MUT        mutation of the mechanism token, in order:
               trunc:N  set16:OFF:V  set32:OFF:V  xor:OFF[:MASK]  append:HEX
               mic:zero|flip   (the AUTHENTICATE's MIC at offset 72)
               nomic           drop the MIC's 16 bytes (payload moves up)
               avflags:clear   clear the MIC bit of MsvAvFlags (NTLMv2 blob)
               avflip:ID  avdup:ID  avdrop:ID (ID 0 = MsvAvEOL)
               field:NAME:HEX  replace lm|nt|dom|user|ws|key ("" = empty)
               user:TEXT       the user name (OEM or UTF-16LE, as flagged)
               flags:set:MASK  flags:clear:MASK  (AUTHENTICATE flags)
               blob:OFF:V      a byte of the NTLMv2 blob (0 = RespType)
  w=WRAP       init[:MECHS] SPNEGO NegTokenInit (MECHS: ntlm,krb5,mskrb5,
               negoex,other; default ntlm) with the token as mechToken;
               resp   NegTokenResp with it as responseToken
  h=VALUE      the whole Authorization value, literally (%-escaped)
  dup          send the Authorization header twice
  add=VALUE    a second Authorization header with this value
  sleep=S      wait S seconds before sending (on the same connection)
  wait=PATH    wait (up to 120 s) until the file PATH exists, then send
"""
import argparse
import base64
import http.client
import json
import os
import struct
import sys
import time
import traceback
import urllib.parse

from wire import add_target_arguments, der, der_read, resp_fields, server_token

NTLM_OID = bytes.fromhex('060a2b06010401823702020a')
NEGOEX_OID = bytes.fromhex('060a2b06010401823702021e')
SPNEGO_OID = bytes.fromhex('06062b0601050502')
KRB5_OID = bytes.fromhex('06092a864886f712010202')
MS_KRB5_OID = bytes.fromhex('06092a864882f712010202')
OTHER_OID = bytes.fromhex('06032a0304')
MECH_OIDS = {'ntlm': NTLM_OID, 'negoex': NEGOEX_OID, 'krb5': KRB5_OID,
             'mskrb5': MS_KRB5_OID, 'other': OTHER_OID}

MIC_OFFSET = 72
# AUTHENTICATE fields (MS-NLMP 2.2.1.3), in header order
FIELDS = ['lm', 'nt', 'dom', 'user', 'ws', 'key']


def spnego_init(mechs, token):
    init = der(0xa0, der(0x30, b''.join(MECH_OIDS[m] for m in mechs)))
    if token is not None:
        init += der(0xa2, der(0x04, token))
    return der(0x60, SPNEGO_OID + der(0xa0, der(0x30, init)))


def spnego_resp(token):
    return der(0xa1, der(0x30, der(0xa2, der(0x04, token))))


def unwrap_resp(tok):
    """responseToken of a NegTokenResp, or tok itself when it is raw."""
    if not tok or tok[0] != 0xa1:
        return tok
    field = resp_fields(tok).get(0xa2)
    if field is None:
        return None
    _, os_, oe = der_read(field, 0)
    return field[os_:oe]


# ------------------------------------------------------------ AUTHENTICATE

class Type3:
    """An AUTHENTICATE message as fields, rebuilt with a fresh layout."""

    def __init__(self, msg):
        self.head = bytearray(msg[:64])
        self.f = {}
        lowest = len(msg)
        for i, name in enumerate(FIELDS):
            ln, _, off = struct.unpack_from('<HHI', msg, 12 + 8 * i)
            self.f[name] = bytes(msg[off:off + ln])
            if ln:
                lowest = min(lowest, off)
        self.version = bytes(msg[64:72]) if lowest >= 72 else b''
        self.mic = bytes(msg[72:88]) if lowest >= 88 else None

    @property
    def flags(self):
        return struct.unpack_from('<I', self.head, 60)[0]

    @flags.setter
    def flags(self, v):
        struct.pack_into('<I', self.head, 60, v)

    def build(self):
        out = bytearray(self.head)
        out += self.version
        if self.mic is not None:
            out += self.mic
        off = len(out)
        payload = b''
        # payload in the order clients write it: domain, user, ws, lm, nt, key
        for name in ['dom', 'user', 'ws', 'lm', 'nt', 'key']:
            data = self.f[name]
            i = FIELDS.index(name)
            struct.pack_into('<HHI', out, 12 + 8 * i, len(data), len(data),
                             off + len(payload))
            payload += data
        return bytes(out + payload)

    # NTLMv2 response: NTProofStr(16) + blob; blob AV pairs start at 28
    def av_pairs(self):
        blob = self.f['nt'][16:]
        pairs, p = [], 28
        while p + 4 <= len(blob):
            aid, alen = struct.unpack_from('<HH', blob, p)
            pairs.append([aid, bytes(blob[p + 4:p + 4 + alen])])
            p += 4 + alen
            if aid == 0:
                break
        return blob[:28], pairs, blob[p:]

    def set_av_pairs(self, fixed, pairs, rest):
        body = b''.join(struct.pack('<HH', a, len(v)) + v for a, v in pairs)
        self.f['nt'] = self.f['nt'][:16] + fixed + body + rest


def mutate_type3(tok, op, arg):
    t = Type3(tok)
    if op == 'nomic':
        t.mic = None
    elif op == 'avflags':
        fixed, pairs, rest = t.av_pairs()
        for pr in pairs:
            if pr[0] == 6:
                pr[1] = struct.pack('<I', struct.unpack('<I', pr[1])[0] & ~0x2)
        t.set_av_pairs(fixed, pairs, rest)
    elif op in ('avflip', 'avdup', 'avdrop'):
        aid = int(arg[0], 0)
        fixed, pairs, rest = t.av_pairs()
        idx = [i for i, pr in enumerate(pairs) if pr[0] == aid]
        if not idx:
            raise ValueError('no AV pair %d' % aid)
        i = idx[0]
        if op == 'avflip':
            v = bytearray(pairs[i][1])
            v[0] ^= 0x01
            pairs[i][1] = bytes(v)
        elif op == 'avdup':
            pairs.insert(i, list(pairs[i]))
        else:
            del pairs[i]
            if aid == 0:
                rest = b''      # and the padding after it, which reads as EOL
        t.set_av_pairs(fixed, pairs, rest)
    elif op == 'field':
        t.f[arg[0]] = bytes.fromhex(arg[1] if len(arg) > 1 else '')
    elif op == 'user':          # in the message's encoding (Unicode flag)
        t.f['user'] = ':'.join(arg).encode('utf-16-le' if t.flags & 1 else 'latin-1')
    elif op == 'flags':
        mask = int(arg[1], 0)
        t.flags = t.flags | mask if arg[0] == 'set' else t.flags & ~mask
    elif op == 'blob':
        nt = bytearray(t.f['nt'])
        nt[16 + int(arg[0], 0)] = int(arg[1], 0)
        t.f['nt'] = bytes(nt)
    else:
        raise ValueError('unknown mutation ' + op)
    return t.build()


def mutate(tok, spec):
    op, *arg = spec.split(':')
    b = bytearray(tok)
    if op == 'trunc':
        return bytes(b[:int(arg[0], 0)])
    if op == 'set16':
        struct.pack_into('<H', b, int(arg[0], 0), int(arg[1], 0) & 0xffff)
        return bytes(b)
    if op == 'set32':
        struct.pack_into('<I', b, int(arg[0], 0), int(arg[1], 0) & 0xffffffff)
        return bytes(b)
    if op == 'xor':
        b[int(arg[0], 0)] ^= int(arg[1], 0) if len(arg) > 1 else 0x01
        return bytes(b)
    if op == 'append':
        return bytes(b) + bytes.fromhex(arg[0])
    if op == 'mic':
        if arg[0] == 'zero':
            b[MIC_OFFSET:MIC_OFFSET + 16] = bytes(16)
        else:
            b[MIC_OFFSET] ^= 0x01
        return bytes(b)
    return mutate_type3(tok, op, arg)


# ------------------------------------------------------------ scenario

def parse_step(text):
    step = {'m': [], 'dup': False, 'add': []}
    for word in text.split():
        k, _, v = word.partition('=')
        if k in ('h', 'add'):       # header values: any bytes
            v = urllib.parse.unquote_to_bytes(v)
        else:
            v = urllib.parse.unquote(v)
        if k == 'm':
            step['m'].append(v)
        elif k == 'add':
            step['add'].append(v)
        elif k == 'dup':
            step['dup'] = True
        else:
            step[k] = v
    return step


def www_summary(resp):
    out = []
    for value in resp.headers.get_all('WWW-Authenticate') or []:
        scheme, _, b64 = value.partition(' ')
        out.append(scheme + ('+tok' if b64.strip() else ''))
    return ','.join(out)


class Scenario:
    def __init__(self, a, sc):
        self.a = a
        self.path = sc.get('path', a.path)
        self.host = sc.get('host', a.host)
        self.ccache = sc.get('ccache') or a.ccache
        self.conns = {}
        self.ctxs = {}
        self.sent = {}
        self.out = {}

    def conn(self, step):
        n = step.get('c', '1')
        if n.endswith('new'):
            n = n[:-3] or '1'
            old = self.conns.pop(n, None)
            if old:
                old.close()
        if n not in self.conns:
            self.conns[n] = http.client.HTTPConnection('127.0.0.1', self.a.port, timeout=20)
        return self.conns[n]

    def ntlm_ctx(self, name, step):
        if name not in self.ctxs:
            from ntlm_auth.ntlm import NtlmContext
            self.ctxs[name] = {
                'ctx': NtlmContext(step.get('user', 'alice'),
                                   step.get('pw', 'AlicePassw0rd!'),
                                   domain=step.get('dom', 'EXAMPLE'),
                                   workstation=step.get('ws', 'TESTWS'),
                                   ntlm_compatibility=int(step.get('compat', '3'))),
                'challenge': None}
        return self.ctxs[name]

    def kerberos(self, mech):
        import gssapi
        oid = gssapi.OID.from_int_seq('1.3.6.1.5.5.2' if mech == 'spnego'
                                      else '1.2.840.113554.1.2.2')
        creds = gssapi.Credentials(usage='initiate', store={'ccache': self.ccache})
        name = gssapi.Name('HTTP@' + self.host, gssapi.NameType.hostbased_service)
        ctx = gssapi.SecurityContext(name=name, usage='initiate', mech=oid, creds=creds,
                                     flags=gssapi.RequirementFlag.mutual_authentication)
        return ctx.step()

    def token(self, src, step):
        kind, _, arg = src.partition(':')
        if kind == 't1':
            return self.ntlm_ctx(arg, step)['ctx'].step()
        if kind == 't3':
            c = self.ntlm_ctx(arg, step)
            if c['challenge'] is None:
                raise ValueError('context %s has no challenge' % arg)
            return c['ctx'].step(c['challenge'])
        if kind == 't2':
            return self.ctxs[arg]['challenge']
        if kind == 'krb':
            return self.kerberos('spnego')
        if kind == 'krbraw':
            return self.kerberos('krb5')
        if kind == 'same':
            return self.sent[int(arg)]
        if kind == 'hex':
            return bytes.fromhex(arg)
        if kind == 'text':
            return arg.encode()
        raise ValueError('unknown token source ' + src)

    def run_step(self, i, step):
        if 'sleep' in step:
            time.sleep(float(step['sleep']))
        if 'wait' in step:
            deadline = time.time() + 120
            while not os.path.exists(step['wait']) and time.time() < deadline:
                time.sleep(0.05)
        scheme = step.get('s', 'NTLM')
        headers = {'Host': '%s:%d' % (self.host, self.a.port)}
        src = step.get('tok', 'none')
        values = []
        if 'h' in step:
            values.append(step['h'])
        elif src != 'none':
            tok = self.token(src, step)
            for m in step['m']:
                tok = mutate(tok, m)
            w = step.get('w')
            if w and w.startswith('init'):
                mechs = w.partition(':')[2] or 'ntlm'
                tok = spnego_init(mechs.split(','), tok)
            elif w == 'resp':
                tok = spnego_resp(tok)
            self.sent[i] = tok
            values.append(b'%s %s' % (scheme.encode(), base64.b64encode(tok)))
        if values and step['dup']:
            values.append(values[0])
        values += step['add']
        conn = self.conn(step)
        conn.putrequest('GET', step.get('p', self.path), skip_host=True)
        conn.putheader('Host', headers['Host'])
        for v in values:
            conn.putheader('Authorization', v)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read().decode(errors='replace')
        self.out['status%d' % i] = resp.status
        self.out['www%d' % i] = www_summary(resp)
        for value in resp.headers.get_all('WWW-Authenticate') or []:
            scheme_, _, b64 = value.partition(' ')
            if scheme_.lower() == 'negotiate' and b64.strip():
                self.out['reply%d' % i] = b64.strip()
        for line in body.splitlines():
            if line.startswith('REMOTE_USER='):
                self.out['user%d' % i] = line.split('=', 1)[1]
        if resp.will_close:
            self.conns.pop(step.get('c', '1').replace('new', '') or '1', None)
            conn.close()
        if src.startswith('t1:'):
            self.ctxs[src[3:]]['challenge'] = unwrap_resp(server_token(resp, scheme))
        return resp.status

    def run(self, steps):
        statuses = []
        try:
            for i, text in enumerate(steps, 1):
                statuses.append(str(self.run_step(i, parse_step(text))))
        except Exception as e:      # noqa: BLE001 - reported to the test
            self.out['error'] = '%s: %s' % (type(e).__name__, e)
            traceback.print_exc(file=sys.stderr)
        finally:
            for c in self.conns.values():
                c.close()
        self.out['statuses'] = ','.join(statuses)
        return self.out


def emit(out):
    for k, v in out.items():
        print('%s=%s' % (k, str(v).replace('\n', ' ')))
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    add_target_arguments(ap, "/krb/whoami")
    ap.add_argument('--ccache', default=os.environ.get('KRB5CCNAME', 'FILE:/nonexistent'))
    ap.add_argument('--serve', action='store_true')
    ap.add_argument('steps', nargs='*')
    a = ap.parse_args()
    if not a.serve:
        emit(Scenario(a, {}).run(a.steps))
        return 0
    for line in sys.stdin:
        if not line.strip():
            continue
        sc = json.loads(line)
        emit(Scenario(a, sc).run(sc['steps']))
        print('end')
        sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
