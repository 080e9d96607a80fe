/*
 * cbt_vectors.h - certificates for t/unit/test_cbt.c, made for this test with
 * openssl (a throwaway CA; RSA, ECDSA, RSASSA-PSS and Ed25519 signatures),
 * and their tls-server-end-point bindings (RFC 5929) as computed apart from
 * the module: hashlib over the DER, and the MD5 of the
 * gss_channel_bindings_struct (RFC 4121 4.1.1.2) for NTLM.
 */
#ifndef CBT_VECTORS_H
#define CBT_VECTORS_H

typedef struct {
    const char *name;
    const char *pem;
    const char *hash_name;
    const char *hash_hex;       /* the certificate's hash */
    const char *ntlm_hex;       /* MD5 of the channel bindings structure */
} cbt_vector;

static const cbt_vector cbt_vectors[] = {
    { "rsa256",
        "-----BEGIN CERTIFICATE-----\n"
        "MIICKjCCARICFHMa+I8+aZjwIwo6yIZiOIRT2V2eMA0GCSqGSIb3DQEBCwUAMBYx\n"
        "FDASBgNVBAMMC2NidC10ZXN0LWNhMB4XDTI2MTEyNzEzNTIzNVoXDTM2MTEyNDEz\n"
        "NTIzNVowETEPMA0GA1UEAwwGcnNhMjU2MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCB\n"
        "iQKBgQCv4EL3ARuqyhsq6uhBwrVAWyocgz5bsWAAM0MlNG0apjgX8Qj67J+ZAMvI\n"
        "/SUBPkw1akbTbwttzGn0s+AL/aPh+kvJY1faTldayHzedQgzUbeblwqKsx3YS1gu\n"
        "mtcnTAmpCyglxGm/EuAvxapowTtO1Gj8rgRIjSCfn4eIWomhuwIDAQABMA0GCSqG\n"
        "SIb3DQEBCwUAA4IBAQCDIwBd9AjNU68uAEWieKU+mzA72zVk48DKFFXuDhpH7CCe\n"
        "MStJFAkpWxTM/22aUXfAatn3ePRKpWi+y1PRwTEMoAgUDUADNbb+7eddlZv2Duxx\n"
        "UMvTg4PgwSLGJb/g9+j6uAqkxhMpxeuR8AKyBxF2lL3BL/PKVs3+cvNdJ0yKIs41\n"
        "zvEAC9fRXgx09kJeV90h5DeFgjUuc0x8vahGojGPeEFhbHWN3ZcCv4qxoulkgMY7\n"
        "ltDHdjmyw0+G2POssmS1NK9O38wMVzxBxBN6yPp1/6RNH3hRUvyzHk0Cj2ZOns31\n"
        "JvAXeRX0k4Xe1OyC8gsEiVpZQ/Kb7v1HhCHrTJ5D\n"
        "-----END CERTIFICATE-----\n"        ,
        "SHA-256",
        "1f8975e82ead40f6a7c95038727569d01e602d0a88312692c8bb55496386a9c9",
        "ae07ce392058f71358cd195691fa40a3" },
    { "rsa384",
        "-----BEGIN CERTIFICATE-----\n"
        "MIICKjCCARICFHMa+I8+aZjwIwo6yIZiOIRT2V2fMA0GCSqGSIb3DQEBDAUAMBYx\n"
        "FDASBgNVBAMMC2NidC10ZXN0LWNhMB4XDTI2MTEyNzEzNTIzNVoXDTM2MTEyNDEz\n"
        "NTIzNVowETEPMA0GA1UEAwwGcnNhMzg0MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCB\n"
        "iQKBgQDCBZcBu+ATkjvBk4nBQXX/hZ6Ig9qQm53O/j/N79JErTMEJDOgxRoaPOEB\n"
        "eWxTPbT9uNi/1s+PMy6/KFzhfgodL8VeptOktA2BXdqxJs7YXSp6dsJJ0A5sGnqG\n"
        "XXLVXIlnP2ejpSTKrZ2g6fz0W9YVok7tsWfI3fu8zXpK0qT7EQIDAQABMA0GCSqG\n"
        "SIb3DQEBDAUAA4IBAQA2tQTtFaew473CcWtOA9l0rNNTqNzbqrWbnzSXOgv7AS5f\n"
        "6iDW7dnGUGLX7wzHgx+SmFO+fsPcfFZ8lXx4y1L0fbw9eLi4mFYl+EXxdqLoDfMC\n"
        "xoKs69kiHBZLjr2HbjzV/WIEsD6zCj8GxlToEnenlvU8hixS3g2we8qvM2h/814d\n"
        "E++kpKB64Pupz/NidYsI9wKFEpVQ186h32LDBRORTQja6zdhHjuOdb9XpbiQ2XjG\n"
        "oUGMWOY6DHxoyfQ3qrFe8ZDqOcoee29xqiaV6IrQg1ZT6ef/6o3k+OZa+X4c6a3U\n"
        "O4H6Qn6zsaTOOdXwigpcZ1kSJaAT1DyUbmZwjF6c\n"
        "-----END CERTIFICATE-----\n"        ,
        "SHA-384",
        "6cba3e9b5f91085594a42b5d579cdb115208f3b76e9322729f4e67b80c4dfe5cca67f1f3ebdd0abf93de4b13e9ac82ff",
        "ac12862a44623801ec69c2c82d5cae51" },
    { "rsa1",
        "-----BEGIN CERTIFICATE-----\n"
        "MIICKDCCARACFHMa+I8+aZjwIwo6yIZiOIRT2V2gMA0GCSqGSIb3DQEBBQUAMBYx\n"
        "FDASBgNVBAMMC2NidC10ZXN0LWNhMB4XDTI2MTEyNzEzNTIzNloXDTM2MTEyNDEz\n"
        "NTIzNlowDzENMAsGA1UEAwwEcnNhMTCBnzANBgkqhkiG9w0BAQEFAAOBjQAwgYkC\n"
        "gYEA7k/PM6Wv36GxFrG5GcHCng4rnIMpQ+Oag48HJJYRQS7uq5r4kX8z2wZjJqqz\n"
        "BreZYy9a0ojapnp4OBd558HdSLHEfN37PjpQlsKkDmq6ST/hWfPrUg6X30ZZXQkI\n"
        "XQPBxXdfLWwvjjuKulRZaqtESJG8DoZ/9ibURry+iSIYGR8CAwEAATANBgkqhkiG\n"
        "9w0BAQUFAAOCAQEAAfF388ufuvQ5tOX80JhiGD5CAUb3U8UYdjhze1zhorNCUzV+\n"
        "v/il9HndJ6ddakPYHWGrXnKjWZh9Lg7ob6wLObGmtkk9TCQzxtqW7Dr3sRZcqKWb\n"
        "OT833FlSyfcV/WwtegmO6lyQm43dCK1uTvtmQ7L7JwRe8f68go55aYb4+vHbmXrq\n"
        "wWLlE4OcXEWJ8OqrboDFNl6CnWpUxfsMuOlPlVngC6r/1POVf1qHM9wQSZr31vDg\n"
        "Uki6e84sJS9iXBJxDQKFpJ4do0iI39Vbrgjc63ugFo4ChvHPLVxe655ft8+r9OR4\n"
        "P+g1ZboJO0xmQnbZdZ4MVx39g03Tmdb+ybWO1g==\n"
        "-----END CERTIFICATE-----\n"        ,
        "SHA-256",
        "014b45cb9b1eb0e0fcea019e05ff810695811fbff5ae0e95ed5ecaf2b0aa8213",
        "80e14a7e684320b7cf6b014c836a4565" },
    { "rsa512",
        "-----BEGIN CERTIFICATE-----\n"
        "MIICKjCCARICFHMa+I8+aZjwIwo6yIZiOIRT2V2hMA0GCSqGSIb3DQEBDQUAMBYx\n"
        "FDASBgNVBAMMC2NidC10ZXN0LWNhMB4XDTI2MTEyNzEzNTIzNloXDTM2MTEyNDEz\n"
        "NTIzNlowETEPMA0GA1UEAwwGcnNhNTEyMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCB\n"
        "iQKBgQC+4+s3PwE4BRHQLomM5dpJk86FSQF1KSoSPotz+svkxVW1elrH6hSkDOeu\n"
        "8bXF+q4wwT/u0GqILwjKpLS3EZ5W2no76GIhe/zSqAZP/wpGC2zq1Fqm8bHHMNm2\n"
        "EHYeS7Hs2DPgs7J2yXYq4yIT6Iua6/SM6YABhmEKWqrzf9ZcfwIDAQABMA0GCSqG\n"
        "SIb3DQEBDQUAA4IBAQCpSphi/IBxlDqOqagd789+bCY/um4oMoHZsByADTAZp7N3\n"
        "BCwexon7JSA84mvBOSg+nyZGe8ntAeHSRG7fa864x8LbgWH3rgxzmoLQPIApRxXm\n"
        "+H57Te99Ktk3U992FUrPEaYDpuFAhPotoLfYoqtjiyPC7VXH1Y/4W0gIGS0Xtyk5\n"
        "LSYF11mMnI+wLiD30bDx2PU6SyEShcYHR9davaVALSlUjLVJjS6nTV4UzX//9xks\n"
        "f3Allgp2rQlgmSBu8pnNcB3R3aOZhiWcShqovq6XHIcxC+IiRUBq4Sny8rAuBpwg\n"
        "W7hxfdaIv4Rk0CrD6fLuzkWlFVisJmFqY0EmCBlm\n"
        "-----END CERTIFICATE-----\n"        ,
        "SHA-512",
        "1248505fff4d926ca7ae674774f5d9274ceb6588f24417b9d79be5d72543239430cf6535289b984391d36e7a6bb2448f0d1fde0d48cc6b8aced38e8dc92e8da5",
        "79a13bf43dbd02fc122e88272436d82f" },
    { "ec512",
        "-----BEGIN CERTIFICATE-----\n"
        "MIIBbjCCARWgAwIBAgIUEBBqGQCim8S0+CH6iHoCVCa5pvowCgYIKoZIzj0EAwQw\n"
        "DTELMAkGA1UEAwwCZWMwHhcNMjYxMTI3MTM1MjM2WhcNMzYxMTI0MTM1MjM2WjAN\n"
        "MQswCQYDVQQDDAJlYzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABDEAxknX20Yp\n"
        "of5/3GN+zwMQ3xxDaZaRlYf8/3ME8JOzKV8GV80iVK5ZnI6lG3CaZYMTP9jEJprs\n"
        "kJCsC79jE5mjUzBRMB0GA1UdDgQWBBRw1XaMp+rxEoEXGyhKxriDIzMmZTAfBgNV\n"
        "HSMEGDAWgBRw1XaMp+rxEoEXGyhKxriDIzMmZTAPBgNVHRMBAf8EBTADAQH/MAoG\n"
        "CCqGSM49BAMEA0cAMEQCIEKq2+2N2tgzmMW3Kpi28mBMMotP/izXWldmspe9D+bT\n"
        "AiBN5kFRBUjxmm6FT+j1lkz/IB4M0C0AgZbKMSMveFgNkg==\n"
        "-----END CERTIFICATE-----\n"        ,
        "SHA-512",
        "984345b32255f32c612590ca7e0c38ce07382eeaa409a9653645f072ff87604b9c7798927e7561db787e097cffb8b48d9b9d772ab8bd8a7b22c9dc70204e8784",
        "9a047d87e40bceecb9b6a6c43b9d8343" },
    { "pss384",
        "-----BEGIN CERTIFICATE-----\n"
        "MIICYDCCAZWgAwIBAgIUKpu+Nd6jv9LfIriC1qbfTF8YVYYwQQYJKoZIhvcNAQEK\n"
        "MDSgDzANBglghkgBZQMEAgIFAKEcMBoGCSqGSIb3DQEBCDANBglghkgBZQMEAgIF\n"
        "AKIDAgEgMA4xDDAKBgNVBAMMA3BzczAeFw0yNjExMjcxMzUyMzZaFw0zNjExMjQx\n"
        "MzUyMzZaMA4xDDAKBgNVBAMMA3BzczCBnzANBgkqhkiG9w0BAQEFAAOBjQAwgYkC\n"
        "gYEAuQM//nohuIBD3wbLW/HTUUynulQp1qhaMQHQ3JHojZ1uQ5PfN53VDyCnqvZw\n"
        "ocdNz0ywxzzMPStmKA3GWlJPA2yld80+0LjuaDibt8RJWq7ZxgutG9QrRQI0lfwS\n"
        "BrgT9bg62huZX+OBuluNjNZE9gcBdj+aYpyHlzQ765G84hECAwEAAaNTMFEwHQYD\n"
        "VR0OBBYEFFG6leR9FQzxS1dFgXg99tpo6FDXMB8GA1UdIwQYMBaAFFG6leR9FQzx\n"
        "S1dFgXg99tpo6FDXMA8GA1UdEwEB/wQFMAMBAf8wQQYJKoZIhvcNAQEKMDSgDzAN\n"
        "BglghkgBZQMEAgIFAKEcMBoGCSqGSIb3DQEBCDANBglghkgBZQMEAgIFAKIDAgEg\n"
        "A4GBAK7ektl32NcznFC9e4M0unaqioRZefN8yu+WCs8VWQp2+k/RWPBvf96O3qKs\n"
        "TCrKha0ETx3xLWjNF3ssTISPN2C70T2ldXM7hKKdY9ercQ6fsieqSvuQPqgisnOk\n"
        "4oeM/yEDVMqBIKRCKwj52BBVdeK5yC8nBmtN0BNakbq5tkw3\n"
        "-----END CERTIFICATE-----\n"        ,
        "SHA-384",
        "5adfe384c09c8341179ce32481f892f43599106869c3e1d1caa37746de535f59a7167ea1fdd93ffaabf5635f6335e570",
        "f44605b7faa2f101abaf2e12f0c8f320" },
    { "ed25519",
        "-----BEGIN CERTIFICATE-----\n"
        "MIIBLjCB4aADAgECAhQncxAYTH0+uCtKbsNwiLZRFOBW0jAFBgMrZXAwDTELMAkG\n"
        "A1UEAwwCZWQwHhcNMjYxMTI3MTM1MjM2WhcNMzYxMTI0MTM1MjM2WjANMQswCQYD\n"
        "VQQDDAJlZDAqMAUGAytlcAMhAF4d0ytHn9z9/PvJcKoOc3b42/UHp46JrJT0jtBn\n"
        "l7oUo1MwUTAdBgNVHQ4EFgQUWNdZ1MfuUlI4aoWzVS8u1x7SFwYwHwYDVR0jBBgw\n"
        "FoAUWNdZ1MfuUlI4aoWzVS8u1x7SFwYwDwYDVR0TAQH/BAUwAwEB/zAFBgMrZXAD\n"
        "QQBeRHFzqL/BHBi3pxCDljX23NfGYndmKEsKxR51C6YA/WQqZ0bBV27u9uy4FKfa\n"
        "i+Ki1tC3XIU884fQsfWCjTcG\n"
        "-----END CERTIFICATE-----\n"        ,
        "SHA-256",
        "1169f3a5c7121d6b35c51c562e8e84089f0eaea57c4f46ee8c77844fa30b6d38",
        "abb0903c99ce82526e2f2f29f37a4f4b" },
};

#endif
