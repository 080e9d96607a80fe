/*
 * replay_state.c - the shmcb replay cache's state file (replay_state.h).
 */
#include "replay_state.h"

#include <string.h>

static unsigned char *put64(unsigned char *b, int64_t v)
{
    uint64_t u = (uint64_t)v;
    int i;

    for (i = 7; i >= 0; i--, u >>= 8)
        b[i] = (unsigned char)(u & 0xff);
    return b + 8;
}

static int64_t get64(const unsigned char *b)
{
    uint64_t u = 0;
    int i;

    for (i = 0; i < 8; i++)
        u = (u << 8) | b[i];
    return (int64_t)u;
}

size_t neg_replay_state_encode(const neg_replay_state *st, unsigned char *buf,
                               size_t len)
{
    size_t need;
    unsigned char *b = buf;

    if (st->count > NEG_REPLAY_STATE_MAX_KEYS)
        return 0;
    need = NEG_REPLAY_STATE_HEAD + (size_t)st->count * 32;
    if (len < need)
        return 0;
    memcpy(b, NEG_REPLAY_STATE_MAGIC, 8);
    b += 8;
    *b++ = (unsigned char)st->state;
    b = put64(b, st->started);
    b = put64(b, st->saved_at);
    b = put64(b, st->longest);
    b = put64(b, st->remembers_from);
    memcpy(b, st->secret, 32);
    b += 32;
    b[0] = (unsigned char)(st->count >> 24);
    b[1] = (unsigned char)(st->count >> 16);
    b[2] = (unsigned char)(st->count >> 8);
    b[3] = (unsigned char)st->count;
    b += 4;
    if (st->count > 0)
        memcpy(b, st->keys, (size_t)st->count * 32);
    return need;
}

const char *neg_replay_state_decode(const unsigned char *buf, size_t len,
                                    neg_replay_state *st)
{
    const unsigned char *b = buf;
    uint32_t count;

    memset(st, 0, sizeof(*st));
    if (len < NEG_REPLAY_STATE_HEAD)
        return "it is shorter than its header";
    if (memcmp(b, NEG_REPLAY_STATE_MAGIC, 8) != 0)
        return "it is not a state file of this module's (another format or version)";
    b += 8;
    st->state = *b++;
    if (st->state != NEG_REPLAY_STATE_RUNNING && st->state != NEG_REPLAY_STATE_SAVED)
        return "its state is neither running nor saved";
    st->started = get64(b);
    st->saved_at = get64(b + 8);
    st->longest = get64(b + 16);
    st->remembers_from = get64(b + 24);
    b += 32;
    if (st->started < 0 || st->saved_at < 0 || st->longest < 0 || st->remembers_from < 0)
        return "it holds a negative time";
    memcpy(st->secret, b, 32);
    b += 32;
    count = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16)
            | ((uint32_t)b[2] << 8) | (uint32_t)b[3];
    b += 4;
    if (count > NEG_REPLAY_STATE_MAX_KEYS)
        return "it counts more keys than a cache can hold";
    if (len - NEG_REPLAY_STATE_HEAD != (size_t)count * 32)
        return "its length is not that of the keys it counts (cut short?)";
    st->count = count;
    st->keys = count > 0 ? b : NULL;
    return NULL;
}
