/*
 * directives.h - mod_auth_negotiate's configuration: what httpd's module
 * structure names (the per-directory structure's maker and merger, the
 * directives), see directives.c.
 */
#ifndef NEG_DIRECTIVES_H
#define NEG_DIRECTIVES_H

#include "httpd.h"
#include "http_config.h"

void *neg_create_dir_conf(apr_pool_t *p, char *dir);
void *neg_merge_dir_conf(apr_pool_t *p, void *base_v, void *add_v);
extern const command_rec neg_cmds[];

#endif
