#!/usr/bin/python3
"""NTLM clients for the integration tests, each a real implementation:

  --impl ntlm-auth   python3-ntlm-auth (pure Python NTLMv2, as requests-ntlm)
  --impl gss         python3-gssapi over gss-ntlmssp (NTLM_USER_FILE), raw
                     NTLMSSP (--scheme NTLM|Negotiate) or SPNEGO (--spnego)
  --impl helper      Samba's `ntlm_auth --helper-protocol=ntlmssp-client-1`
  --impl requests    python3-requests-ntlm (a whole request, its own way)

One handshake on one HTTP/1.1 connection; prints key=value lines: status1
(the answer to NEGOTIATE), status, remote_user, auth_type, body_method,
body_len, followup (statuses and users of later requests on the same
connection without Authorization), mutual (SPNEGO: our final token completed
the client's context).
"""
import argparse
import base64
import os
import subprocess
import sys
import threading
import time

from wire import add_target_arguments, add_tls_arguments, connection, peer_certificate, pem_to_der, server_token, tls_server_end_point


def parse_body(body):
    out = {}
    for line in body.splitlines():
        if '=' in line:
            k, v = line.split('=', 1)
            out[k] = v
    return out


class Conn:
    def __init__(self, a):
        self.a = a
        self.conn = connection(a.host, a.port, a.tls, source=getattr(a, 'source', None))

    def request(self, token=None, scheme=None, body=None, expect=False, path=None):
        a = self.a
        headers = {'Host': '%s:%d' % (a.host, a.port)}
        if token is not None:
            headers['Authorization'] = '%s %s' % (scheme, base64.b64encode(token).decode())
        if expect:
            headers['Expect'] = '100-continue'
        if a.method == 'POST':
            headers['Content-Type'] = 'application/x-www-form-urlencoded'
            headers['Content-Length'] = str(len(body or b''))
        self.conn.request(a.method, path or a.path, body=body if a.method == 'POST' else None,
                          headers=headers)
        resp = self.conn.getresponse()
        data = resp.read().decode(errors='replace')
        return resp, data


class NtlmAuthImpl:
    """python3-ntlm-auth's NtlmContext."""

    def __init__(self, a):
        from ntlm_auth.gss_channel_bindings import GssChannelBindingsStruct
        from ntlm_auth.ntlm import NtlmContext
        self.a = a
        cb = channel_bindings(a)
        cbt = None
        if cb:
            cbt = GssChannelBindingsStruct()
            cbt[cbt.APPLICATION_DATA] = cb
        self.ctx = NtlmContext(a.user, a.password, domain=a.domain, cbt_data=cbt,
                               workstation='TESTWS', ntlm_compatibility=a.compat)

    def first(self):
        return self.ctx.step()

    def next(self, challenge):
        a = self.a
        if a.tamper_av:
            # change one byte of NbComputerName inside the TargetInfo
            c = bytearray(challenge)
            ti_off = int.from_bytes(c[44:48], 'little')
            c[ti_off + 4] ^= 0x01
            challenge = bytes(c)
        t3 = bytearray(self.ctx.step(challenge))
        if a.tamper_mic:
            t3[72] ^= 0x01
        if a.tamper_user:
            off = int.from_bytes(t3[40:44], 'little')
            t3[off] ^= 0x20        # alice -> Alice: the NTLMv2 hash changes
        return bytes(t3)


class HelperImpl:
    """Samba's ntlm_auth client helper (the one Firefox on Linux drives)."""

    def __init__(self, a):
        cmd = ['ntlm_auth', '--helper-protocol=ntlmssp-client-1',
               '--username=' + a.user, '--domain=' + a.domain,
               '--password=' + a.password]
        if a.smbconf:
            cmd.append('--configfile=' + a.smbconf)
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)

    def talk(self, line):
        self.p.stdin.write(line + '\n')
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def first(self):
        r = self.talk('YR')
        if not r.startswith('YR '):
            raise RuntimeError('helper: ' + r)
        return base64.b64decode(r[3:])

    def next(self, challenge):
        r = self.talk('TT ' + base64.b64encode(challenge).decode())
        if not (r.startswith('KK ') or r.startswith('AF ')):
            raise RuntimeError('helper: ' + r)
        return base64.b64decode(r[3:])


class GssImpl:
    """python3-gssapi (MIT) with the gss-ntlmssp mechanism."""

    def __init__(self, a):
        import gssapi
        import gssapi.raw
        self.gssapi = gssapi
        mech = gssapi.OID.from_int_seq('1.3.6.1.5.5.2' if a.spnego else
                                       '1.3.6.1.4.1.311.2.2.10')
        name = gssapi.Name('HTTP@' + (a.spn_host or a.host), gssapi.NameType.hostbased_service)
        cb = channel_bindings(a)
        self.ctx = gssapi.SecurityContext(
            name=name, mech=mech, usage='initiate',
            channel_bindings=gssapi.raw.ChannelBindings(application_data=cb) if cb else None)

    def first(self):
        return self.ctx.step()

    def next(self, challenge):
        return self.ctx.step(challenge)

    def finish(self, token):
        if token is not None and not self.ctx.complete:
            self.ctx.step(token)
        return 1 if self.ctx.complete else 0


def channel_bindings(a):
    """The application data of the channel bindings the client sends
    (--cbt): those of the certificate this server presented (auto), of
    another one (a relay's, --cbt-cert), or none."""
    if a.cbt == 'auto' and a.peer_der:
        return tls_server_end_point(a.peer_der)
    if a.cbt == 'other':
        return tls_server_end_point(pem_to_der(a.cbt_cert))
    return None


def handshake(a, out):
    conn = Conn(a)
    if a.tls:
        conn.conn.connect()
        a.peer_der = peer_certificate(conn.conn)
    impl = {'ntlm-auth': NtlmAuthImpl, 'helper': HelperImpl, 'gss': GssImpl}[a.impl](a)
    body = a.body.encode() if a.body is not None else b''
    scheme = a.scheme
    # Leg 1: NEGOTIATE. As curl does, a POST's first leg has an empty body
    # unless --body-first says otherwise.
    r1, _ = conn.request(impl.first(), scheme, body=body if a.body_first else b'',
                         expect=a.expect100)
    out['status1'] = r1.status
    challenge = server_token(r1, scheme)
    out['challenge'] = 1 if challenge else 0
    if challenge is None:
        out['status'] = r1.status
        return
    t3 = impl.next(challenge)
    if a.delay:
        time.sleep(a.delay)
    if a.split:
        conn = Conn(a)          # AUTHENTICATE on another connection
    r2, data = conn.request(t3, scheme, body=body)
    out['status'] = r2.status
    env = parse_body(data)
    out['remote_user'] = env.get('REMOTE_USER', '')
    out['auth_type'] = env.get('AUTH_TYPE', '')
    out['mech'] = env.get('NEGOTIATE_MECH', '')
    out['body_method'] = env.get('REQUEST_METHOD', '')
    out['body_len'] = env.get('BODY_LEN', '')
    if isinstance(impl, GssImpl) and r2.status == 200:
        out['mutual'] = impl.finish(server_token(r2, scheme))
    follow = []
    for _ in range(a.followups):
        r, d = conn.request(None, None, body=body, path=a.followup_path)
        follow.append('%d:%s' % (r.status, parse_body(d).get('REMOTE_USER', '')))
    out['followup'] = ','.join(follow)
    if a.restart and r2.status == 200:
        # a new NEGOTIATE (zero-length POST, as IE sends) on the bound
        # connection must start a new handshake, not reach the application
        again = NtlmAuthImpl(a) if a.impl == 'ntlm-auth' else impl
        r3, d3 = conn.request(again.first(), scheme, body=b'')
        out['restart_status'] = r3.status
        out['restart_challenge'] = 1 if server_token(r3, scheme) else 0
        out['restart_reached_app'] = 1 if 'REMOTE_USER=' in d3 else 0


def with_requests(a, out):
    import requests
    import urllib3
    from requests_ntlm import HttpNtlmAuth
    urllib3.disable_warnings()
    s = requests.Session()
    # over HTTPS it binds the response to the certificate it sees (CBT)
    s.auth = HttpNtlmAuth('%s\\%s' % (a.domain, a.user), a.password,
                          send_cbt=a.cbt != 'none')
    url = '%s://127.0.0.1:%d%s' % ('https' if a.tls else 'http', a.port, a.path)
    r = s.request(a.method, url, headers={'Host': '%s:%d' % (a.host, a.port)},
                  data=a.body, timeout=30, verify=False)
    out['status'] = r.status_code
    env = parse_body(r.text)
    out['remote_user'] = env.get('REMOTE_USER', '')
    out['auth_type'] = env.get('AUTH_TYPE', '')
    out['body_method'] = env.get('REQUEST_METHOD', '')
    out['body_len'] = env.get('BODY_LEN', '')


def concurrent(a):
    """N handshakes at once, alternating two users, each on its own
    connection; every answer must name the user of its own connection.
    Connection i comes from 127.0.1.(1 + i % --sources) (by default each
    from its own address: N users, as the module counts them)."""
    users = [('alice', 'AlicePassw0rd!'), ('bob', 'BobPassw0rd!')]
    results = [None] * a.concurrent
    challenged = [None] * a.concurrent      # when each got its CHALLENGE
    released = []
    barrier = threading.Barrier(a.concurrent, action=lambda: released.append(time.time()))

    def one(i):
        user, pw = users[i % 2]
        b = argparse.Namespace(**vars(a))
        b.user, b.password = user, pw
        b.source = '127.0.1.%d' % (1 + i % min(a.sources or a.concurrent, 254))
        impl = NtlmAuthImpl(b)
        conn = Conn(b)
        leg = 'NEGOTIATE'
        try:
            r1, _ = conn.request(impl.first(), 'NTLM')
            t3 = impl.next(server_token(r1, 'NTLM'))
            challenged[i] = time.time()
            barrier.wait(timeout=30)        # all AUTHENTICATEs at once
            leg = 'AUTHENTICATE'
            t0 = time.time()
            r2, d = conn.request(t3, 'NTLM')
            took = time.time() - t0
            ok = r2.status == 200 and parse_body(d).get('REMOTE_USER') == user + '@EXAMPLE.TEST'
            leg = 'request after the handshake'
            r3, d3 = conn.request()
            ok = ok and r3.status == 200 and parse_body(d3).get('REMOTE_USER') == user + '@EXAMPLE.TEST'
            results[i] = (ok, took)
        except Exception as e:          # noqa: BLE001 - reported as a failure
            results[i] = (False, 99.0)
            print('error=%s: %s' % (leg, e), file=sys.stderr)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(a.concurrent)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    good = sum(1 for r in results if r and r[0])
    print('ok_count=%d' % good)
    print('total=%d' % a.concurrent)
    print('max_seconds=%.3f' % max((r[1] for r in results if r), default=99.0))
    # how long the first connection idled between CHALLENGE and AUTHENTICATE
    # (httpd closes it after KeepAliveTimeout)
    waits = [released[0] - t for t in challenged if t is not None] if released else []
    print('longest_idle_seconds=%.3f' % max(waits, default=0.0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--impl', default='ntlm-auth',
                    choices=['ntlm-auth', 'gss', 'helper', 'requests'])
    add_target_arguments(ap)
    ap.add_argument('--scheme', default='NTLM')
    ap.add_argument('--spnego', action='store_true')
    ap.add_argument('--user', default='alice')
    ap.add_argument('--domain', default='EXAMPLE')
    ap.add_argument('--password', default='AlicePassw0rd!')
    ap.add_argument('--compat', type=int, default=3)
    ap.add_argument('--method', default='GET')
    ap.add_argument('--body')
    ap.add_argument('--body-first', action='store_true')
    ap.add_argument('--expect100', action='store_true')
    ap.add_argument('--split', action='store_true')
    ap.add_argument('--tamper-mic', action='store_true')
    ap.add_argument('--tamper-av', action='store_true')
    ap.add_argument('--tamper-user', action='store_true')
    ap.add_argument('--followups', type=int, default=0)
    ap.add_argument('--followup-path', help='where the follow-ups go (default: --path)')
    ap.add_argument('--restart', action='store_true')
    ap.add_argument('--delay', type=float, default=0)
    ap.add_argument('--smbconf', default=os.environ.get('NEGOTIATE_DC_SMBCONF'))
    ap.add_argument('--concurrent', type=int, default=0)
    ap.add_argument('--sources', type=int, default=0,
                    help='--concurrent: from how many addresses (default: one each)')
    add_tls_arguments(ap)
    ap.add_argument('--spn-host', help='gss: the host of the SPN the client means '
                    '(default --host)')
    a = ap.parse_args()
    a.peer_der = None
    if a.concurrent:
        concurrent(a)
        return 0
    out = {}
    try:
        if a.impl == 'requests':
            with_requests(a, out)
        else:
            handshake(a, out)
    finally:
        for k, v in out.items():
            print('%s=%s' % (k, v))
    return 0


if __name__ == '__main__':
    sys.exit(main())
