#!/usr/bin/python3
"""Reuse of an identity (t/41_reuse_matrix.t): one logon by a real client,
then requests that carry no Authorization and could be served as the
identity that logon proved: on the same connection, or on a new one with
the cookies the server set (a NegotiateSession session).

  reuse_probe.py --port P --mech ntlm|kerberos|basic --logon TARGET
                 [--then STEP ...] [--tls] [--tls-port P] [--host H]
                 [--proxy-logon] [--user U --password PW] [--cbt]

A STEP is same:PATH (this connection), new:PATH (a new one), newtls:PATH
(a new TLS connection to --tls-port) or proxy:URL (this connection, a
forward-proxy request for URL, absolute-form, without Proxy-Authorization).
--proxy-logon: the logon is a forward-proxy request: TARGET is an absolute
URL, the credentials go in Proxy-Authorization and the challenge comes
with 407.
Kerberos is SPNEGO from the ccache in KRB5CCNAME (python3-gssapi, MIT);
NTLM is python3-ntlm-auth (NTLMv2, as requests-ntlm); Basic is
user:password. --cbt binds NTLM and Kerberos to this TLS channel.

Prints: logon=STATUS:USER, then step1=STATUS:USER, step2=... (USER is the
REMOTE_USER the application printed, empty when it did not run).
"""
import argparse
import base64
import sys

from wire import connection, peer_certificate, server_token, tls_server_end_point


def user_of(body):
    for line in body.splitlines():
        if line.startswith('REMOTE_USER='):
            return line.split('=', 1)[1]
    return ''


class Client:
    def __init__(self, a):
        self.a = a
        self.cookies = {}
        self.conn = None

    def connect(self, tls=None, port=None):
        a = self.a
        tls = a.tls if tls is None else tls
        self.port = port or a.port
        self.conn = connection(a.host, self.port, tls)
        if tls:
            self.conn.connect()
        return self.conn

    def send(self, target, auth=None, proxy=False):
        a = self.a
        headers = {'Host': target.split('/')[2] if proxy else '%s:%d' % (a.host, self.port)}
        if auth:
            headers['Proxy-Authorization' if proxy else 'Authorization'] = auth
        if self.cookies:
            headers['Cookie'] = '; '.join('%s=%s' % kv for kv in self.cookies.items())
        self.conn.request('GET', target, headers=headers)
        resp = self.conn.getresponse()
        body = resp.read().decode(errors='replace')
        for value in resp.headers.get_all('Set-Cookie') or []:
            name, _, rest = value.partition('=')
            self.cookies[name.strip()] = rest.split(';', 1)[0]
        return resp, body


def binding(a, conn):
    return tls_server_end_point(peer_certificate(conn)) if a.tls and a.cbt else None


def logon_ntlm(a, c, proxy):
    from ntlm_auth.gss_channel_bindings import GssChannelBindingsStruct
    from ntlm_auth.ntlm import NtlmContext
    cb = binding(a, c.conn)
    cbt = None
    if cb:
        cbt = GssChannelBindingsStruct()
        cbt[cbt.APPLICATION_DATA] = cb
    ctx = NtlmContext(a.user, a.password, domain=a.domain, cbt_data=cbt,
                      workstation='TESTWS', ntlm_compatibility=3)
    scheme = 'NTLM'
    resp, _ = c.send(a.logon, scheme + ' ' + base64.b64encode(ctx.step()).decode(), proxy)
    challenge = None
    for value in resp.headers.get_all('Proxy-Authenticate' if proxy else 'WWW-Authenticate') or []:
        s, _, b64 = value.partition(' ')
        if s.lower() == 'ntlm' and b64.strip():
            challenge = base64.b64decode(b64.strip())
    if challenge is None:
        return resp.status, ''
    resp, body = c.send(a.logon, scheme + ' ' + base64.b64encode(ctx.step(challenge)).decode(), proxy)
    return resp.status, user_of(body)


def logon_kerberos(a, c, proxy):
    import gssapi
    import gssapi.raw
    cb = binding(a, c.conn)
    name = gssapi.Name('HTTP@' + a.host, gssapi.NameType.hostbased_service)
    ctx = gssapi.SecurityContext(
        name=name, usage='initiate', mech=gssapi.OID.from_int_seq('1.3.6.1.5.5.2'),
        channel_bindings=gssapi.raw.ChannelBindings(application_data=cb) if cb else None)
    resp, body = c.send(a.logon, 'Negotiate ' + base64.b64encode(ctx.step()).decode(), proxy)
    return resp.status, user_of(body)


def logon_basic(a, c, proxy):
    cred = base64.b64encode(('%s:%s' % (a.user, a.password)).encode()).decode()
    resp, body = c.send(a.logon, 'Basic ' + cred, proxy)
    return resp.status, user_of(body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--host', default='localhost')
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--tls', action='store_true')
    ap.add_argument('--tls-port', type=int)
    ap.add_argument('--cbt', action='store_true')
    ap.add_argument('--mech', choices=['ntlm', 'kerberos', 'basic'], required=True)
    ap.add_argument('--user', default='alice')
    ap.add_argument('--domain', default='EXAMPLE')
    ap.add_argument('--password', default='AlicePassw0rd!')
    ap.add_argument('--logon', required=True)
    ap.add_argument('--proxy-logon', action='store_true')
    ap.add_argument('--then', action='append', default=[])
    a = ap.parse_args()
    c = Client(a)
    c.connect()
    status, user = {'ntlm': logon_ntlm, 'kerberos': logon_kerberos,
                    'basic': logon_basic}[a.mech](a, c, a.proxy_logon)
    print('logon=%d:%s' % (status, user))
    for i, step in enumerate(a.then, 1):
        where, _, target = step.partition(':')
        if where in ('new', 'newtls'):
            c.conn.close()
            c.connect(tls=True, port=a.tls_port) if where == 'newtls' else c.connect()
        resp, body = c.send(target, proxy=where == 'proxy')
        print('step%d=%d:%s' % (i, resp.status, user_of(body)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
