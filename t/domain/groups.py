#!/usr/bin/python3
"""Test users in many groups, in the running test domain (idempotent).

  groups.py [--local] SMBCONF PREFIX COUNT USER:PASSWORD:N [USER:PASSWORD:N ...]
            [--also GROUP]

Makes the groups PREFIX0001 ... PREFIX<COUNT> that are missing, each USER
(created with PASSWORD when missing) a member of PREFIX0001 ... PREFIX<N>,
and with --also of GROUP too (created when missing). Prints one line per
user (user=, groups=) and created=, seconds=.

By default over LDAP as the domain's Administrator, one add per group
(about 80 ms each: every add also rewrites the user's memberOf backlinks).
--local opens the DC's sam.ldb directly (as root, while the DC runs: ldb
locks it as the DC's own processes do) and makes all the changes in one
transaction: 1,500 groups in a few seconds. Run with Debian's
/usr/bin/python3 (Samba's python modules).

The older form groups.py SMBCONF USER PASSWORD COUNT PREFIX (LDAP, one
user) is still understood.
"""
import sys
import time

import ldb
from samba.auth import system_session
from samba.credentials import Credentials
from samba.param import LoadParm
from samba.samdb import SamDB


def connect(smbconf, local):
    lp = LoadParm()
    lp.load(smbconf)
    if local:
        return SamDB(url=lp.private_path('sam.ldb'), session_info=system_session(),
                     lp=lp)
    creds = Credentials()
    creds.guess(lp)
    creds.set_username('Administrator')
    creds.set_password('AdminPassw0rd!')
    return SamDB(url='ldap://127.0.0.10', session_info=system_session(),
                 credentials=creds, lp=lp)


def find_dn(samdb, base, name):
    found = samdb.search(base=base, scope=ldb.SCOPE_SUBTREE,
                         expression='(sAMAccountName=%s)' % ldb.binary_encode(name),
                         attrs=['dn'])
    return str(found[0].dn) if found else None


def user_dn(samdb, base, user, password):
    dn = find_dn(samdb, base, user)
    if dn is None:
        samdb.newuser(user, password)
        dn = find_dn(samdb, base, user)
    return dn


def existing_members(samdb, base, prefix):
    """{group name: set of member DNs, lower-cased} of the PREFIX groups."""
    have = {}
    for m in samdb.search(base=base, scope=ldb.SCOPE_SUBTREE,
                          expression='(&(objectClass=group)(sAMAccountName=%s*))'
                          % ldb.binary_encode(prefix),
                          attrs=['sAMAccountName', 'member']):
        have[str(m['sAMAccountName'][0])] = {str(v).lower() for v in m.get('member', [])}
    return have


def ensure_group(samdb, base, name, members, have):
    """Create the group with members, or add the members it lacks; 1 if changed."""
    dn = 'CN=%s,CN=Users,%s' % (name, base)
    if name not in have:
        samdb.add({'dn': dn, 'objectClass': 'group', 'sAMAccountName': name,
                   'member': members})
        return 1
    missing = [m for m in members if m.lower() not in have[name]]
    if not missing:
        return 0
    msg = ldb.Message(ldb.Dn(samdb, dn))
    msg['member'] = ldb.MessageElement(missing, ldb.FLAG_MOD_ADD, 'member')
    samdb.modify(msg)
    return 1


def main(argv):
    local = '--local' in argv
    argv = [a for a in argv if a != '--local']
    also = None
    if '--also' in argv:
        i = argv.index('--also')
        also = argv[i + 1]
        del argv[i:i + 2]
    if len(argv) == 5 and argv[3].isdigit() and not argv[2].isdigit():  # older form
        smbconf, user, password, count, prefix = argv
        argv = [smbconf, prefix, count, '%s:%s:%s' % (user, password, count)]
    smbconf, prefix, count = argv[0], argv[1], int(argv[2])
    users = [u.split(':', 2) for u in argv[3:]]
    start = time.time()
    samdb = connect(smbconf, local)
    base = samdb.domain_dn()
    samdb.transaction_start()
    try:
        dns = [(u, user_dn(samdb, base, u, pw), int(n)) for u, pw, n in users]
        have = existing_members(samdb, base, prefix)
        changed = 0
        for i in range(1, count + 1):
            members = [dn for _, dn, n in dns if i <= n]
            changed += ensure_group(samdb, base, '%s%04d' % (prefix, i), members, have)
        if also:
            have_also = existing_members(samdb, base, also)
            have_also = {also: have_also.get(also, set())} if also in have_also else {}
            changed += ensure_group(samdb, base, also, [dn for _, dn, _ in dns], have_also)
    except Exception:
        samdb.transaction_cancel()
        raise
    samdb.transaction_commit()
    for u, _, n in dns:
        print('user=%s' % u)
        print('groups=%d' % n)
    print('created=%d' % changed)
    print('seconds=%.1f' % (time.time() - start))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
