#!/usr/bin/python3
"""A test user in many groups, in the running test domain (idempotent).

  groups.py SMBCONF USER PASSWORD COUNT PREFIX

Creates USER (with PASSWORD) when missing, and the groups PREFIX0001 ...
PREFIX<COUNT> that are missing, each with USER as its member, over LDAP as
the domain's Administrator: one LDAP add per group (samba-tool would take
0.2-0.3 s per call). Prints user=, groups=, created= and seconds= lines.
Run with Debian's /usr/bin/python3 (Samba's python modules).
"""
import sys
import time

import ldb
from samba.auth import system_session
from samba.credentials import Credentials
from samba.param import LoadParm
from samba.samdb import SamDB


def main():
    smbconf, user, password, count, prefix = sys.argv[1:6]
    count = int(count)
    start = time.time()
    lp = LoadParm()
    lp.load(smbconf)
    creds = Credentials()
    creds.guess(lp)
    creds.set_username('Administrator')
    creds.set_password('AdminPassw0rd!')
    samdb = SamDB(url='ldap://127.0.0.10', session_info=system_session(),
                  credentials=creds, lp=lp)
    base = samdb.domain_dn()
    found = samdb.search(base=base, scope=ldb.SCOPE_SUBTREE,
                         expression='(sAMAccountName=%s)' % ldb.binary_encode(user),
                         attrs=['dn'])
    if not found:
        samdb.newuser(user, password)
        found = samdb.search(base=base, scope=ldb.SCOPE_SUBTREE,
                             expression='(sAMAccountName=%s)' % ldb.binary_encode(user),
                             attrs=['dn'])
    user_dn = str(found[0].dn)
    have = {str(m['sAMAccountName'][0]) for m in samdb.search(
        base=base, scope=ldb.SCOPE_SUBTREE,
        expression='(&(objectClass=group)(sAMAccountName=%s*))' % ldb.binary_encode(prefix),
        attrs=['sAMAccountName'])}
    created = 0
    for i in range(1, count + 1):
        name = '%s%04d' % (prefix, i)
        if name in have:
            continue
        samdb.add({'dn': 'CN=%s,CN=Users,%s' % (name, base), 'objectClass': 'group',
                   'sAMAccountName': name, 'member': user_dn})
        created += 1
    print('user=%s' % user)
    print('groups=%d' % count)
    print('created=%d' % created)
    print('seconds=%.1f' % (time.time() - start))
    return 0


if __name__ == '__main__':
    sys.exit(main())
