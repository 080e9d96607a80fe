#!/usr/bin/python3
"""A back end for the reverse-proxy tests: answers every request with the
request line and the header lines exactly as received (names in their case,
duplicates kept, in order), as text/plain, and appends the same as one JSON
line to --log, so a test can also see requests that never came back to it.

  echo_backend.py --port 18611 --log /tmp/x.jsonl
"""
import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Echo(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def answer(self):
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            self.rfile.read(length)
        headers = list(self.headers.items())
        with open(self.server.log, 'a', encoding='utf-8') as f:
            f.write(json.dumps({'path': self.path, 'headers': headers}) + '\n')
        body = ''.join('HEADER %s: %s\n' % (k, v) for k, v in headers)
        body = ('PATH=%s\n' % self.path + body).encode('utf-8', 'replace')
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain; charset=utf-8')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_OPTIONS = answer

    def log_message(self, fmt, *args):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--log', required=True)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(('127.0.0.1', a.port), Echo)
    srv.log = a.log
    print('ready', flush=True)
    srv.serve_forever()
    return 0


if __name__ == '__main__':
    sys.exit(main())
