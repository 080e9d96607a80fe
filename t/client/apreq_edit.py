#!/usr/bin/python3
"""Edits of a krb5 GSS token (RFC 4121 4.1: 0x60 framing, OID, TOK_ID 01 00,
then the AP-REQ of RFC 4120 5.5.1) for t/13_ticket_cache.t. Tokens in and
out are base64 (the raw krb5 token, as t/client/krb5_token prints it).

  apreq_edit.py flip TOKEN [INDEX]
      one bit flipped in the ticket's enc-part ciphertext (byte INDEX,
      default the middle one): the same ticket altered in one byte
  apreq_edit.py splice TICKET_TOKEN AUTHENTICATOR_TOKEN
      the ticket of the first token with the authenticator of the second
  apreq_edit.py info TOKEN
      cipher_offset=... cipher_len=... (where the ticket's ciphertext is)

DER through wire.py (single-byte tags, definite lengths: what Kerberos
encoders produce); the lengths of every enclosing element are re-encoded
when a splice changes them.
"""
import base64
import sys

from wire import der, der_read


def read_tlv(buf, off):
    """(tag, content offset, content length, end) of the element at off,
    checked against the buffer (wire.der_read trusts its input)."""
    tag, start, end = der_read(buf, off)
    if end > len(buf) or buf[off + 1] == 0x80:
        raise ValueError('element at %d runs past the end' % off)
    return tag, start, end - start, end


def children(buf, start, length):
    out, off = [], start
    while off < start + length:
        tag, cs, cl, end = read_tlv(buf, off)
        out.append((tag, off, cs, cl, end))
        off = end
    return out


def ap_req_of(tok):
    """(gss header bytes up to the AP-REQ, offset of the AP-REQ)."""
    tag, cs, cl, end = read_tlv(tok, 0)
    if tag != 0x60:
        raise ValueError('not a GSS token')
    otag, os_, ol, oend = read_tlv(tok, cs)
    if otag != 0x06 or tok[oend:oend + 2] != b'\x01\x00':
        raise ValueError('not a krb5 AP-REQ token')
    return tok[os_ - 2:oend + 2], oend + 2


def fields(tok):
    """The AP-REQ's SEQUENCE elements by context tag."""
    _, off = ap_req_of(tok)
    tag, cs, cl, _ = read_tlv(tok, off)
    if tag != 0x6e:
        raise ValueError('not an AP-REQ')
    stag, ss, sl, _ = read_tlv(tok, cs)
    return {t: (o, s, l, e) for t, o, s, l, e in children(tok, ss, sl)}


def ticket_cipher(tok):
    """(offset, length) of the ticket's enc-part ciphertext."""
    _, ts, tl, _ = fields(tok)[0xa3]
    _, apps, appl, _ = read_tlv(tok, ts)            # [APPLICATION 1]
    _, seqs, seql, _ = read_tlv(tok, apps)           # SEQUENCE
    for t, o, s, l, e in children(tok, seqs, seql):
        if t == 0xa3:                                # enc-part
            _, es, el, _ = read_tlv(tok, s)
            for t2, o2, s2, l2, e2 in children(tok, es, el):
                if t2 == 0xa2:                       # cipher
                    _, cs, cl, _ = read_tlv(tok, s2)
                    return cs, cl
    raise ValueError('no ticket cipher')


def flip(tok, index=None):
    cs, cl = ticket_cipher(tok)
    i = cl // 2 if index is None else index
    if not 0 <= i < cl:
        raise ValueError('index outside the ciphertext')
    out = bytearray(tok)
    out[cs + i] ^= 0x01
    return bytes(out)


def splice(tok_ticket, tok_auth):
    a, b = fields(tok_ticket), fields(tok_auth)
    body = b''.join(tok_ticket[o:e] for t, (o, s, l, e) in sorted(a.items())
                    if t != 0xa4)
    o, s, l, e = b[0xa4]
    body += tok_auth[o:e]
    ap_req = der(0x6e, der(0x30, body))
    oid = tok_ticket[ap_req_of(tok_ticket)[1] - 2 - 11:ap_req_of(tok_ticket)[1] - 2]
    return der(0x60, oid + b'\x01\x00' + ap_req)


def main(argv):
    op = argv[1]
    tok = base64.b64decode(argv[2])
    if op == 'flip':
        out = flip(tok, int(argv[3]) if len(argv) > 3 else None)
    elif op == 'splice':
        out = splice(tok, base64.b64decode(argv[3]))
    elif op == 'info':
        cs, cl = ticket_cipher(tok)
        print('cipher_offset=%d cipher_len=%d' % (cs, cl))
        return 0
    else:
        raise SystemExit('unknown operation ' + op)
    print(base64.b64encode(out).decode())
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
