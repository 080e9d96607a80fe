/*
 * wb_names.h - the caches of names behind neg_wb_sid_to_name and
 * neg_wb_group_sids (winbind.h), private to src/domain.
 */
#ifndef NEG_WB_NAMES_H
#define NEG_WB_NAMES_H

#include "wb_job.h"

/* A lookup whose caller gave up still answers the next requests: the pool
 * hands its result here when it comes (SID -> name, group -> SIDs; other
 * jobs are ignored). */
void neg_wb_keep_late_answer(const wb_job *job);

#endif
