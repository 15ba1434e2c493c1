/*
 * errors.c — lookups in the error table (engine/errors.def, errors.h).
 *
 * The table is small (tens of names) and read once per failed request, so a
 * linear scan is enough: no index to keep in step with the list. A listed
 * name wins over a family ("Document.*") that also covers it.
 */
#include "errors.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static const struct {
    const char *name;
    error_kind kind;
} table[] = {
#define YOGI_ERROR(ID, NAME, KIND) {NAME, KIND},
#include "errors.def"
#undef YOGI_ERROR
};

const char *error_name(error_id id)
{
    return (size_t)id < sizeof table / sizeof *table ? table[id].name : NULL;
}

/* "Document.*" covers "Document.TooLarge"; the family needs a member. */
static bool in_family(const char *family, const char *name)
{
    size_t n = strlen(family);
    return n >= 2 && !strcmp(family + n - 2, ".*") && !strncmp(name, family, n - 1) &&
           name[n - 1] != '\0';
}

error_kind error_kind_of(const char *name)
{
    if (!name || !name[0]) return ERROR_INTERNAL;
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (!strcmp(table[i].name, name)) return table[i].kind;
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (in_family(table[i].name, name)) return table[i].kind;
    return ERROR_INTERNAL;
}
