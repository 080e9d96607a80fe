#!/usr/bin/python3
"""Edits of a krb5 GSS token (RFC 4121 4.1: 0x60 framing, OID, TOK_ID 01 00,
then the AP-REQ of RFC 4120 5.5.1) for t/14_ticket_cache.t. Tokens in and
out are base64 (the raw krb5 token, as t/client/krb5_token prints it).

  apreq_edit.py flip TOKEN [INDEX]
      one bit flipped in the ticket's enc-part ciphertext (byte INDEX,
      default the middle one): the same ticket altered in one byte
  apreq_edit.py splice TICKET_TOKEN AUTHENTICATOR_TOKEN
      the ticket of the first token with the authenticator of the second
  apreq_edit.py info TOKEN
      cipher_offset=... cipher_len=... (where the ticket's ciphertext is)
  apreq_edit.py components TOKEN N
      the ticket's clear-text service name replaced by N empty components
      (each costs two bytes: attacker-sized input for the name's handling)
  apreq_edit.py fields TOKEN [NAME ...]
      NAME=TOKEN lines: the token with one clear-text field of its AP-REQ
      (RFC 4120 5.5.1, 5.3, 5.2.9) or of its GSS/SPNEGO framing rewritten,
      for each NAME (default: all of FIELD_EDITS); TOKEN may be the raw
      krb5 token or a SPNEGO NegTokenInit, and each variant keeps that
      framing unless the edit is of the framing itself

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


# ------------------------------------------------ every clear-text field
#
# The AP-REQ as a tree of [tag, children] (constructed) or [tag, bytes]
# (primitive) nodes, edited and encoded again with every length recomputed.

SPNEGO_OID = bytes.fromhex('06062b0601050502')
KRB5_OID = bytes.fromhex('06092a864886f712010202')
MS_KRB5_OID = bytes.fromhex('06092a864882f712010202')


def tree(buf, start=0, end=None):
    end = len(buf) if end is None else end
    out, off = [], start
    while off < end:
        tag, cs, cl, e = read_tlv(buf, off)
        out.append([tag, tree(buf, cs, cs + cl) if tag & 0x20 else buf[cs:cs + cl]])
        off = e
    return out


def encode(nodes):
    return b''.join(der(t, encode(c) if isinstance(c, list) else c) for t, c in nodes)


def child(node, tag):
    for n in node[1]:
        if n[0] == tag:
            return n
    raise KeyError(hex(tag))


def integer(v):
    """DER INTEGER contents (two's complement, minimal)."""
    n = 1
    while not -(1 << (8 * n - 1)) <= v < (1 << (8 * n - 1)):
        n += 1
    return v.to_bytes(n, 'big', signed=True)


def split_krb5(tok):
    """(OID element, AP-REQ tree) of a raw krb5 GSS token."""
    tag, cs, cl, _ = read_tlv(tok, 0)
    otag, os_, ol, oend = read_tlv(tok, cs)
    if tag != 0x60 or otag != 0x06 or tok[oend:oend + 2] != b'\x01\x00':
        raise ValueError('not a krb5 AP-REQ token')
    return tok[cs:oend], tree(tok, oend + 2, cs + cl)


def join_krb5(oid, ap):
    return der(0x60, oid + b'\x01\x00' + encode(ap))


def mech_token(spnego):
    """The mechToken of a NegTokenInit, and a function that puts another
    one in its place (every enclosing length recomputed)."""
    t = tree(spnego)
    init = child(child(t[0], 0xa0), 0x30)
    octets = child(child(init, 0xa2), 0x04)
    def put(new):
        octets[1] = new
        return encode(t)
    return octets[1], put


# Each edit: AP-REQ tree -> None (edited in place). Paths by context tag.
def _ap(ap):
    return child(ap[0], 0x30)


def _ticket(ap):
    return child(child(child(_ap(ap), 0xa3), 0x61), 0x30)


def _set_int(seq, tag, v):
    child(seq, tag)[1] = [[0x02, integer(v)]]


def _flip_option(bit):
    def edit(ap):
        bits = bytearray(child(child(_ap(ap), 0xa2), 0x03)[1])
        bits[1 + bit // 8] ^= 0x80 >> (bit % 8)
        child(child(_ap(ap), 0xa2), 0x03)[1] = bytes(bits)
    return edit


def _enc(which):
    return (lambda ap: child(child(_ticket(ap), 0xa3), 0x30)) if which == 'ticket' \
        else (lambda ap: child(child(_ap(ap), 0xa4), 0x30))


def _etype(which, v):
    return lambda ap: _set_int(_enc(which)(ap), 0xa0, v)


def _kvno(which, delta=None, v=None, drop=False):
    def edit(ap):
        enc = _enc(which)(ap)
        have = [n for n in enc[1] if n[0] == 0xa1]
        if drop:
            enc[1] = [n for n in enc[1] if n[0] != 0xa1]
            return
        if have and delta is not None:
            old = int.from_bytes(child(have[0], 0x02)[1], 'big', signed=True)
            _set_int(enc, 0xa1, old + delta)
            return
        enc[1] = [n for n in enc[1] if n[0] != 0xa1]
        enc[1].insert(1, [0xa1, [[0x02, integer(v if v is not None else 1)]]])
    return edit


def _name(which, old, new):
    def edit(ap):
        t = _ticket(ap)
        if which == 'realm':
            node = child(child(t, 0xa1), 0x1b)
            node[1] = node[1].replace(old, new)
        else:
            names = child(child(child(t, 0xa2), 0x30), 0xa1)
            for n in child(names, 0x30)[1]:
                n[1] = n[1].replace(old, new)
    return edit


FIELD_EDITS = {
    'pvno4': lambda ap: _set_int(_ap(ap), 0xa0, 4),
    'msgtype13': lambda ap: _set_int(_ap(ap), 0xa1, 13),
    'apopt_reserved': _flip_option(0),
    'apopt_session_key': _flip_option(1),
    'apopt_mutual': _flip_option(2),
    'tktvno4': lambda ap: _set_int(_ticket(ap), 0xa0, 4),
    'tkt_realm_x': _name('realm', b'EXAMPLE.TEST', b'EXAMPLE.TESX'),
    'tkt_realm_lc': _name('realm', b'EXAMPLE.TEST', b'example.test'),
    'tkt_sname_x': _name('sname', b'localhost', b'localhosx'),
    'tkt_etype17': _etype('ticket', 17),
    'tkt_etype23': _etype('ticket', 23),
    'tkt_kvno_up': _kvno('ticket', delta=1),
    'tkt_kvno_none': _kvno('ticket', drop=True),
    'auth_etype16': _etype('auth', 16),
    'auth_etype17': _etype('auth', 17),
    'auth_etype20': _etype('auth', 20),
    'auth_etype23': _etype('auth', 23),
    'auth_etype_big': _etype('auth', 0x7ffffff0),
    'auth_kvno0': _kvno('auth', v=0),
    'auth_kvno7': _kvno('auth', v=7),
}

# The framing around the AP-REQ (RFC 2743 3.1, RFC 4178 4.2.1).
FRAMING_EDITS = ['raw', 'msraw', 'respnego', 'longlen', 'spnego_ntlm_listed']


def reframe(kind, raw):
    if kind == 'raw':
        return raw
    if kind == 'msraw':
        return raw.replace(KRB5_OID, MS_KRB5_OID, 1)
    if kind == 'longlen':
        # the 0x60 length in a long form of four bytes (BER, not DER)
        tag, cs, cl, _ = read_tlv(raw, 0)
        return b'\x60\x84' + cl.to_bytes(4, 'big') + raw[cs:cs + cl]
    mechs = MS_KRB5_OID + KRB5_OID if kind == 'respnego' else \
        KRB5_OID + bytes.fromhex('060a2b06010401823702020a')
    inner = raw.replace(KRB5_OID, MS_KRB5_OID, 1) if kind == 'respnego' else raw
    init = der(0x30, der(0xa0, der(0x30, mechs)) + der(0xa2, der(0x04, inner)))
    return der(0x60, SPNEGO_OID + der(0xa0, init))


def variants(tok, names=None):
    spnego = tok[0] == 0x60 and tok[2:2 + len(SPNEGO_OID)] == SPNEGO_OID \
        or (tok[1] & 0x80 and SPNEGO_OID in tok[:16])
    raw, put = mech_token(tok) if spnego else (tok, lambda new: new)
    out = {}
    for name in names or list(FIELD_EDITS) + FRAMING_EDITS:
        if name in FIELD_EDITS:
            oid, ap = split_krb5(raw)
            FIELD_EDITS[name](ap)
            new = join_krb5(oid, ap)
            if new == raw:
                raise ValueError('edit %s changed nothing' % name)
            out[name] = put(new)
        else:
            out[name] = reframe(name, raw)
    return out


def main(argv):
    op = argv[1]
    tok = base64.b64decode(argv[2])
    if op == 'flip':
        out = flip(tok, int(argv[3]) if len(argv) > 3 else None)
    elif op == 'splice':
        out = splice(tok, base64.b64decode(argv[3]))
    elif op == 'components':
        spnego = tok[2:2 + len(SPNEGO_OID)] == SPNEGO_OID or SPNEGO_OID in tok[:16]
        raw, put = mech_token(tok) if spnego else (tok, lambda new: new)
        oid, ap = split_krb5(raw)
        names = child(child(child(_ticket(ap), 0xa2), 0x30), 0xa1)
        child(names, 0x30)[1] = [[0x1b, b''] for _ in range(int(argv[3]))]
        out = put(join_krb5(oid, ap))
    elif op == 'fields':
        for name, new in variants(tok, argv[3:]).items():
            print('%s=%s' % (name, base64.b64encode(new).decode()))
        return 0
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
