#!/usr/bin/python3
"""Fresh logons with a replay between them (the replay cache's memory under
load: t/root/63_replay_restored_watched.rt).

    replay_sender.py TOKENS_FILE REPLAY_TOKEN URL STEP

Sends the tokens of TOKENS_FILE one request each on one keep-alive
connection and, after every STEP of them, REPLAY_TOKEN once; prints one
line per replay ("after N fresh logons (M accepted): replay -> STATUS") and
"REPLAY ACCEPTED", then stops, at the first replay answered 200.
"""
import http.client
import sys
import urllib.parse


def main():
    tokens_file, replay, url, step = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    u = urllib.parse.urlsplit(url)
    conn = [http.client.HTTPConnection(u.hostname, u.port, timeout=30)]

    def send(token):
        for _ in range(2):
            try:
                conn[0].request('GET', u.path, headers={'Authorization': 'Negotiate ' + token})
                r = conn[0].getresponse()
                r.read()
                return r.status
            except (OSError, http.client.HTTPException):
                conn[0].close()
                conn[0] = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        return 0

    with open(tokens_file) as f:
        tokens = [line.strip() for line in f if line.strip()]
    sent = accepted = 0
    for i in range(0, len(tokens), step):
        for token in tokens[i:i + step]:
            accepted += send(token) == 200
            sent += 1
        status = send(replay)
        print("after %d fresh logons (%d accepted): replay -> %d" % (sent, accepted, status),
              flush=True)
        if status == 200:
            print("REPLAY ACCEPTED")
            break


if __name__ == '__main__':
    main()
