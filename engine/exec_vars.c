/*
 * exec_vars.c — workflow variables: Assign and "$name" references.
 *
 * Scopes. The top-level machine is one scope; each Parallel branch and each
 * Map iteration is a scope of its own nested in the scope of the branch that
 * runs the Parallel or Map state. A branch keeps the variables it assigned
 * itself in data.vars; the variables visible to it are its own over those
 * of its ancestors (a branch waits in PH_CHILDREN, its vars unchanged, for as
 * long as its children run, so reading them through the parent is reading
 * them as they were when the children started). Assignments made in a child
 * land in the child's data.vars and die with it: they never reach the
 * parent.
 *
 * Evaluation order. A state evaluates its Assign against its own input or
 * result and the variables as they were when it was entered; the new values
 * take effect together when the state is left (move_on in exec.c), so the
 * members of one Assign never see each other's new values, and the state's
 * Output/OutputPath still reads the old ones.
 *
 * Durability. data.vars is part of the branch row: a new value is written
 * in the same transaction as the transition that assigns it, and nothing
 * reads it before that commit has happened (the engine performs effects only
 * after the batch commits). exec.c replaces a branch's data at each
 * transition with vars_fresh_data(), which carries data.vars over.
 *
 * Limits (as AWS documents them): a variable name has at most 80
 * characters; one variable's value at most 256 KiB of JSON, one Assign's
 * values together at most 256 KiB, and the variables visible to a state
 * together at most 10 MiB. Exceeding one fails the state with
 * States.DataLimitExceeded.
 */
#include <string.h>

#include "asl.h"
#include "engine_internal.h"
#include "host_error.h"

static json_t *own_vars(branch *b)
{
    return json_object_get(b->data, "vars");
}

json_t *vars_visible(branch *b)
{
    /* Ancestors first, so that a nearer scope's value of a name wins. */
    branch *chain[64];
    size_t n = 0;
    for (branch *p = b; p && n < sizeof chain / sizeof chain[0];
         p = p->parent ? branch_get(p->ex, p->parent) : NULL)
        chain[n++] = p;
    json_t *all = json_object();
    while (all && n > 0) {
        json_t *vars = own_vars(chain[--n]);
        if (vars) json_object_update(all, vars);
    }
    return all;
}

json_t *vars_fresh_data(branch *b)
{
    json_t *data = json_object(), *vars = own_vars(b);
    if (data && vars) json_object_set(data, "vars", vars);
    return data;
}

static int count_bytes(const char *buffer, size_t size, void *data)
{
    (void)buffer;
    *(size_t *)data += size;
    return 0;
}

size_t vars_json_size(const json_t *v)
{
    size_t total = 0;
    json_dump_callback(v, count_bytes, &total, JSON_COMPACT | JSON_ENCODE_ANY);
    return total;
}

int vars_check_assigned(branch *b, json_t *assigned, yogi_error *err)
{
    const char *name;
    json_t *value;
    size_t total = 0;
    json_object_foreach (assigned, name, value) {
        if (strlen(name) > VARS_MAX_NAME)
            return host_fail(err, "States.Runtime", "The variable name '%.80s...' is longer "
                             "than %d characters", name, VARS_MAX_NAME);
        size_t size = vars_json_size(value);
        if (size > VARS_MAX_VALUE)
            return host_fail(err, "States.DataLimitExceeded", "The value assigned to the "
                             "variable '%s' exceeds the maximum size of %d bytes", name,
                             VARS_MAX_VALUE);
        total += size;
    }
    if (total > VARS_MAX_ASSIGN)
        return host_fail(err, "States.DataLimitExceeded", "The values of the Assign field "
                         "together exceed the maximum size of %d bytes", VARS_MAX_ASSIGN);
    json_t *all = vars_visible(b);
    json_object_update(all, assigned);
    size_t all_size = vars_json_size(all);
    json_decref(all);
    if (all_size > VARS_MAX_TOTAL)
        return host_fail(err, "States.DataLimitExceeded", "The workflow variables together "
                         "would exceed the maximum size of %d bytes", VARS_MAX_TOTAL);
    return 0;
}

void vars_commit(branch *b, json_t *assigned)
{
    if (!assigned || json_object_size(assigned) == 0) return;
    json_t *vars = own_vars(b);
    if (!vars) {
        vars = json_object();
        json_object_set_new(b->data, "vars", vars);
    }
    json_object_update(vars, assigned);
}
