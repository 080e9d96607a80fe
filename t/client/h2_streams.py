#!/usr/bin/python3
"""Two HTTP/2 streams on one connection, the second without credentials
(python3-h2; curl 7.88 cannot send a second request on an h2c
connection to this httpd):

  default   an NTLM handshake over HTTP/1.1 (python3-ntlm-auth), then an
            upgrade of the same connection to HTTP/2 over cleartext (RFC 7540
            3.2) by a request without credentials (stream 1), then stream 3
  --basic   HTTP/2 with prior knowledge: stream 1 with Basic credentials,
            stream 3 without

Prints key=value lines: ntlm_status (the handshake's final status),
upgrade (the status of the upgrade response: 101), stream1, stream3 (their
statuses), users (the REMOTE_USER each stream's application saw,
comma-separated).
"""
import argparse
import base64
import http.client
import socket
import ssl
import sys

import h2.config
import h2.connection
import h2.events
from ntlm_auth.ntlm import NtlmContext

from wire import add_target_arguments, server_token


def ntlm_handshake(conn, a):
    ctx = NtlmContext('alice', 'AlicePassw0rd!', domain='EXAMPLE',
                      workstation='TESTWS', ntlm_compatibility=3)
    host = '%s:%d' % (a.host, a.port)
    conn.request('GET', a.path, headers={
        'Host': host, 'Authorization': 'NTLM ' + base64.b64encode(ctx.step()).decode()})
    r1 = conn.getresponse()
    r1.read()
    t3 = ctx.step(server_token(r1, 'NTLM'))
    conn.request('GET', a.path, headers={
        'Host': host, 'Authorization': 'NTLM ' + base64.b64encode(t3).decode()})
    r2 = conn.getresponse()
    r2.read()
    return r2.status


def read_head(sock):
    """The status of an HTTP/1.1 response head read byte by byte (nothing
    after it is consumed: HTTP/2 frames follow at once)."""
    data = b''
    while not data.endswith(b'\r\n\r\n'):
        b = sock.recv(1)
        if not b:
            break
        data += b
    return int(data.split(b' ', 2)[1]) if data.startswith(b'HTTP/1.1 ') else 0


def h2_results(sock, h2c, want, resets=None):
    statuses, bodies = {}, {}
    done = set()
    while not want <= done:
        data = sock.recv(65536)
        if not data:
            break
        for ev in h2c.receive_data(data):
            if isinstance(ev, h2.events.ConnectionTerminated):
                for sid in want - done:         # never processed
                    statuses.setdefault(sid, 'goaway')
                return statuses, bodies
            if isinstance(ev, h2.events.ResponseReceived):
                statuses[ev.stream_id] = dict(ev.headers).get(b':status', b'0').decode()
            elif isinstance(ev, h2.events.DataReceived):
                bodies[ev.stream_id] = bodies.get(ev.stream_id, b'') + ev.data
                h2c.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamReset):
                if resets is not None:
                    resets[ev.stream_id] = int(ev.error_code)
                done.add(ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                done.add(ev.stream_id)
        sock.sendall(h2c.data_to_send())
    return statuses, bodies


def user_of(body):
    for line in body.decode(errors='replace').splitlines():
        if line.startswith('REMOTE_USER='):
            return line.split('=', 1)[1]
    return ''


def request_headers(a, extra):
    return [(':method', 'GET'), (':path', a.path), (':scheme', 'https' if a.tls else 'http'),
            (':authority', '%s:%d' % (a.host, a.port))] + extra


def h2_socket(a):
    """HTTP/2 from the first byte: over cleartext with prior knowledge, or
    over TLS (ALPN h2, SNI --host)."""
    sock = socket.create_connection(('127.0.0.1', a.port), timeout=20)
    if a.tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(['h2'])
        sock = ctx.wrap_socket(sock, server_hostname=a.host)
    return sock


def prior_knowledge(a, streams):
    """The streams' extra headers, one stream after the other on the one
    connection."""
    sock = h2_socket(a)
    h2c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    h2c.initiate_connection()
    statuses, bodies, resets = {}, {}, {}
    for i, extra in enumerate(streams):
        sid = 2 * i + 1
        h2c.send_headers(sid, request_headers(a, extra), end_stream=True)
        sock.sendall(h2c.data_to_send())
        st, bo = h2_results(sock, h2c, {sid}, resets)
        statuses.update(st)
        bodies.update(bo)
    for i in range(len(streams)):
        sid = 2 * i + 1
        print('stream%d=%s' % (sid, statuses.get(sid, '')))
        if sid in resets:
            print('reset%d=%d' % (sid, resets[sid]))
    print('users=%s' % ','.join(user_of(bodies.get(2 * i + 1, b'')) for i in range(len(streams))))
    return 0


def main():
    ap = argparse.ArgumentParser()
    add_target_arguments(ap)
    ap.add_argument('--basic', help='prior knowledge instead: stream 1 with '
                    'these Basic credentials (user:password), stream 3 without')
    ap.add_argument('--ntlm-type1', action='store_true', help='prior knowledge '
                    'instead: stream 1 with an NTLM NEGOTIATE (reset1: its '
                    'RST_STREAM error code)')
    ap.add_argument('--tls', action='store_true', help='HTTP/2 over TLS (ALPN h2)')
    a = ap.parse_args()
    if a.basic:
        cred = base64.b64encode(a.basic.encode()).decode()
        return prior_knowledge(a, [[('authorization', 'Basic ' + cred)], []])
    if a.ntlm_type1:
        ctx = NtlmContext('alice', 'AlicePassw0rd!', domain='EXAMPLE', workstation='TESTWS')
        return prior_knowledge(a, [[('authorization', 'NTLM ' + base64.b64encode(ctx.step()).decode())]])

    conn = http.client.HTTPConnection('127.0.0.1', a.port, timeout=20)
    print('ntlm_status=%d' % ntlm_handshake(conn, a))
    sock = conn.sock
    sock.settimeout(20)

    h2c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    settings = h2c.initiate_upgrade_connection()
    sock.sendall(('GET %s HTTP/1.1\r\nHost: %s:%d\r\n'
                  'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n'
                  'HTTP2-Settings: %s\r\n\r\n'
                  % (a.path, a.host, a.port, settings.decode())).encode())
    upgrade = read_head(sock)
    print('upgrade=%d' % upgrade)
    if upgrade != 101:
        return 1
    # stream 3 at once: once stream 1 is answered, httpd ends an upgraded
    # connection that has nothing else to do (GOAWAY "timeout")
    h2c.send_headers(3, request_headers(a, []), end_stream=True)
    sock.sendall(h2c.data_to_send())
    statuses, bodies = h2_results(sock, h2c, {1, 3})
    print('stream1=%s' % statuses.get(1, ''))
    print('stream3=%s' % statuses.get(3, ''))
    print('users=%s' % ','.join(user_of(bodies.get(i, b'')) for i in (1, 3)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
