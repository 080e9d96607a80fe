#!/usr/bin/python3
"""A GSSAPI HTTP client (python3-gssapi, MIT): one Negotiate exchange.

Prints key=value lines: status, remote_user, auth_type, mutual (whether the
server's WWW-Authenticate token completed the client's context).
"""
import argparse
import base64
import sys

import gssapi

import gssapi.raw

from wire import add_target_arguments, add_tls_arguments, connection, der, der_read, peer_certificate, pem_to_der, tls_server_end_point

SPNEGO = gssapi.OID.from_int_seq('1.3.6.1.5.5.2')
KRB5 = gssapi.OID.from_int_seq('1.2.840.113554.1.2.2')


SPNEGO_OID = bytes.fromhex('06062b0601050502')
KRB5_OID = bytes.fromhex('06092a864886f712010202')
MS_KRB5_OID = bytes.fromhex('06092a864882f712010202')


def inner_krb5(spnego):
    """The mechToken of a NegTokenInit (RFC 4178 4.2.1)."""
    _, s, _ = der_read(spnego, 0)              # [APPLICATION 0]
    _, _, e = der_read(spnego, s)              # the SPNEGO OID
    _, s, _ = der_read(spnego, e)              # [0]
    _, s, end = der_read(spnego, s)            # NegTokenInit SEQUENCE
    while s < end:
        tag, cs, ce = der_read(spnego, s)
        if tag == 0xa2:
            _, os_, oe = der_read(spnego, cs)  # OCTET STRING
            return spnego[os_:oe]
        s = ce
    raise ValueError('no mechToken')


def rewrite(token, old, new):
    """The token with the ticket's clear-text name old replaced by new (the
    same length, so no DER length changes): the ticket's realm and sname
    are outside its encrypted part (RFC 4120 5.3)."""
    assert len(old) == len(new) and token.count(old) == 1, (old, token.count(old))
    return token.replace(old, new)


def variants(spnego):
    raw = inner_krb5(spnego)
    ms_raw = raw.replace(KRB5_OID, MS_KRB5_OID, 1)
    # the same mechToken in a NegTokenInit of our own: Microsoft's OID
    # first, long-form lengths
    mechs = der(0x30, MS_KRB5_OID + KRB5_OID)
    init = der(0x30, der(0xa0, mechs) + der(0xa2, der(0x04, ms_raw)))
    respnego = der(0x60, SPNEGO_OID + der(0xa0, init))
    return {'spnego': spnego, 'raw': raw, 'msraw': ms_raw, 'respnego': respnego,
            # the ticket's realm or service rewritten in clear text
            'realmx': rewrite(spnego, b'EXAMPLE.TEST', b'EXAMPLE.TESX'),
            'realmlc': rewrite(spnego, b'EXAMPLE.TEST', b'example.test'),
            'snamex': rewrite(spnego, b'localhost', b'localhosx')}


def open_conn(a):
    """The connection, and the channel bindings the client sends (--cbt)."""
    conn = connection(a.host, a.port, a.tls, timeout=20)
    cb = None
    if a.tls:
        conn.connect()
        if a.cbt == 'auto':
            cb = tls_server_end_point(peer_certificate(conn))
    if a.cbt == 'other':
        cb = tls_server_end_point(pem_to_der(a.cbt_cert))
    return conn, (gssapi.raw.ChannelBindings(application_data=cb) if cb else None)


def send_once(a, token):
    conn, _ = open_conn(a)
    conn.request('GET', a.path, headers={
        'Host': '%s:%d' % (a.host, a.port),
        'Authorization': 'Negotiate ' + base64.b64encode(token).decode()})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status


def replay(a):
    """One SPNEGO token, sent as each of the --send variants in turn."""
    name = gssapi.Name('HTTP@' + a.host, gssapi.NameType.hostbased_service)
    _, cb = open_conn(a) if a.tls or a.cbt == 'other' else (None, None)
    ctx = gssapi.SecurityContext(name=name, usage='initiate', mech=SPNEGO, channel_bindings=cb,
                                 flags=gssapi.RequirementFlag.mutual_authentication)
    v = variants(ctx.step())
    print('statuses=%s' % ','.join(str(send_once(a, v[k])) for k in a.send.split(',')))
    return 0


def repeat(a):
    """--repeat: one connection, a new security context per request."""
    name = gssapi.Name('HTTP@' + a.host, gssapi.NameType.hostbased_service)
    conn, cb = open_conn(a)
    kinds = (a.repeat_cbt or '').split(',')
    statuses, users, mutuals = [], [], []
    for i in range(a.repeat):
        kind = kinds[i] if i < len(kinds) and kinds[i] else None
        if kind == 'auto':
            cb = gssapi.raw.ChannelBindings(
                application_data=tls_server_end_point(peer_certificate(conn)))
        elif kind == 'other':
            cb = gssapi.raw.ChannelBindings(
                application_data=tls_server_end_point(pem_to_der(a.cbt_cert)))
        elif kind == 'none':
            cb = None
        ctx = gssapi.SecurityContext(name=name, usage='initiate', channel_bindings=cb,
                                     flags=gssapi.RequirementFlag.mutual_authentication,
                                     mech=SPNEGO if a.mech == 'spnego' else KRB5)
        conn.request('GET', a.path, headers={
            'Host': '%s:%d' % (a.host, a.port),
            'Authorization': 'Negotiate ' + base64.b64encode(ctx.step()).decode()})
        resp = conn.getresponse()
        body = resp.read().decode(errors='replace')
        statuses.append(str(resp.status))
        users.append(next((l.split('=', 1)[1] for l in body.splitlines()
                           if l.startswith('REMOTE_USER=')), ''))
        done = 0
        for value in resp.headers.get_all('WWW-Authenticate') or []:
            scheme, _, b64 = value.partition(' ')
            if scheme.lower() == 'negotiate' and b64:
                try:
                    ctx.step(base64.b64decode(b64))
                    done = 1 if ctx.complete else 0
                except gssapi.exceptions.GSSError as e:
                    print('repeat_error=%s' % str(e).replace('\n', ' '))
        mutuals.append(str(done))
    print('repeat_statuses=%s' % ','.join(statuses))
    print('repeat_users=%s' % ','.join(users))
    print('repeat_mutual=%s' % ','.join(mutuals))
    return 0


def main():
    ap = argparse.ArgumentParser()
    add_target_arguments(ap)
    ap.add_argument('--mech', choices=['spnego', 'krb5'], required=True)
    ap.add_argument('--send', help='replay: comma-separated variants of one '
                    'token: spnego, raw, msraw, respnego, realmx, realmlc, '
                    'snamex')
    add_tls_arguments(ap)
    ap.add_argument('--also', help='send the very same token to this path too, '
                    'on a new connection: also_status')
    ap.add_argument('--repeat', type=int, help='N logons on one connection '
                    '(so one httpd child), a new context each: repeat_statuses, '
                    'repeat_users, repeat_mutual (1 when the server\'s token '
                    'completed that context)')
    ap.add_argument('--repeat-cbt', help='with --repeat: the channel bindings of '
                    'each request, comma-separated auto|other|none (default: --cbt)')
    a = ap.parse_args()
    if a.send:
        return replay(a)
    if a.repeat:
        return repeat(a)

    name = gssapi.Name('HTTP@' + a.host, gssapi.NameType.hostbased_service)
    flags = gssapi.RequirementFlag.mutual_authentication
    conn, cb = open_conn(a)
    ctx = gssapi.SecurityContext(name=name, usage='initiate', flags=flags, channel_bindings=cb,
                                 mech=SPNEGO if a.mech == 'spnego' else KRB5)
    token = ctx.step()
    print('token_prefix=%s' % base64.b64encode(token)[:4].decode())
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
    if a.also:
        b = argparse.Namespace(**vars(a))
        b.path = a.also
        print('also_status=%d' % send_once(b, token))
    return 0


if __name__ == '__main__':
    sys.exit(main())
