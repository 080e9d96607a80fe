#!/usr/bin/python3
"""Send each token of a pool to two servers at the same moment (a farm's
replay cache under load: t/root/65_replay_farm.rt).

    farm_race.py TOKENS_FILE URL_A URL_B [LANES]

LANES (default 8) pairs of threads, each pair on its own keep-alive
connections to A and B: lane i sends tokens i, i+LANES, ...; for each, its
two threads meet at a barrier and then send the token at once, one to A and
one to B. Prints one line: "both=N one=N none=N other=N" (tokens accepted
by both servers, by exactly one, by neither; "other" counts answers that
are neither 200 nor 401, and failed connections), then a line per token
with another outcome than "one", at most 10.
"""
import http.client
import sys
import threading
import urllib.parse


def sender(url, tokens, barrier, results, side):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    for i, token in tokens:
        barrier.wait()
        try:
            conn.request('GET', u.path, headers={'Authorization': 'Negotiate ' + token})
            resp = conn.getresponse()
            resp.read()
            results[i][side] = resp.status
        except (OSError, http.client.HTTPException) as e:
            results[i][side] = 'error: %s' % e
            conn.close()
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)


def main():
    path, url_a, url_b = sys.argv[1:4]
    lanes = int(sys.argv[4]) if len(sys.argv) > 4 else 8
    with open(path) as f:
        pool = [line.strip() for line in f if line.strip()]
    results = [[None, None] for _ in pool]
    threads = []
    for lane in range(lanes):
        mine = [(i, pool[i]) for i in range(lane, len(pool), lanes)]
        barrier = threading.Barrier(2)
        for side, url in enumerate((url_a, url_b)):
            threads.append(threading.Thread(target=sender,
                                            args=(url, mine, barrier, results, side)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    count = {'both': 0, 'one': 0, 'none': 0, 'other': 0}
    odd = []
    for i, (a, b) in enumerate(results):
        if a not in (200, 401) or b not in (200, 401):
            kind = 'other'
        else:
            kind = {2: 'both', 1: 'one', 0: 'none'}[(a == 200) + (b == 200)]
        count[kind] += 1
        if kind != 'one':
            odd.append('token %d: A %s, B %s' % (i, a, b))
    print(' '.join('%s=%d' % (k, count[k]) for k in ('both', 'one', 'none', 'other')))
    for line in odd[:10]:
        print(line)


main()
