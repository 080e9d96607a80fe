"""Wire helpers shared by the test clients and the load generator: minimal
DER (RFC 4178 tokens are small and well formed here) and the token in a
WWW-Authenticate header."""
import base64
import http.client
import socket
import ssl


def der_len(n):
    if n < 128:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(b)]) + b


def der(tag, content):
    return bytes([tag]) + der_len(len(content)) + content


def der_read(buf, pos):
    """(tag, content start, content end) of the element at pos."""
    tag, n = buf[pos], buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(buf[pos:pos + k], 'big')
        pos += k
    return tag, pos, pos + n


def resp_fields(tok):
    """The fields of a NegTokenResp ([1] SEQUENCE): {tag: contents}, with
    tags 0xa0 negState, 0xa1 supportedMech, 0xa2 responseToken, 0xa3
    mechListMIC; {} when tok is not one."""
    fields = {}
    if not tok or tok[0] != 0xa1:
        return fields
    _, s, _ = der_read(tok, 0)
    _, s, end = der_read(tok, s)
    while s < end:
        tag, cs, ce = der_read(tok, s)
        fields[tag] = tok[cs:ce]
        s = ce
    return fields


def server_token(resp, scheme):
    """The decoded token of the first WWW-Authenticate for scheme, or None."""
    for value in resp.headers.get_all('WWW-Authenticate') or []:
        s, _, b64 = value.partition(' ')
        if s.lower() == scheme.lower() and b64.strip():
            return base64.b64decode(b64.strip())
    return None


class _TlsConnection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1, with the test's host name for SNI (every test
    name resolves to the loopback server; the CA is a throwaway)."""

    def __init__(self, host, port, timeout):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        super().__init__('127.0.0.1', port, timeout=timeout, context=ctx)
        self._sni = host

    def connect(self):
        sock = socket.create_connection(('127.0.0.1', self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._sni)


def connection(host, port, tls=False, timeout=30, source=None):
    """An HTTP/1.1 connection to the loopback server as host (Host header
    and, with tls, SNI); from the address source (another loopback address:
    another client to the server), if given."""
    if tls:
        return _TlsConnection(host, port, timeout)
    return http.client.HTTPConnection('127.0.0.1', port, timeout=timeout,
                                      source_address=(source, 0) if source else None)


def peer_certificate(conn):
    """The DER certificate the server presented on a connected
    HTTPSConnection."""
    return conn.sock.getpeercert(binary_form=True)


def tls_server_end_point(der):
    """RFC 5929 4.1: the application data of the channel bindings for a
    certificate: its hash under its signature algorithm's hash, SHA-256 for
    MD5 and SHA-1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    cert = x509.load_der_x509_certificate(der)
    try:
        algo = cert.signature_hash_algorithm
    except Exception:       # noqa: BLE001 - e.g. Ed25519: no single hash
        algo = None
    if algo is None or isinstance(algo, (hashes.MD5, hashes.SHA1)):
        algo = hashes.SHA256()
    h = hashes.Hash(algo)
    h.update(der)
    return b'tls-server-end-point:' + h.finalize()


def pem_to_der(path):
    import ssl as _ssl
    with open(path) as f:
        return _ssl.PEM_cert_to_DER_cert(f.read())


def add_target_arguments(ap, path_default=None):
    """--host, --port and --path: where every test client sends its requests."""
    ap.add_argument('--host', default='localhost')
    ap.add_argument('--port', type=int, required=True)
    if path_default is None:
        ap.add_argument('--path', required=True)
    else:
        ap.add_argument('--path', default=path_default)


def add_tls_arguments(ap):
    """The HTTPS options every test client takes."""
    ap.add_argument('--tls', action='store_true', help='HTTPS (SNI: --host)')
    ap.add_argument('--cbt', default='auto', choices=['auto', 'none', 'other'],
                    help='channel bindings over HTTPS: of the server\'s certificate '
                    '(auto), of --cbt-cert (other: a relay), or none')
    ap.add_argument('--cbt-cert', help='the other certificate (PEM) for --cbt other')
