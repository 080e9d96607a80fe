/*
 * test_replay_state.c - the replay cache's state file (replay_state.h):
 * what is written reads back, and a file cut short, padded, of another
 * format or counting more keys than it holds is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "replay_state.h"

static neg_replay_state sample(unsigned char *keys, uint32_t count)
{
    neg_replay_state st;
    uint32_t i;

    memset(&st, 0, sizeof(st));
    st.state = NEG_REPLAY_STATE_SAVED;
    st.started = 1796700000000000LL;
    st.saved_at = 1796700600000000LL;
    st.longest = 600000000LL;
    st.remembers_from = 1796700300000000LL;
    memset(st.secret, 0xA5, sizeof(st.secret));
    for (i = 0; i < 32 * count; i++)
        keys[i] = (unsigned char)(i * 7 + 1);
    st.count = count;
    st.keys = keys;
    return st;
}

int main(void)
{
    unsigned char keys[32 * 3], buf[NEG_REPLAY_STATE_HEAD + 32 * 3 + 8];
    neg_replay_state st = sample(keys, 3), back;
    size_t len = neg_replay_state_encode(&st, buf, sizeof(buf));

    CHECK(len == NEG_REPLAY_STATE_HEAD + 96, "three keys: the header and 96 bytes");
    CHECK(neg_replay_state_decode(buf, len, &back) == NULL
          && back.state == NEG_REPLAY_STATE_SAVED && back.started == st.started
          && back.saved_at == st.saved_at && back.longest == st.longest
          && back.remembers_from == st.remembers_from
          && memcmp(back.secret, st.secret, 32) == 0 && back.count == 3
          && memcmp(back.keys, keys, 96) == 0, "what is written reads back");
    CHECK(neg_replay_state_encode(&st, buf, len - 1) == 0,
          "a buffer one byte short: nothing written");
    CHECK(neg_replay_state_decode(buf, len - 1, &back) != NULL,
          "a file cut short by a byte: refused");
    CHECK(neg_replay_state_decode(buf, len - 32, &back) != NULL,
          "a file cut short by a key: refused");
    buf[len] = 0;
    CHECK(neg_replay_state_decode(buf, len + 1, &back) != NULL,
          "a byte after the keys: refused");
    CHECK(neg_replay_state_decode(buf, 10, &back) != NULL, "a header cut short: refused");
    buf[NEG_REPLAY_STATE_HEAD - 4] = 0xff;
    CHECK(neg_replay_state_decode(buf, len, &back) != NULL,
          "a count of more keys than a cache can hold: refused");
    buf[NEG_REPLAY_STATE_HEAD - 4] = 0;
    buf[7] = '2';
    CHECK(neg_replay_state_decode(buf, len, &back) != NULL, "another version: refused");
    buf[7] = '1';
    buf[8] = 3;
    CHECK(neg_replay_state_decode(buf, len, &back) != NULL, "an unknown state: refused");
    buf[8] = NEG_REPLAY_STATE_SAVED;
    buf[9] = 0x80;
    CHECK(neg_replay_state_decode(buf, len, &back) != NULL, "a negative time: refused");
    buf[9] = 0;
    CHECK(neg_replay_state_decode(buf, len, &back) == NULL, "mended: read again");

    st = sample(keys, 0);
    st.state = NEG_REPLAY_STATE_RUNNING;
    len = neg_replay_state_encode(&st, buf, sizeof(buf));
    CHECK(len == NEG_REPLAY_STATE_HEAD && neg_replay_state_decode(buf, len, &back) == NULL
          && back.state == NEG_REPLAY_STATE_RUNNING && back.count == 0 && back.keys == NULL,
          "a running mark: no keys");
    return check_summary();
}
