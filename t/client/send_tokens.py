#!/usr/bin/python3
"""Send each token of a file once, in order, to one URL (the replay
cache's memory: t/root/67_replay_memory.rt).

    send_tokens.py TOKENS_FILE URL [LANES]

LANES (default 4) threads, each on its own keep-alive connection: lane i
sends tokens i, i+LANES, ... Prints one line: "200=N 401=N other=N"
(other: any other status, and failed connections).
"""
import http.client
import sys
import threading
import urllib.parse


def lane(url, tokens, counts, lock):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    for token in tokens:
        try:
            conn.request('GET', u.path, headers={'Authorization': 'Negotiate ' + token})
            resp = conn.getresponse()
            resp.read()
            kind = str(resp.status) if resp.status in (200, 401) else 'other'
        except (OSError, http.client.HTTPException):
            kind = 'other'
            conn.close()
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        with lock:
            counts[kind] += 1


def main():
    path, url = sys.argv[1:3]
    lanes = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    with open(path) as f:
        pool = [line.strip() for line in f if line.strip()]
    counts = {'200': 0, '401': 0, 'other': 0}
    lock = threading.Lock()
    threads = [threading.Thread(target=lane, args=(url, pool[i::lanes], counts, lock))
               for i in range(lanes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(' '.join('%s=%d' % (k, counts[k]) for k in ('200', '401', 'other')))


main()
