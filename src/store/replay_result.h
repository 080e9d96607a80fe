/*
 * replay_result.h - what the replay cache says of a key (replay.h), on
 * its own so that the store's clients (remote_conn.h) need not include
 * replay.h, which includes them.
 */
#ifndef NEG_REPLAY_RESULT_H
#define NEG_REPLAY_RESULT_H

typedef enum {
    NEG_REPLAY_FRESH = 0,       /* first time seen: now remembered */
    NEG_REPLAY_SEEN,            /* a replay */
    NEG_REPLAY_ERROR,           /* the cache could not answer */
    NEG_REPLAY_TOO_OLD          /* shmcb: it may have forgotten this one */
} neg_replay_result;

#endif
