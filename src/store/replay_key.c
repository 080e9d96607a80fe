/*
 * replay_key.c - the secret that keys the replay cache (see replay_key.h).
 */
#include "replay_key.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apr_strings.h"

#define HC_DEPRECATED_CRYPTO
#include <hcrypto/evp.h>
#include <hcrypto/hmac.h>
#include <hcrypto/sha.h>

#include "secret.h"                 /* neg_wipe */

/* Why the opened file at path cannot be a key, or NULL. */
static const char *unfit(apr_pool_t *p, const struct stat *st)
{
    if (!S_ISREG(st->st_mode))
        return "not a regular file";
    if (st->st_mode & (S_IROTH | S_IWOTH | S_IWGRP))
        return apr_psprintf(p, "readable or writable by others (mode %04o): "
                            "make it root's, mode 0600 or 0400",
                            (unsigned)(st->st_mode & 07777));
    if (st->st_size < NEG_REPLAY_KEY_FILE_MIN)
        return apr_psprintf(p, "%ld bytes; a key needs at least %d (make one "
                            "with: head -c 48 /dev/urandom > FILE)",
                            (long)st->st_size, NEG_REPLAY_KEY_FILE_MIN);
    if (st->st_size > NEG_REPLAY_KEY_FILE_MAX)
        return apr_psprintf(p, "%ld bytes: not a key file (at most %d)",
                            (long)st->st_size, NEG_REPLAY_KEY_FILE_MAX);
    return NULL;
}

/* The whole file into buf (its size is known: st_size bytes). */
static const char *read_all(apr_pool_t *p, int fd, unsigned char *buf, size_t want)
{
    size_t have = 0;
    ssize_t n;

    while (have < want) {
        n = read(fd, buf + have, want - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return apr_psprintf(p, "cannot read it (%s)",
                                n < 0 ? strerror(errno) : "it got shorter");
        have += (size_t)n;
    }
    return NULL;
}

const char *neg_replay_key_load(apr_pool_t *p, const char *path,
                                unsigned char secret[NEG_REPLAY_SECRET_LEN])
{
    unsigned char buf[NEG_REPLAY_KEY_FILE_MAX];
    const char *why;
    struct stat st;
    SHA256_CTX sha;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd < 0)
        return apr_psprintf(p, "cannot read it (%s)", strerror(errno));
    if (fstat(fd, &st) != 0)
        why = apr_psprintf(p, "cannot read it (%s)", strerror(errno));
    else if ((why = unfit(p, &st)) == NULL
             && (why = read_all(p, fd, buf, (size_t)st.st_size)) == NULL) {
        SHA256_Init(&sha);
        SHA256_Update(&sha, buf, (size_t)st.st_size);
        SHA256_Final(secret, &sha);
        neg_wipe(&sha, sizeof(sha));
    }
    neg_wipe(buf, sizeof(buf));
    close(fd);
    return why;
}

void neg_replay_key_mac(const unsigned char secret[NEG_REPLAY_SECRET_LEN],
                        const unsigned char *in, size_t len, unsigned char out[32])
{
    HMAC_CTX ctx;
    unsigned int n = 32;

    HMAC_CTX_init(&ctx);
    HMAC_Init_ex(&ctx, secret, NEG_REPLAY_SECRET_LEN, EVP_sha256(), NULL);
    HMAC_Update(&ctx, in, len);
    HMAC_Final(&ctx, out, &n);
    HMAC_CTX_cleanup(&ctx);
}
