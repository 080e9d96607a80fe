#!/usr/bin/python3
# spn_raw.py BASE add|delete SPN ACCOUNT
#
# Add or remove a servicePrincipalName of an account of the test domain by
# writing to the domain partition's database directly, without Samba's
# ldb modules: samldb refuses an SPN that another account already holds
# (samba-tool spn add and a modify through sam.ldb both do), but the
# doctor's tests need exactly that fault, which AD domains do end up with
# (setspn -A on older Windows, replication of conflicting changes).
# Prints the accounts that hold the SPN afterwards.
import sys

import ldb

base, op, spn, account = sys.argv[1:5]
db = ldb.Ldb(base + "/dc/private/sam.ldb.d/DC=EXAMPLE,DC=TEST.ldb",
             options=["modules:"])
res = db.search(expression="(sAMAccountName=%s)" % account, attrs=["dn"])
if len(res) != 1:
    sys.exit("no account %s" % account)
m = ldb.Message()
m.dn = res[0].dn
flag = ldb.FLAG_MOD_ADD if op == "add" else ldb.FLAG_MOD_DELETE
m["servicePrincipalName"] = ldb.MessageElement(spn, flag, "servicePrincipalName")
db.modify(m)
held = db.search(expression="(servicePrincipalName=%s)" % spn,
                 attrs=["sAMAccountName"])
print(" ".join(sorted(str(r["sAMAccountName"][0]) for r in held)))
