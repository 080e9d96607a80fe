#!/usr/bin/python3
"""Print one fresh SPNEGO token for HTTP@localhost (base64), from the
Kerberos credentials in KRB5CCNAME (python3-gssapi, MIT)."""
import base64

import gssapi

name = gssapi.Name('HTTP@localhost', gssapi.NameType.hostbased_service)
ctx = gssapi.SecurityContext(name=name, usage='initiate',
                             mech=gssapi.OID.from_int_seq('1.3.6.1.5.5.2'))
print(base64.b64encode(ctx.step()).decode())
