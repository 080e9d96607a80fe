#!/usr/bin/python3
"""A client whose clock is ahead of the server's (libfaketime), and what it
does with the server's KRB-ERROR (KRB_AP_ERR_SKEW) token (issue 15 item 2).

Run under LD_PRELOAD=libfaketime with FAKETIME_TIMESTAMP_FILE (the file
is rewritten here) and FAKETIME_NO_CACHE=1. The service ticket is got at
the real time (the KDC would refuse a skewed TGS request), then the clock
moves by --skew seconds and the context starts:
  --impl mit      python3-gssapi (MIT)
  --impl heimdal  t/client/krb5_token --converse (Heimdal), path in --tool
--mech spnego|krb5. Every leg on one connection. Prints status1, reply1
(framing: raw|spnego/negState/supportedMech), krb_error (the error code
inside), client (what the initiator did with it: retry|error:<text>|
complete), then status2 / remote_user when it retried.
"""
import argparse
import base64
import os
import subprocess
import sys

from wire import add_target_arguments, connection, der_read, resp_fields, server_token

KRB5_OID = bytes.fromhex('06092a864886f712010202')
STATES = {0: 'accept-completed', 1: 'accept-incomplete', 2: 'reject', 3: 'request-mic'}


def set_clock(path, offset):
    """Move the clock: libfaketime rereads the file (it must always hold
    a valid offset, hence the rename)."""
    with open(path + '.new', 'w') as f:
        f.write('%+d\n' % offset)
    os.rename(path + '.new', path)


def unwrap(tok):
    """(framing, inner krb5 GSS token or None)."""
    if tok is None:
        return 'none', None
    if tok[0] == 0x60:
        return 'raw', tok
    f = resp_fields(tok)
    if not f:
        return 'other', None
    state = STATES.get(f[0xa0][2], '?') if 0xa0 in f else '-'
    mech = ('krb5' if f[0xa1] == KRB5_OID else 'other') if 0xa1 in f else '-'
    inner = None
    if 0xa2 in f:
        _, os_, oe = der_read(f[0xa2], 0)
        inner = f[0xa2][os_:oe]
    return 'spnego/%s/%s' % (state, mech), inner


def krb_error_code(inner):
    """The error-code of the KRB-ERROR in a krb5 GSS token (TOK_ID 03 00)."""
    if inner is None or inner[0] != 0x60:
        return None
    _, s, _ = der_read(inner, 0)
    _, _, e = der_read(inner, s)             # the mechanism OID
    if inner[e:e + 2] != b'\x03\x00':
        return None
    _, s, _ = der_read(inner, e + 2)         # [APPLICATION 30] KRB-ERROR
    _, s, end = der_read(inner, s)           # SEQUENCE
    while s < end:
        tag, cs, ce = der_read(inner, s)
        if tag == 0xa6:
            _, is_, ie = der_read(inner, cs)
            return int.from_bytes(inner[is_:ie], 'big', signed=True)
        s = ce
    return None


class Mit:
    def __init__(self, a):
        import gssapi
        import gssapi.raw.misc
        self.gssapi = gssapi
        oid = '1.3.6.1.5.5.2' if a.mech == 'spnego' else '1.2.840.113554.1.2.2'
        self.mech = gssapi.OID.from_int_seq(oid)
        self.name = gssapi.Name('HTTP@' + a.host, gssapi.NameType.hostbased_service)
        # the service ticket, at the real time (MIT keeps it in the ccache)
        gssapi.SecurityContext(name=self.name, usage='initiate', mech=self.mech).step()

    def start(self):
        self.ctx = self.gssapi.SecurityContext(
            name=self.name, usage='initiate', mech=self.mech,
            flags=self.gssapi.RequirementFlag.mutual_authentication)
        return self.ctx.step()

    def step(self, reply):
        try:
            # in SPNEGO, python-gssapi raises the error only when the
            # context is next looked at
            tok = self.ctx.step(reply)
            if self.ctx.complete:
                return 'complete', tok
        except self.gssapi.raw.misc.GSSError as e:
            return 'error:' + str(e).replace('\n', ' '), None
        return ('retry' if tok else 'nothing'), tok


class Heimdal:
    def __init__(self, a):
        cmd = [a.tool, '--converse'] + (['--spnego'] if a.mech == 'spnego' else [])
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True)
        if self.p.stdout.readline().strip() != 'ready':
            raise SystemExit('krb5_token did not start')

    def start(self):
        self.p.stdin.write('go\n')
        self.p.stdin.flush()
        line = self.p.stdout.readline().strip()
        return base64.b64decode(line.split('=', 1)[1])

    def step(self, reply):
        self.p.stdin.write(base64.b64encode(reply or b'').decode() + '\n')
        self.p.stdin.flush()
        line = self.p.stdout.readline().strip()
        if line.startswith('token='):
            return 'retry', base64.b64decode(line[6:])
        if line.startswith('error='):
            return 'error:' + line[6:], None
        return line or 'nothing', None


def send(conn, a, token):
    conn.request('GET', a.path, headers={
        'Host': '%s:%d' % (a.host, a.port),
        'Authorization': 'Negotiate ' + base64.b64encode(token).decode()})
    resp = conn.getresponse()
    return resp, resp.read().decode(errors='replace')


def main():
    ap = argparse.ArgumentParser()
    add_target_arguments(ap)
    ap.add_argument('--impl', choices=['mit', 'heimdal'], required=True)
    ap.add_argument('--mech', choices=['spnego', 'krb5'], required=True)
    ap.add_argument('--skew', type=int, default=700)
    ap.add_argument('--tool')
    a = ap.parse_args()
    clock = os.environ['FAKETIME_TIMESTAMP_FILE']
    set_clock(clock, 0)
    client = Mit(a) if a.impl == 'mit' else Heimdal(a)
    set_clock(clock, a.skew)
    token = client.start()
    conn = connection(a.host, a.port)
    resp, _ = send(conn, a, token)
    reply = server_token(resp, 'Negotiate')
    framing, inner = unwrap(reply)
    print('status1=%d' % resp.status)
    print('reply1=%s' % framing)
    print('krb_error=%s' % krb_error_code(inner))
    what, tok = client.step(reply) if reply else ('no token', None)
    print('client=%s' % what)
    if what == 'retry' and tok:
        resp, body = send(conn, a, tok)
        print('status2=%d' % resp.status)
        for line in body.splitlines():
            if line.startswith('REMOTE_USER='):
                print('remote_user=' + line.split('=', 1)[1])
        reply = server_token(resp, 'Negotiate')
        if reply is not None:
            print('client2=%s' % client.step(reply)[0])
    return 0


if __name__ == '__main__':
    sys.exit(main())
