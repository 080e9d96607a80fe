#!/usr/bin/python3
"""Bounded authenticated load against mod_auth_negotiate, checking who
every answer says the user is.  Used by bench/soak.sh and the root fault
tests (t/root/95_faults.rt).

  loadgen.py run --port P --kind krb|ntlm [options]    one load process
  loadgen.py merge FILE...                             add up run outputs

Each of --conns threads keeps one HTTP/1.1 keep-alive connection and sends
requests on it until --duration seconds have passed or --requests requests
were made, paced to --rate requests per second (whole process, 0: as fast
as possible).  For each request the user is picked at random from --users:

  krb   a fresh SPNEGO/Kerberos token from python3-gssapi (MIT) with the
        user's ticket cache (--ccache-dir/<user>.cc); the 200 answer must
        name that user and carry a mutual-authentication token that
        completes the client's context.  With --anon-every N, after N
        Kerberos requests one request without Authorization follows on the
        same connection: it must get 401 (NegotiatePersistKerberos Off:
        nobody's identity may stick to the connection).  --new-conn-krb:
        the share of requests sent on a new connection.
  ntlm  an NTLMv2 handshake (python3-ntlm-auth; its MD4 needs OpenSSL's
        legacy provider: OPENSSL_CONF=t/client/openssl-legacy.cnf), then 0
        to --followups requests without Authorization on the same
        connection, each of which must name the user of the last handshake;
        the next handshake (another user, maybe) starts with a new NEGOTIATE
        on the same connection or on a new one.

Who the answer names: the CGI body line REMOTE_USER=... (t/htdocs/cgi/whoami)
or, with --user-header NAME, that response header.

Keep-alive and restarts: when the server closes a connection (an answer
with "Connection: close", or a reused idle connection found closed before
any byte of the answer, as during a graceful restart), the request (for NTLM
the whole handshake) is sent again on a new connection, as HTTP clients do
(RFC 9112 9.3.1); such retries are counted.  A failure on a new connection,
any unexpected status and any wrong user is counted per kind.

Output: one JSON object on stdout (or --out FILE).
"""
import argparse
import base64
import http.client
import json
import os
import random
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 't', 'client'))
from wire import server_token  # noqa: E402 (shared with the test clients)

PASSWORDS = {'alice': 'AlicePassw0rd!', 'bob': 'BobPassw0rd!', 'carol': 'CarolPassw0rd!'}
KINDS = ('kerberos', 'ntlm-handshake', 'ntlm-followup', 'anonymous-401')
DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
           ConnectionAbortedError, http.client.BadStatusLine)


class Lost(Exception):
    """The server closed a reused connection before answering: retry."""


class Failure(Exception):
    pass


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = {k: 0 for k in KINDS}
        self.errors = {k: 0 for k in KINDS}
        self.wrong = {k: 0 for k in KINDS}
        self.lat = {k: [] for k in KINDS}
        self.retries = 0
        self.connections = 0
        self.samples = []

    def add(self, kind, ms, error=None, wrong=None):
        with self.lock:
            self.requests[kind] += 1
            self.lat[kind].append(ms)
            if wrong:
                self.wrong[kind] += 1
            elif error:
                self.errors[kind] += 1
            msg = wrong or error
            if msg and len(self.samples) < 20:
                self.samples.append('%s: %s' % (kind, msg))

    def retry(self):
        with self.lock:
            self.retries += 1

    def connected(self):
        with self.lock:
            self.connections += 1

    def result(self):
        def pct(v, q):
            if not v:
                return 0.0
            v = sorted(v)
            return round(v[min(len(v) - 1, int(q * len(v)))], 1)
        return {
            'requests': self.requests, 'errors': self.errors, 'wrong_user': self.wrong,
            'retries': self.retries, 'connections': self.connections,
            'latency_ms': {k: {'p50': pct(v, 0.5), 'p99': pct(v, 0.99),
                               'max': round(max(v), 1) if v else 0.0}
                           for k, v in self.lat.items()},
            'error_samples': self.samples,
        }


class Conn:
    """One keep-alive connection; knows whether it is fresh."""

    def __init__(self, a, stats):
        self.a = a
        self.stats = stats
        self.c = None
        self.used = False

    def close(self):
        if self.c is not None:
            self.c.close()
        self.c = None

    def request(self, auth=None):
        a = self.a
        if self.c is None:
            self.c = http.client.HTTPConnection(a.addr, a.port, timeout=a.timeout)
            self.used = False
            self.stats.connected()
        reused = self.used
        self.used = True
        headers = {'Host': '%s:%d' % (a.host, a.port)}
        if auth is not None:
            headers['Authorization'] = auth
        try:
            self.c.request('GET', a.path, headers=headers)
            resp = self.c.getresponse()
            body = resp.read().decode(errors='replace')
        except DROPPED as e:
            self.close()
            if reused:
                raise Lost(type(e).__name__)
            raise Failure('connection failed on a new connection: %s' % type(e).__name__)
        except (socket.timeout, OSError) as e:
            self.close()
            raise Failure('%s: %s' % (type(e).__name__, e))
        if resp.will_close:
            self.close()
        return resp, body

    def is_open(self):
        return self.c is not None


def user_of(a, resp, body):
    if a.user_header:
        return resp.getheader(a.user_header, '')
    for line in body.splitlines():
        if line.startswith('REMOTE_USER='):
            return line[len('REMOTE_USER='):]
    return ''


class Worker(threading.Thread):
    def __init__(self, a, stats, creds, pace, seed):
        super().__init__(daemon=True)
        self.a, self.stats, self.creds, self.pace = a, stats, creds, pace
        self.rnd = random.Random(seed)
        self.conn = Conn(a, stats)
        self.ntlm_user = None           # who the connection is bound to
        self.krb_count = 0

    def expected(self, user):
        return '%s@%s' % (user, self.a.realm)

    def run(self):
        try:
            while self.pace.take():
                if self.a.kind == 'krb':
                    self.one_krb()
                else:
                    self.one_ntlm()
        finally:
            self.conn.close()

    # ------------------------------------------------------------ Kerberos
    def krb_token(self, user):
        import gssapi
        ctx = gssapi.SecurityContext(name=self.a.gss_name, usage='initiate',
                                     mech=self.a.spnego, creds=self.creds[user])
        return ctx, 'Negotiate ' + base64.b64encode(ctx.step()).decode()

    def one_krb(self):
        user = self.rnd.choice(self.a.users)
        if self.rnd.random() < self.a.new_conn_krb:
            self.conn.close()
        t0 = time.monotonic()
        err = wrong = None
        for attempt in range(4):
            try:
                ctx, auth = self.krb_token(user)
                resp, body = self.conn.request(auth)
                break
            except Lost:
                self.stats.retry()
            except Exception as e:           # noqa: BLE001 - counted
                err = '%s: %s' % (type(e).__name__, e)
                break
        else:
            err = 'connection lost 4 times'
        if err is None:
            got = user_of(self.a, resp, body)
            if resp.status != 200:
                err = 'status %d for %s' % (resp.status, user)
            elif got != self.expected(user):
                wrong = 'sent as %s, answer names %r' % (user, got)
            else:
                tok = server_token(resp, 'Negotiate')
                try:
                    if tok is None:
                        raise Failure('no mutual-authentication token')
                    ctx.step(tok)
                    if not ctx.complete:
                        raise Failure('context not complete after the server token')
                except Exception as e:       # noqa: BLE001 - counted
                    err = 'mutual authentication: %s' % e
        self.stats.add('kerberos', (time.monotonic() - t0) * 1000, err, wrong)
        self.krb_count += 1
        if self.a.anon_every and self.krb_count % self.a.anon_every == 0 \
                and self.conn.is_open():
            self.one_anon()

    def one_anon(self):
        t0 = time.monotonic()
        err = wrong = None
        try:
            resp, body = self.conn.request(None)
            if resp.status == 200:
                wrong = 'a request without Authorization got 200 as %r' % user_of(
                    self.a, resp, body)
            elif resp.status != 401:
                err = 'status %d' % resp.status
            elif server_token(resp, 'Negotiate') is not None or not any(
                    v.split(' ')[0] == 'Negotiate'
                    for v in resp.headers.get_all('WWW-Authenticate') or []):
                err = 'no bare Negotiate challenge'
        except Lost:
            self.stats.retry()
            return                  # not made: the server closed the connection
        except Exception as e:      # noqa: BLE001 - counted
            err = '%s: %s' % (type(e).__name__, e)
        self.stats.add('anonymous-401', (time.monotonic() - t0) * 1000, err, wrong)

    # ------------------------------------------------------------ NTLM
    def handshake(self, user):
        """One NTLM handshake; returns (resp, body) of the last leg."""
        from ntlm_auth.ntlm import NtlmContext
        ctx = NtlmContext(user, PASSWORDS[user], domain=self.a.domain,
                          workstation='SOAK%02d' % (id(self) % 100),
                          ntlm_compatibility=3)
        resp, _ = self.conn.request('NTLM ' + base64.b64encode(ctx.step()).decode())
        challenge = server_token(resp, 'NTLM')
        if resp.status != 401 or challenge is None:
            raise Failure('NEGOTIATE answered %d %s' % (
                resp.status, 'with a challenge' if challenge else 'without a challenge'))
        if not self.conn.is_open():
            raise Lost('closed after the challenge')
        return self.conn.request('NTLM ' + base64.b64encode(ctx.step(challenge)).decode())

    def one_ntlm(self):
        a = self.a
        follow = (self.ntlm_user is not None and self.conn.is_open()
                  and self.rnd.random() < a.followups / (a.followups + 1.0))
        if follow:
            user, kind = self.ntlm_user, 'ntlm-followup'
        else:
            user, kind = self.rnd.choice(a.users), 'ntlm-handshake'
            if self.rnd.random() < a.new_conn:
                self.conn.close()
        t0 = time.monotonic()
        err = wrong = None
        resp = body = None
        for attempt in range(4):
            try:
                if kind == 'ntlm-followup':
                    resp, body = self.conn.request(None)
                else:
                    resp, body = self.handshake(user)
                break
            except Lost:
                self.stats.retry()
                self.ntlm_user = None
                kind = 'ntlm-handshake'      # a new connection needs one
            except Exception as e:           # noqa: BLE001 - counted
                err = '%s: %s' % (type(e).__name__, e)
                break
        else:
            err = 'connection lost 4 times'
        self.ntlm_user = None
        if err is None:
            got = user_of(a, resp, body)
            if resp.status != 200:
                err = 'status %d for %s' % (resp.status, user)
            elif got != self.expected(user):
                wrong = 'sent as %s, answer names %r' % (user, got)
            elif self.conn.is_open():
                self.ntlm_user = user
        self.stats.add(kind, (time.monotonic() - t0) * 1000, err, wrong)


class Pace:
    """Shared budget: stop at the deadline or after N requests; at most
    `rate` per second over the whole process."""

    def __init__(self, duration, requests, rate):
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        self.deadline = self.t0 + duration if duration else None
        self.left = requests
        self.interval = 1.0 / rate if rate else 0.0
        self.next = self.t0

    def take(self):
        with self.lock:
            now = time.monotonic()
            if self.deadline is not None and now >= self.deadline:
                return False
            if self.left is not None:
                if self.left <= 0:
                    return False
                self.left -= 1
            slot = max(self.next, now)
            self.next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)
        return True


def cmd_run(a):
    a.users = [u for u in a.users.split(',') if u]
    for u in a.users:
        if a.kind == 'ntlm' and u not in PASSWORDS:
            sys.exit('loadgen: no password known for %s' % u)
    creds = {}
    if a.kind == 'krb':
        import gssapi
        a.gss_name = gssapi.Name('HTTP@' + a.host, gssapi.NameType.hostbased_service)
        a.spnego = gssapi.OID.from_int_seq('1.3.6.1.5.5.2')
        for u in a.users:
            cc = os.path.join(a.ccache_dir, u + '.cc')
            creds[u] = gssapi.Credentials(usage='initiate', store={'ccache': 'FILE:' + cc})
    stats = Stats()
    pace = Pace(a.duration, a.requests, a.rate)
    workers = [Worker(a, stats, creds, pace, a.seed * 1000 + i) for i in range(a.conns)]
    t0 = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out = stats.result()
    out.update(kind=a.kind, users=a.users, seconds=round(time.monotonic() - t0, 2))
    text = json.dumps(out, sort_keys=True)
    if a.out:
        with open(a.out + '.tmp', 'w') as f:
            f.write(text + '\n')
        os.rename(a.out + '.tmp', a.out)
    else:
        print(text)


def cmd_merge(a):
    tot = {'requests': {k: 0 for k in KINDS}, 'errors': {k: 0 for k in KINDS},
           'wrong_user': {k: 0 for k in KINDS}, 'retries': 0, 'connections': 0,
           'latency_ms': {k: {'p50': 0.0, 'p99': 0.0, 'max': 0.0} for k in KINDS},
           'error_samples': [], 'processes': 0}
    for path in a.files:
        with open(path) as f:
            r = json.load(f)
        tot['processes'] += 1
        for key in ('requests', 'errors', 'wrong_user'):
            for k in KINDS:
                tot[key][k] += r[key].get(k, 0)
        tot['retries'] += r['retries']
        tot['connections'] += r['connections']
        for k in KINDS:
            lat = r['latency_ms'].get(k, {})
            for q in ('p50', 'p99', 'max'):   # worst process
                tot['latency_ms'][k][q] = max(tot['latency_ms'][k][q], lat.get(q, 0.0))
        tot['error_samples'] += ['%s: %s' % (os.path.basename(path), s)
                                 for s in r['error_samples']]
    print(json.dumps(tot, sort_keys=True))


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run')
    r.add_argument('--port', type=int, required=True)
    r.add_argument('--addr', default='127.0.0.1')
    r.add_argument('--host', default='localhost', help='Host header and SPN host')
    r.add_argument('--path', default='/app/whoami')
    r.add_argument('--kind', choices=('krb', 'ntlm'), required=True)
    r.add_argument('--users', default='alice,bob')
    r.add_argument('--realm', default='EXAMPLE.TEST')
    r.add_argument('--domain', default='EXAMPLE')
    r.add_argument('--ccache-dir', default='.')
    r.add_argument('--conns', type=int, default=2)
    r.add_argument('--duration', type=float, default=0)
    r.add_argument('--requests', type=int, default=None)
    r.add_argument('--rate', type=float, default=0)
    r.add_argument('--followups', type=int, default=3,
                   help='NTLM: mean requests without Authorization after a handshake')
    r.add_argument('--new-conn', type=float, default=0.3,
                   help='NTLM: share of handshakes on a new connection')
    r.add_argument('--new-conn-krb', type=float, default=0.0,
                   help='Kerberos: share of requests on a new connection')
    r.add_argument('--anon-every', type=int, default=0)
    r.add_argument('--user-header', default=None)
    r.add_argument('--timeout', type=float, default=30)
    r.add_argument('--seed', type=int, default=os.getpid())
    r.add_argument('--out', default=None)
    m = sub.add_parser('merge')
    m.add_argument('files', nargs='+')
    a = p.parse_args()
    if a.cmd == 'run':
        if not a.duration and a.requests is None:
            p.error('give --duration or --requests')
        cmd_run(a)
    else:
        cmd_merge(a)


if __name__ == '__main__':
    main()
