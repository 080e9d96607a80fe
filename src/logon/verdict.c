/*
 * verdict.c - building a logon step's verdict (see verdict.h).
 */
#include "verdict.h"

#include <string.h>

void neg_verdict_init(neg_verdict *v)
{
    memset(v, 0, sizeof(*v));
    v->outcome = NEG_REFUSE;
}

void neg_verdict_log(neg_verdict *v, neg_log_level level, const char *tag,
                     const char *text)
{
    if (v->n_lines == NEG_VERDICT_MAX_LINES || text == NULL)
        return;
    v->lines[v->n_lines].level = level;
    v->lines[v->n_lines].tag = tag;
    v->lines[v->n_lines].text = text;
    v->n_lines++;
}

void neg_verdict_refuse(neg_verdict *v, const char *tag, const char *text)
{
    v->outcome = NEG_REFUSE;
    v->tag = tag;
    v->id = NULL;
    v->token = NULL;
    v->token_len = 0;
    neg_verdict_log(v, NEG_LOG_ERROR, tag, text);
}

void neg_verdict_reply(neg_verdict *v, neg_scheme scheme,
                       const unsigned char *token, size_t len)
{
    v->scheme = scheme;
    v->token = len ? token : NULL;
    v->token_len = len;
}

void neg_verdict_grant(neg_verdict *v, neg_identity *id)
{
    v->outcome = NEG_GRANT;
    v->tag = NULL;
    v->id = id;
}
