#!/usr/bin/python3
"""SPNEGO mechanism selection (RFC 4178 4.2.2): a client whose first
mechanism the server does not take.

--mode mit: MIT's SPNEGO initiator (python3-gssapi) with a Kerberos ticket
  (KRB5CCNAME) and NTLM credentials (gss-ntlmssp, NTLM_USER_FILE), its
  mechanisms ordered by --mechs (gssapi.raw.set_neg_mechs); every leg on
  one connection until the server answers something else than 401 with a
  token. Prints legs, statuses, each reply's negState/supportedMech/
  token/MIC, remote_user, complete (the client's context completed).
--mode craft: one NegTokenInit built here with --mechs and no mechToken.
--mode mic: as mit, but the last token (the client's mechListMIC) is
  altered (--tamper) or replaced by a NegTokenResp without it (--drop).
"""
import argparse
import base64
import sys

import gssapi
import gssapi.raw

from wire import add_target_arguments, connection, der, resp_fields, server_token

OIDS = {'krb5': '1.2.840.113554.1.2.2', 'mskrb5': '1.2.840.48018.1.2.2',
        'ntlmssp': '1.3.6.1.4.1.311.2.2.10', 'negoex': '1.3.6.1.4.1.311.2.2.30'}
SPNEGO = gssapi.OID.from_int_seq('1.3.6.1.5.5.2')
STATES = {0: 'accept-completed', 1: 'accept-incomplete', 2: 'reject', 3: 'request-mic'}
NAMES = {bytes.fromhex('06092a864886f712010202'): 'krb5',
         bytes.fromhex('06092a864882f712010202'): 'mskrb5',
         bytes.fromhex('060a2b06010401823702020a'): 'ntlmssp'}


def oid_der(dotted):
    parts = [int(x) for x in dotted.split('.')]
    body = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7f]
        p >>= 7
        while p:
            enc.insert(0, 0x80 | (p & 0x7f))
            p >>= 7
        body += bytes(enc)
    return der(0x06, body)


def describe(tok):
    """negState, supportedMech, whether responseToken / mechListMIC are there."""
    f = resp_fields(tok)
    return {'state': STATES.get(f[0xa0][2], '?') if 0xa0 in f else '-',
            'mech': NAMES.get(f[0xa1], 'other') if 0xa1 in f else '-',
            'token': int(0xa2 in f), 'mic': int(0xa3 in f)}


def send(conn, a, token, path=None):
    conn.request('GET', path or a.path, headers={
        'Host': '%s:%d' % (a.host, a.port),
        'Authorization': 'Negotiate ' + base64.b64encode(token).decode()})
    resp = conn.getresponse()
    body = resp.read().decode(errors='replace')
    return resp, body


def tamper(token, a):
    """The client's last token (a NegTokenResp with a mechListMIC) altered."""
    if a.drop:
        return der(0xa1, der(0x30, der(0xa0, der(0x0a, b'\x00'))))
    if a.tamper:
        return token[:-1] + bytes([token[-1] ^ 1])
    return token


def run_mit(a):
    mechs = [gssapi.OID.from_int_seq(OIDS[m]) for m in a.mechs.split(',')]
    cred = gssapi.Credentials(usage='initiate')
    gssapi.raw.set_neg_mechs(cred, mechs)
    flags = gssapi.RequirementFlag.integrity
    if a.mutual:
        flags |= gssapi.RequirementFlag.mutual_authentication
    ctx = gssapi.SecurityContext(name=gssapi.Name('HTTP@' + a.host, gssapi.NameType.hostbased_service),
                                 usage='initiate', mech=SPNEGO, creds=cred, flags=flags)
    conn = connection(a.host, a.port)
    token, statuses, replies = ctx.step(), [], []
    print('init_prefix=%s' % base64.b64encode(token)[:4].decode())
    resp = body = None
    for leg in range(6):
        if leg > 0 and a.mode == 'mic' and ctx.complete:
            token = tamper(token, a)
        # --last-path: the client's last token (its mechListMIC, once its
        # context is complete) goes to another location
        resp, body = send(conn, a, token, a.last_path if leg > 0 and ctx.complete else None)
        statuses.append(str(resp.status))
        reply = server_token(resp, 'Negotiate')
        d = describe(reply)
        replies.append('%s/%s/%d/%d' % (d['state'], d['mech'], d['token'], d['mic']))
        if reply is None or ctx.complete:
            break
        try:
            token = ctx.step(reply)
        except gssapi.exceptions.GSSError as e:
            print('client_error=%s' % str(e).replace('\n', ' '))
            break
        if resp.status != 401 or not token:
            break
    print('legs=%d' % len(statuses))
    print('statuses=%s' % ','.join(statuses))
    print('replies=%s' % ' '.join(replies))
    print('complete=%d' % (1 if ctx.complete else 0))
    for line in (body or '').splitlines():
        if line.startswith('REMOTE_USER='):
            print('remote_user=' + line.split('=', 1)[1])
    if resp is not None:
        print('persistent_auth=%s' % (resp.headers.get('Persistent-Auth') or ''))
    return 0


def run_craft(a):
    mechs = der(0x30, b''.join(oid_der(OIDS[m]) for m in a.mechs.split(',')))
    init = der(0x30, der(0xa0, mechs))
    token = der(0x60, oid_der('1.3.6.1.5.5.2') + der(0xa0, init))
    conn = connection(a.host, a.port)
    resp, _ = send(conn, a, token)
    d = describe(server_token(resp, 'Negotiate'))
    print('status=%d' % resp.status)
    print('state=%s\nmech=%s\ntoken=%d\nmic=%d' % (d['state'], d['mech'], d['token'], d['mic']))
    print('www=%s' % '|'.join(v.split(' ')[0] + ('+tok' if ' ' in v.strip() else '')
                              for v in resp.headers.get_all('WWW-Authenticate') or []))
    return 0


def main():
    ap = argparse.ArgumentParser()
    add_target_arguments(ap)
    ap.add_argument('--mode', choices=['mit', 'craft', 'mic'], required=True)
    ap.add_argument('--mechs', required=True, help='e.g. ntlmssp,krb5')
    ap.add_argument('--mutual', type=int, default=1)
    ap.add_argument('--tamper', action='store_true')
    ap.add_argument('--drop', action='store_true')
    ap.add_argument('--last-path', help='mit: where the last leg goes (default --path)')
    a = ap.parse_args()
    return run_craft(a) if a.mode == 'craft' else run_mit(a)


if __name__ == '__main__':
    sys.exit(main())
