/*
 * session_codec.h - an identity (identity.h) as the text kept in a
 * NegotiateSession session (session.c), and back. Pure: no httpd types.
 *
 * The text is never trusted for its secrecy or integrity here: the session
 * is encrypted and authenticated by mod_session_crypto before it reaches
 * the client. Decoding is still strict (a version, every field, its
 * expiry), so that a session written by another version or by another
 * application is refused, not half read.
 */
#ifndef NEG_SESSION_CODEC_H
#define NEG_SESSION_CODEC_H

#include "apr_pools.h"
#include "apr_tables.h"
#include "apr_time.h"

#include "identity.h"

/* The text for id, valid until expiry; NULL when a field cannot be kept
 * (a newline in a name). The delegated ccache is not kept: delegation
 * belongs to the request that received the credentials. */
const char *neg_session_encode(apr_pool_t *p, const neg_identity *id,
                               apr_time_t expiry);

/* The identity in text, in p. NULL on success, else why it is refused.
 * Refused: another format, a missing or malformed field, an expiry that
 * has passed at now, or that lies more than max_life after now (written
 * under a longer lifetime than the location's). When refused, id->principal
 * is the principal the text names if it could be read (for the log). */
const char *neg_session_decode(apr_pool_t *p, const char *text, apr_time_t now,
                               apr_time_t max_life, neg_identity *id,
                               apr_time_t *expiry);

/* The identity's text sealed: it authenticates itself, whatever carried
 * it, so that only this module, knowing a passphrase of the location, can
 * write one. mod_session may re-encrypt a session that another location
 * decoded as plain text (the client's own) under this location's
 * passphrase; a seal the client cannot make stops that from making a
 * client-written identity this location's. The seal: a last line with
 * the hex HMAC-SHA256 of the text under a key derived from a passphrase. */
#define NEG_SESSION_SEAL_KEY_LEN 32

void neg_session_seal_key(const char *passphrase,
                          unsigned char key[NEG_SESSION_SEAL_KEY_LEN]);
const char *neg_session_seal(apr_pool_t *p, const char *text,
                             const unsigned char key[NEG_SESSION_SEAL_KEY_LEN]);
/* The text of sealed when its seal is right under one of the n keys (a
 * location may list several passphrases: the first seals), else NULL. */
const char *neg_session_unseal(apr_pool_t *p, const char *sealed,
                               const unsigned char (*keys)[NEG_SESSION_SEAL_KEY_LEN],
                               int n);

/* A session's entries (mod_session's table) as one blob of "key\0value\0"
 * pairs, for session_memo.c; NULL when they need more than max bytes. */
char *neg_session_entries_pack(const apr_table_t *entries, apr_size_t max,
                               apr_size_t *len, apr_pool_t *p);

/* Adds the pairs of a blob to the table; 0 (and maybe some pairs added)
 * when the blob is not one that neg_session_entries_pack made. */
int neg_session_entries_unpack(const char *blob, apr_size_t len,
                               apr_table_t *entries);

#endif
