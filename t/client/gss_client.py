#!/usr/bin/python3
"""A GSSAPI HTTP client (python3-gssapi, MIT): one Negotiate exchange.

Prints key=value lines: status, remote_user, auth_type, mutual (whether the
server's WWW-Authenticate token completed the client's context).
"""
import argparse
import base64
import http.client
import sys

import gssapi

SPNEGO = gssapi.OID.from_int_seq('1.3.6.1.5.5.2')
KRB5 = gssapi.OID.from_int_seq('1.2.840.113554.1.2.2')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--host', default='localhost')
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--path', required=True)
    ap.add_argument('--mech', choices=['spnego', 'krb5'], required=True)
    a = ap.parse_args()

    name = gssapi.Name('HTTP@' + a.host, gssapi.NameType.hostbased_service)
    flags = gssapi.RequirementFlag.mutual_authentication
    ctx = gssapi.SecurityContext(name=name, usage='initiate', flags=flags,
                                 mech=SPNEGO if a.mech == 'spnego' else KRB5)
    token = ctx.step()
    print('token_prefix=%s' % base64.b64encode(token)[:4].decode())
    conn = http.client.HTTPConnection('127.0.0.1', a.port, timeout=20)
    conn.request('GET', a.path, headers={
        'Host': '%s:%d' % (a.host, a.port),
        'Authorization': 'Negotiate ' + base64.b64encode(token).decode()})
    resp = conn.getresponse()
    body = resp.read().decode(errors='replace')
    print('status=%d' % resp.status)
    for line in body.splitlines():
        if line.startswith('REMOTE_USER='):
            print('remote_user=' + line.split('=', 1)[1])
        if line.startswith('AUTH_TYPE='):
            print('auth_type=' + line.split('=', 1)[1])
    mutual = 0
    for value in resp.headers.get_all('WWW-Authenticate') or []:
        scheme, _, b64 = value.partition(' ')
        if scheme.lower() == 'negotiate' and b64:
            reply = base64.b64decode(b64)
            print('reply_prefix=%s' % b64[:4])
            ctx.step(reply)
            mutual = 1 if ctx.complete else 0
    print('mutual=%d' % mutual)
    return 0


if __name__ == '__main__':
    sys.exit(main())
