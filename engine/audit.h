/*
 * audit.h — who did what to which record, without the record's content
 * (module "audit" in engine/store_users.c). An erased document leaves a
 * line naming its id, the actor and the time; never its file name or its
 * timetable.
 */
#ifndef YOGI_AUDIT_H
#define YOGI_AUDIT_H

#include <jansson.h>

#include "store.h"

/* The table is created by users_init(). The action it records has already
 * committed, so a line that cannot be written is logged on stderr (name and
 * cause) rather than failing the action: -1 then, for callers that care. */
int audit_record(store *s, const char *actor, const char *action, const char *subject);
/* Newest first: [{"id","at","actor","action","subject"}...]. */
json_t *audit_list(store *s, int limit);

#endif
