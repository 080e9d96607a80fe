#!/usr/bin/python3
"""A flood of failed logons from one client address, for the availability
tests (t/root/27_winbind_flood.rt) and the benchmark's "under attack"
scenario (bench/run-ntlm.sh):

  flood.py --port P [--source 127.0.0.1 | --sources N] [--conns 30] [--seconds 5]
           [--kind basic|ntlm|mixed|tokens] [--tokens FILE] [--path /app/whoami]
           [--pause 0] [--rate 0]

Each of --conns threads keeps one keep-alive connection (opened from
--source, or with --sources N thread i's from 127.0.2.(1 + i % N): many
clients) and, until --seconds have passed, sends logons that cost the
domain a verification and fail there: Basic with a random user name and
password, or a whole NTLM handshake (python3-ntlm-auth, a random user name
and password: an AUTHENTICATE that passes every check made before the
domain is asked, our TargetInfo echoed). "mixed": even threads Basic, odd
ones NTLM. "tokens": "Authorization: Negotiate LINE" for the lines of
--tokens (base64 tokens made by the caller, e.g. refused Kerberos tokens
as large as the header allows: bench/kerberos-avail.sh), each thread
cycling through them from its own starting line. --pause: seconds between one thread's logons; --rate: logons
per second, all threads together (0: as fast as answers come). A
connection the server closes is opened again. Prints key=value lines: sent, status_<code>
per status, errors, the longest wait for one answer (max_seconds), and the
CPU time the flooder itself used (cpu_seconds).
"""
import argparse
import base64
import http.client
import os
import random
import string
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wire import server_token  # noqa: E402


def rand(n):
    return ''.join(random.choice(string.ascii_lowercase + string.digits) for _ in range(n))


class Flooder:
    def __init__(self, a, kind, source):
        self.a = a
        self.kind = kind
        self.source = source
        self.conn = None

    def connect(self):
        a = self.a
        self.conn = http.client.HTTPConnection('127.0.0.1', a.port, timeout=a.timeout,
                                               source_address=(self.source, 0))

    def request(self, auth):
        headers = {'Host': 'localhost:%d' % self.a.port, 'Authorization': auth}
        self.conn.request('GET', self.a.path, headers=headers)
        resp = self.conn.getresponse()
        resp.read()
        return resp

    def basic(self):
        cred = 'EXAMPLE\\flood%s:%s' % (rand(6), rand(12))
        return self.request('Basic ' + base64.b64encode(cred.encode()).decode()).status

    def ntlm(self):
        from ntlm_auth.ntlm import NtlmContext
        ctx = NtlmContext('flood' + rand(6), rand(12), domain='EXAMPLE',
                          workstation='FLOOD', ntlm_compatibility=3)
        r1 = self.request('NTLM ' + base64.b64encode(ctx.step()).decode())
        challenge = server_token(r1, 'NTLM')
        if challenge is None:
            return r1.status
        t3 = ctx.step(challenge)
        return self.request('NTLM ' + base64.b64encode(t3).decode()).status

    def negotiate(self):
        tok = self.tokens[self.next % len(self.tokens)]
        self.next += 1
        return self.request('Negotiate ' + tok).status

    def one(self):
        if self.kind == 'tokens':
            return self.negotiate()
        return self.basic() if self.kind == 'basic' else self.ntlm()


def run(a):
    stats = {'sent': 0, 'errors': 0, 'max_seconds': 0.0}
    lock = threading.Lock()
    end = time.time() + a.seconds
    tokens = []
    if a.kind == 'tokens':
        with open(a.tokens) as f:
            tokens = [line.strip() for line in f if line.strip()]
        if not tokens:
            raise SystemExit('flood.py: no tokens in %s' % a.tokens)

    def worker(i):
        kind = a.kind if a.kind != 'mixed' else ('basic', 'ntlm')[i % 2]
        source = '127.0.2.%d' % (1 + i % min(a.sources, 254)) if a.sources else a.source
        f = Flooder(a, kind, source)
        f.tokens, f.next = tokens, i
        f.connect()
        step = a.conns / a.rate if a.rate > 0 else 0
        due = time.time() + random.random() * step
        while time.time() < end:
            if step:
                time.sleep(max(0.0, due - time.time()))
                due += step
            t0 = time.time()
            try:
                st = f.one()
                key = 'status_%d' % st
            except (http.client.HTTPException, OSError):
                key = 'errors'
                f.conn.close()
                f.connect()
            took = time.time() - t0
            with lock:
                stats['sent'] += 1
                stats[key] = stats.get(key, 0) + 1
                stats['max_seconds'] = max(stats['max_seconds'], took)
            if a.pause:
                time.sleep(a.pause)
        f.conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(a.conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t = os.times()
    stats['cpu_seconds'] = t.user + t.system
    for k in sorted(stats):
        v = stats[k]
        print('%s=%s' % (k, '%.3f' % v if isinstance(v, float) else v))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--source', default='127.0.0.1')
    ap.add_argument('--sources', type=int, default=0)
    ap.add_argument('--conns', type=int, default=30)
    ap.add_argument('--seconds', type=float, default=5)
    ap.add_argument('--kind', default='basic', choices=['basic', 'ntlm', 'mixed', 'tokens'])
    ap.add_argument('--tokens', help='file of base64 tokens, one a line (--kind tokens)')
    ap.add_argument('--path', default='/app/whoami')
    ap.add_argument('--pause', type=float, default=0)
    ap.add_argument('--rate', type=float, default=0)
    ap.add_argument('--timeout', type=float, default=30)
    a = ap.parse_args()
    if a.kind == 'tokens' and not a.tokens:
        ap.error('--kind tokens needs --tokens FILE')
    run(a)
    return 0


if __name__ == '__main__':
    sys.exit(main())
