/*
 * cmd_export.c — `yogi export aws WORKFLOW`: the workflow as AWS Step
 * Functions runs it, with its plugins served by `yogi worker` as
 * activities.
 *
 *   yogi export aws WORKFLOW.yaml [--name NAME] [--out DIR]
 *                   [--map RESOURCE=ARN]... [--resources FILE]
 *
 * Writes DIR/NAME.asl.json, the definition with every "plugin:NAME" (and
 * "activity:NAME") Resource replaced by a substitution "${ActivityName}",
 * and DIR/NAME.template.json, a CloudFormation template declaring one
 * AWS::StepFunctions::Activity per plugin, the state machine (its
 * DefinitionSubstitutions give each activity's ARN, so the definition is
 * parameterised, not tied to an account or region) and its IAM role. It
 * prints the `yogi worker` command that serves the activities.
 *
 * Refused, with the reason and the state, rather than exported wrong:
 *   - a plugin that needs the Yogi engine itself (its yogi_host.call
 *     operations: save, review, llm), and every .waitForTaskToken plugin
 *     (on AWS a callback needs a service integration): give --map
 *     RESOURCE=ARN (an AWS Lambda function, an SQS .waitForTaskToken
 *     integration, ...) for each;
 *   - a Resource that is neither a plugin, an activity nor an AWS ARN.
 * ARNs already written for AWS pass through unchanged. A --resources map
 * (as `yogi serve --resources`) is applied first.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "activities.h"
#include "commands.h"
#include "workflow.h"

#define MAX_MAPS 32

/* Plugins that call into the engine (yogi_host.call): nothing on AWS answers. */
static const char *const ENGINE_BOUND[] = {"save", "review", "llm", "testkit"};

typedef struct export_ctx {
    const char *maps[MAX_MAPS][2];  /* RESOURCE → ARN from --map */
    int n_maps;
    json_t *resource_map;           /* --resources, or NULL */
    json_t *activities;             /* substitution key → activity name */
    json_t *lambdas;                /* ARNs of mapped Lambda functions (for the role) */
    int refused;
} export_ctx;

static const char *mapped(export_ctx *x, const char *resource)
{
    for (int i = 0; i < x->n_maps; i++)
        if (!strcmp(x->maps[i][0], resource)) return x->maps[i][1];
    return NULL;
}

/* "ocr" → "ActivityOcr", "pdf_text-2" → "ActivityPdfText2": alphanumeric,
 * as CloudFormation logical ids and substitution keys must be. */
static void activity_key(const char *name, char *key, size_t len)
{
    size_t n = (size_t)snprintf(key, len, "Activity");
    bool upper = true;
    for (const char *p = name; *p && n + 1 < len; p++) {
        if (*p == '-' || *p == '_') {
            upper = true;
            continue;
        }
        key[n++] = upper && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        upper = false;
    }
    key[n] = '\0';
}

static bool engine_bound(const char *plugin)
{
    for (size_t i = 0; i < sizeof ENGINE_BOUND / sizeof ENGINE_BOUND[0]; i++)
        if (!strcmp(plugin, ENGINE_BOUND[i])) return true;
    return false;
}

static void refuse(export_ctx *x, const char *state, const char *resource, const char *why)
{
    fprintf(stderr, "yogi export: state '%s': %s has no AWS equivalent: %s\n", state, resource, why);
    x->refused++;
}

/* A mapped Lambda function the role may invoke, listed once however many
 * states call it. */
static void add_lambda(export_ctx *x, const char *arn)
{
    size_t i;
    json_t *v;
    json_array_foreach(x->lambdas, i, v)
        if (!strcmp(json_string_value(v), arn)) return;
    json_array_append_new(x->lambdas, json_string(arn));
}

/* The Resource to write for AWS, or NULL (refused). */
static json_t *aws_resource(export_ctx *x, const char *state, const char *resource)
{
    const char *to = mapped(x, resource);
    if (to) {
        if (!strncmp(to, "arn:aws:lambda:", 15)) add_lambda(x, to);
        return json_string(to);
    }
    json_t *alias = x->resource_map ? json_object_get(x->resource_map, resource) : NULL;
    if (json_is_string(alias)) resource = json_string_value(alias);
    else if (json_is_string(json_object_get(alias, "plugin"))) {
        static char buf[128];
        snprintf(buf, sizeof buf, "plugin:%s", json_string_value(json_object_get(alias, "plugin")));
        resource = buf;
    }
    char name[ACTIVITY_NAME_MAX], key[128], sub[160];
    size_t n = strlen(resource);
    bool callback = n > 17 && !strcmp(resource + n - 17, ".waitForTaskToken");
    if (!strncmp(resource, "plugin:", 7) && callback) {
        refuse(x, state, resource, "a callback task on AWS is a service integration that passes "
               "the token on (e.g. arn:aws:states:::sqs:sendMessage.waitForTaskToken); give "
               "--map RESOURCE=ARN");
        return NULL;
    }
    if (!strncmp(resource, "plugin:", 7)) {
        snprintf(name, sizeof name, "%.80s", resource + 7);
        if (engine_bound(name)) {
            refuse(x, state, resource, "this plugin needs the Yogi engine (its host operations); "
                   "give --map RESOURCE=ARN for an AWS service that does the work");
            return NULL;
        }
        if (!activity_name_valid(name)) {
            refuse(x, state, resource, "not a valid plugin name");
            return NULL;
        }
    } else if (!strncmp(resource, "activity:", 9)) {
        if (!activity_name_from(resource, name)) {
            refuse(x, state, resource, "not a valid activity name");
            return NULL;
        }
    } else if (!strncmp(resource, "arn:aws:", 8) || !strncmp(resource, "arn:aws-", 8)) {
        return json_string(resource); /* already AWS */
    } else {
        refuse(x, state, resource, "neither a plugin, an activity nor an AWS ARN");
        return NULL;
    }
    activity_key(name, key, sizeof key);
    json_object_set_new(x->activities, key, json_string(name));
    snprintf(sub, sizeof sub, "${%s}", key);
    return json_string(sub);
}

/* Every Task of a States object, and of the machines nested in it. */
static void export_states(export_ctx *x, json_t *states)
{
    const char *name;
    json_t *st;
    json_object_foreach(states, name, st) {
        const char *type = json_string_value(json_object_get(st, "Type"));
        if (type && !strcmp(type, "Task")) {
            const char *r = json_string_value(json_object_get(st, "Resource"));
            json_t *to = r ? aws_resource(x, name, r) : NULL;
            if (to) json_object_set_new(st, "Resource", to);
        }
        size_t i;
        json_t *b;
        json_array_foreach(json_object_get(st, "Branches"), i, b)
            export_states(x, json_object_get(b, "States"));
        json_t *inner = json_object_get(st, "ItemProcessor");
        if (!inner) inner = json_object_get(st, "Iterator");
        if (inner) export_states(x, json_object_get(inner, "States"));
    }
}

/* ---- the CloudFormation template ---------------------------------------------------- */

static json_t *role_resource(export_ctx *x)
{
    json_t *role = json_pack(
        "{s:s, s:{s:{s:s, s:[{s:s, s:{s:s}, s:s}]}}}", "Type", "AWS::IAM::Role", "Properties",
        "AssumeRolePolicyDocument", "Version", "2012-10-17", "Statement", "Effect", "Allow",
        "Principal", "Service", "states.amazonaws.com", "Action", "sts:AssumeRole");
    if (json_array_size(x->lambdas) > 0) {
        json_t *policy = json_pack(
            "{s:s, s:{s:s, s:[{s:s, s:s, s:O}]}}", "PolicyName", "invoke-mapped-functions",
            "PolicyDocument", "Version", "2012-10-17", "Statement", "Effect", "Allow", "Action",
            "lambda:InvokeFunction", "Resource", x->lambdas);
        json_object_set_new(json_object_get(role, "Properties"), "Policies",
                            json_pack("[o]", policy));
    }
    return role;
}

static json_t *template_for(export_ctx *x, const char *name, json_t *definition)
{
    json_t *resources = json_object(), *subs = json_object(), *outputs = json_object();
    const char *key;
    json_t *activity;
    json_object_foreach(x->activities, key, activity) {
        char sub[200];
        snprintf(sub, sizeof sub, "${NamePrefix}%s", json_string_value(activity));
        json_object_set_new(resources, key,
                            json_pack("{s:s, s:{s:{s:s}}}", "Type", "AWS::StepFunctions::Activity",
                                      "Properties", "Name", "Fn::Sub", sub));
        json_object_set_new(subs, key, json_pack("{s:s}", "Ref", key));
        json_object_set_new(outputs, key, json_pack("{s:s, s:{s:s}}", "Description",
                                                     json_string_value(activity), "Value", "Ref",
                                                     key));
    }
    json_object_set_new(resources, "StateMachineRole", role_resource(x));
    json_t *props = json_pack("{s:{s:o}, s:O, s:{s:[s,s]}}", "StateMachineName", "Fn::Sub",
                              json_sprintf("${NamePrefix}%s", name), "Definition", definition,
                              "RoleArn", "Fn::GetAtt", "StateMachineRole", "Arn");
    if (json_object_size(subs) > 0) json_object_set(props, "DefinitionSubstitutions", subs);
    json_object_set_new(resources, "StateMachine",
                        json_pack("{s:s, s:o}", "Type", "AWS::StepFunctions::StateMachine",
                                  "Properties", props));
    json_object_set_new(outputs, "StateMachineArn",
                        json_pack("{s:{s:s}}", "Value", "Ref", "StateMachine"));
    json_decref(subs);
    return json_pack("{s:s, s:s, s:{s:{s:s, s:s, s:s}}, s:o, s:o}", "AWSTemplateFormatVersion",
                     "2010-09-09", "Description", "Exported by yogi export aws: the workflow "
                     "and the activities its plugins serve as (run `yogi worker` for them)",
                     "Parameters", "NamePrefix", "Type", "String", "Default", "yogi-",
                     "Description", "Prefix of the state machine's and activities' names",
                     "Resources", resources, "Outputs", outputs);
}

/* ---- command line --------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out, "usage: yogi export aws WORKFLOW.yaml [--name NAME] [--out DIR]\n"
                 "                       [--map RESOURCE=ARN]... [--resources FILE]\n\n"
                 "Writes DIR/NAME.asl.json (Step Functions definition, plugins as activities)\n"
                 "and DIR/NAME.template.json (CloudFormation: activities, state machine, role).\n");
}

static int write_json(const char *dir, const char *name, const char *suffix, json_t *v)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, suffix);
    if (json_dump_file(v, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
        fprintf(stderr, "yogi export: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    printf("wrote %s\n", path);
    return 0;
}

static void print_worker_hint(export_ctx *x, const char *name)
{
    const char *key;
    json_t *a;
    printf("serve its activities (after deploying %s.template.json) with:\n"
           "  yogi worker --endpoint https://states.REGION.amazonaws.com", name);
    json_object_foreach(x->activities, key, a)
        printf(" \\\n      --activity arn:aws:states:REGION:ACCOUNT:activity:yogi-%s=%s",
               json_string_value(a), json_string_value(a));
    printf("\n");
}

static int parse(int argc, char **argv, export_ctx *x, const char **name, const char **out,
                 const char **resources)
{
    static const struct option opts[] = {
        {"name", required_argument, 0, 'n'}, {"out", required_argument, 0, 'o'},
        {"map", required_argument, 0, 'm'},  {"resources", required_argument, 0, 'r'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0},
    };
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *eq = c == 'm' ? strchr(optarg, '=') : NULL;
        if (c == 'n') *name = optarg;
        else if (c == 'o') *out = optarg;
        else if (c == 'r') *resources = optarg;
        else if (c == 'm' && eq && x->n_maps < MAX_MAPS && !strncmp(eq + 1, "arn:", 4)) {
            *eq = '\0';
            x->maps[x->n_maps][0] = optarg;
            x->maps[x->n_maps++][1] = eq + 1;
        } else if (c == 'h') {
            usage(stdout);
            exit(YOGI_EXIT_OK);
        } else {
            if (c == 'm') fprintf(stderr, "yogi export: --map wants RESOURCE=arn:...\n");
            return -1;
        }
    }
    return optind == argc - 1 ? 0 : -1;
}

/* "dir/document_processing.yaml" → "document_processing" */
static void base_name(const char *path, char *out, size_t len)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strcspn(b, ".");
    snprintf(out, len, "%.*s", (int)n, b);
}

int cmd_export(int argc, char **argv)
{
    export_ctx x = {.activities = json_object(), .lambdas = json_array()};
    const char *name = NULL, *out = ".", *resources = NULL;
    int rc = YOGI_EXIT_USAGE;
    workflow_doc *doc = NULL;
    workflow_diags diags = {0};
    if (argc < 2 || strcmp(argv[1], "aws") != 0 || parse(argc, argv, &x, &name, &out, &resources)) {
        if (argc >= 2 && strcmp(argv[1], "aws") != 0 && strcmp(argv[1], "--help") != 0)
            fprintf(stderr, "yogi export: the one target is 'aws', not '%s'\n", argv[1]);
        usage(argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
        rc = argc >= 2 && !strcmp(argv[1], "--help") ? YOGI_EXIT_OK : YOGI_EXIT_USAGE;
        goto out;
    }
    const char *path = argv[optind];
    char derived[128];
    base_name(path, derived, sizeof derived);
    if (!name) name = derived;
    if (resources && !(x.resource_map = json_load_file(resources, 0, NULL))) {
        fprintf(stderr, "yogi export: cannot read the resource map %s\n", resources);
        goto out;
    }
    doc = workflow_parse_file(path, &diags);
    if (!doc || !workflow_validate(doc, NULL, NULL, &diags)) {
        workflow_diags_print(&diags, path, stderr);
        goto out;
    }
    json_t *definition = json_deep_copy(workflow_definition(doc));
    export_states(&x, json_object_get(definition, "States"));
    if (x.refused) {
        fprintf(stderr, "yogi export: %d state(s) refused; nothing written\n", x.refused);
        json_decref(definition);
        rc = YOGI_EXIT_FAILED;
        goto out;
    }
    json_t *tmpl = template_for(&x, name, definition);
    mkdir(out, 0755);
    rc = write_json(out, name, ".asl.json", definition) == 0 &&
                 write_json(out, name, ".template.json", tmpl) == 0
             ? YOGI_EXIT_OK
             : YOGI_EXIT_FAILED;
    if (rc == YOGI_EXIT_OK) print_worker_hint(&x, name);
    json_decref(tmpl);
    json_decref(definition);
out:
    workflow_free(doc);
    workflow_diags_clear(&diags);
    json_decref(x.resource_map);
    json_decref(x.activities);
    json_decref(x.lambdas);
    return rc;
}
