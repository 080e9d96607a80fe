#!/usr/bin/python3
"""Print fresh SPNEGO tokens for HTTP@localhost (base64), one a line, from
the Kerberos credentials in KRB5CCNAME (python3-gssapi, MIT): one token, or
N (`gss_token.py N`), each from its own context (its own authenticator)."""
import base64
import sys

import gssapi

name = gssapi.Name('HTTP@localhost', gssapi.NameType.hostbased_service)
for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 1):
    ctx = gssapi.SecurityContext(name=name, usage='initiate',
                                 mech=gssapi.OID.from_int_seq('1.3.6.1.5.5.2'))
    print(base64.b64encode(ctx.step()).decode())
