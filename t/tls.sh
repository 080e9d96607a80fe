#!/bin/bash
# t/tls.sh DIR - a throwaway CA and the test servers' certificates, made
# once into DIR (kept while they are there):
#   ca.pem                       the CA (clients may trust it)
#   localhost.pem/.key           localhost, 127.0.0.1 (RSA, signed with SHA-256)
#   www.pem/.key                 www.example.test (RSA, signed with SHA-384: its
#                                tls-server-end-point hash is SHA-384, RFC 5929)
#   other.pem/.key               other.example.test, served nowhere: a relay's
#                                certificate, for tokens bound to another channel
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
[ -s ca.pem ] && [ -s localhost.pem ] && [ -s www.pem ] && [ -s other.pem ] \
    && openssl x509 -in localhost.pem -noout -checkend 86400 >/dev/null && exit 0
rm -f ./*.pem ./*.key ./*.csr ./*.srl ./*.ext
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
    -subj '/CN=mod_auth_negotiate test CA' \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    >/dev/null 2>&1
leaf() {        # name hash SAN...
    local name=$1 hash=$2
    shift 2
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
        "$(IFS=,; echo "$*")" >"$name.ext"
    openssl req -new -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" \
        -subj "/CN=${1#DNS:}" >/dev/null 2>&1
    openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
        "-$hash" -extfile "$name.ext" -out "$name.pem" >/dev/null 2>&1
}
leaf localhost sha256 DNS:localhost IP:127.0.0.1
leaf www sha384 DNS:www.example.test
leaf other sha256 DNS:other.example.test
rm -f ./*.csr ./*.ext ./*.srl
