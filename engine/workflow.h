/*
 * workflow.h — loading and validating workflow definitions.
 *
 * A definition is ASL in YAML (or JSON, which is YAML's subset as far as
 * definitions go). The loader turns it into a jansson tree plus a table of
 * source positions keyed by JSON Pointer ("/States/Fetch/Next"), so the
 * validator can name file:line:column for every problem. Only workflow.c
 * includes yaml.h.
 *
 * Limits, enforced by the loader with a named diagnostic rather than by
 * running out of memory: nesting depth (YAML and JSON) WORKFLOW_MAX_DEPTH,
 * document size WORKFLOW_MAX_BYTES, alias expansion (a YAML alias bomb is
 * rejected), invalid UTF-8.
 */
#ifndef YOGI_WORKFLOW_H
#define YOGI_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define WORKFLOW_MAX_DEPTH 64
#define WORKFLOW_MAX_BYTES (4u << 20)

typedef struct workflow_diag {
    int line;       /* 1-based; 0 when unknown */
    int column;     /* 1-based; 0 when unknown */
    char code[48];  /* stable name, e.g. "UnreachableState", "MissingNext" */
    char message[512];
} workflow_diag;

typedef struct workflow_diags {
    workflow_diag *items;
    size_t count;
    size_t capacity;
} workflow_diags;

typedef struct workflow_doc workflow_doc; /* definition + positions */

/* Resource resolution for the validator: returns true when `resource` is
 * served (a known plugin, an alias in the resource map...). NULL accepts
 * every resource. */
typedef bool (*workflow_resource_known_fn)(const char *resource, void *ud);

/* Parse. On failure returns NULL with at least one diagnostic. `name` is
 * used in messages (a file path, or a workflow name for API uploads). */
workflow_doc *workflow_parse(const char *name, const char *text, size_t len, workflow_diags *diags);
workflow_doc *workflow_parse_file(const char *path, workflow_diags *diags);

/* Validate against ASL (JSONPath and JSONata modes, variables) as documented
 * in docs/workflow-language.md.
 * Appends every problem found; returns true when there are none. */
bool workflow_validate(const workflow_doc *doc, workflow_resource_known_fn known, void *ud,
                       workflow_diags *diags);

/* The definition (borrowed; lives as long as doc). */
json_t *workflow_definition(const workflow_doc *doc);

/* Source position of a JSON Pointer, or false when unknown. A node that
 * came from a YAML alias has no position of its own: it reports the
 * position of its nearest ancestor that has one (the alias). */
bool workflow_position(const workflow_doc *doc, const char *pointer, int *line, int *column);

/* Position of the key of the object member named by `pointer` ("Fetch" in
 * "/States/Fetch"), falling back to workflow_position when the pointer
 * names an array element or the root. */
bool workflow_key_position(const workflow_doc *doc, const char *pointer, int *line, int *column);

/* Position of the character `index` (0-based, in characters of the decoded
 * value) of the string at `pointer`, counting escapes and quotes as the
 * source writes them: where a JSONata syntax error inside "{% ... %}" is. */
bool workflow_string_position(const workflow_doc *doc, const char *pointer, size_t index,
                              int *line, int *column);

void workflow_free(workflow_doc *doc);

/* Append a diagnostic (line/column 0 when unknown). After
 * WORKFLOW_MAX_DIAGS the list ends with one "TooManyProblems" entry. */
#define WORKFLOW_MAX_DIAGS 1000
void workflow_diags_add(workflow_diags *diags, int line, int column, const char *code,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "file:line:column: code: message" lines, one per diagnostic. */
void workflow_diags_print(const workflow_diags *diags, const char *name, FILE *out);
void workflow_diags_clear(workflow_diags *diags);

#endif
