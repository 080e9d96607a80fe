"""Wire helpers shared by the test clients and the load generator: minimal
DER (RFC 4178 tokens are small and well formed here) and the token in a
WWW-Authenticate header."""
import base64


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


def server_token(resp, scheme):
    """The decoded token of the first WWW-Authenticate for scheme, or None."""
    for value in resp.headers.get_all('WWW-Authenticate') or []:
        s, _, b64 = value.partition(' ')
        if s.lower() == scheme.lower() and b64.strip():
            return base64.b64decode(b64.strip())
    return None
