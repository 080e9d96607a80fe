/*
 * session_memo.h - a per-process memo of mod_session's decoding of
 * encrypted session cookies, for NegotiateSession locations.
 *
 * mod_session_crypto derives its AES key from the passphrase with PBKDF2
 * (4096 iterations, salted per cookie) for every request that carries a
 * session: about 2.5 ms of CPU, 0.08 of static requests. Decoding is a pure
 * function of the cookie's text, the location's passphrases and cipher; the
 * memo keeps its result (the session's entries and expiry) under a SHA-256
 * of all of those, so a cookie already decoded by mod_session_crypto in
 * this process is decoded again without it. A cookie that mod_session_crypto
 * refused (altered, foreign, another passphrase) is never memoised, and
 * what the memo gives back is checked exactly as a fresh decoding would be
 * (session.c: lifetime, the location's policy).
 */
#ifndef NEG_SESSION_MEMO_H
#define NEG_SESSION_MEMO_H

#include "httpd.h"
#include "mod_session.h"

/* mod_session_crypto's per-directory configuration as httpd 2.4 lays it
 * out (modules/session/mod_session_crypto.c keeps it private). */
typedef struct {
    apr_array_header_t *passphrases;
    int passphrases_set;
    const char *cipher;
    int cipher_set;
} neg_crypto_conf_view;

/* This location's mod_session configuration; NULL without mod_session. */
const session_dir_conf *neg_session_conf(request_rec *r);

/* This location's mod_session_crypto configuration where a passphrase
 * applies here; NULL where none does (or the layout is not this one). */
const neg_crypto_conf_view *neg_session_crypto_conf(request_rec *r);

/* The digest of this location's passphrases and cipher (what mod_session_crypto
 * decrypts with); 0 where no passphrase applies here. */
int neg_session_crypto_digest(request_rec *r, unsigned char out[32]);

/* The digest of the passphrases and cipher under which mod_session_crypto
 * decrypted this session (the session_rec mod_session_cookie shares
 * across a request's internal redirects and subrequests); 0 when it was
 * not decrypted by mod_session_crypto (no cookie, or parsed where no
 * passphrase applied: its entries are then whatever the client sent). */
int neg_session_decrypted_under(const session_rec *z, unsigned char out[32]);

/* In pre_config: find mod_session and mod_session_crypto, and hook the
 * memo into mod_session's decoding, when
 * mod_session is loaded (its hooks are looked up, not linked: this module
 * loads without it). */
void neg_session_memo_pre_config(void);

#endif
