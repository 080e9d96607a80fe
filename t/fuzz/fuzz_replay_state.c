/*
 * fuzz_replay_state.c - the replay cache's state file (replay_state.h):
 * whatever the bytes, decode reads only them, and what it accepts encodes
 * back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replay_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    neg_replay_state st;
    unsigned char *copy = malloc(size ? size : 1), *again;

    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    if (neg_replay_state_decode(copy, size, &st) == NULL) {
        again = malloc(size);
        if (again == NULL || neg_replay_state_encode(&st, again, size) != size
            || memcmp(again, copy, size) != 0)
            abort();
        free(again);
    }
    free(copy);
    return 0;
}
