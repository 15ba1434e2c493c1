#!/usr/bin/python3
"""openapi_check.py — responses recorded by an API suite, against docs/openapi.yaml.

    openapi_check.py docs/openapi.yaml DIR

DIR/index has one line per response, "METHOD PATH STATUS N", and DIR/N its
body. Each response must be documented: its path matches a path template,
its method an operation, its status a response (or "default"); a JSON body
is validated against that response's application/json schema (types,
required members, enums, nullable, items, additionalProperties when given;
$ref followed). Prints one line per problem and "checked N responses";
exit status 1 when there is a problem. Needs PyYAML (Debian python3-yaml).
"""
import json
import re
import sys

import yaml


def resolve(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = doc
        for part in ref[2:].split("/"):
            node = node[part]
    return node


TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def check(doc, schema, value, where, problems):
    schema = resolve(doc, schema)
    if not isinstance(schema, dict) or not schema:
        return
    if value is None:
        if schema.get("nullable") or schema.get("type") in (None, "null"):
            return
        problems.append("%s: null where %s is documented" % (where, schema.get("type")))
        return
    for key in ("oneOf", "anyOf"):
        if key in schema:
            if not any(not check_quiet(doc, s, value, where) for s in schema[key]):
                problems.append("%s: matches none of %s" % (where, key))
            return
    for sub in schema.get("allOf", []):
        check(doc, sub, value, where, problems)
    t = schema.get("type")
    if t == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif t == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif t in TYPES:
        ok = isinstance(value, TYPES[t])
    else:
        ok = True
    if not ok:
        problems.append("%s: %s where %s is documented" % (where, type(value).__name__, t))
        return
    if "enum" in schema and value not in schema["enum"]:
        problems.append("%s: %r is not one of %s" % (where, value, schema["enum"]))
    if t == "string" and schema.get("format") == "date-time" and not re.match(
            r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", value):
        problems.append("%s: %r is not an ISO 8601 date-time" % (where, value))
    if isinstance(value, dict):
        for req in schema.get("required", []):
            if req not in value:
                problems.append("%s: required member %r is missing" % (where, req))
        props = schema.get("properties", {})
        for k, v in value.items():
            if k in props:
                check(doc, props[k], v, "%s.%s" % (where, k), problems)
            elif isinstance(schema.get("additionalProperties"), dict):
                check(doc, schema["additionalProperties"], v, "%s.%s" % (where, k), problems)
            elif schema.get("additionalProperties") is False:
                problems.append("%s: undocumented member %r" % (where, k))
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value[:50]):
            check(doc, schema["items"], v, "%s[%d]" % (where, i), problems)


def check_quiet(doc, schema, value, where):
    p = []
    check(doc, schema, value, where, p)
    return p


def operation(doc, method, path):
    for template, ops in doc["paths"].items():
        rx = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(rx, path):
            return template, ops.get(method.lower())
    return None, None


def main():
    doc = yaml.safe_load(open(sys.argv[1]))
    index = sys.argv[2] + "/index"
    problems, n = [], 0
    for line in open(index):
        method, path, status, num = line.split()
        if status == "000":
            continue  # no answer (a closed connection): nothing to validate
        n += 1
        template, op = operation(doc, method, path)
        if template and not op and status == "405":
            continue  # a method the path does not have: refused, as documented by absence
        if not op:
            if path.startswith("/v1/") or path in ("/healthz", "/readyz", "/metrics"):
                problems.append("%s %s: not documented" % (method, path))
            continue  # the web app's files
        responses = op.get("responses", {})
        resp = resolve(doc, responses.get(status) or responses.get("default"))
        if resp is None:
            problems.append("%s %s: status %s is not documented" % (method, template, status))
            continue
        content = resp.get("content") or {}
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            continue
        try:
            body = json.load(open("%s/%s" % (sys.argv[2], num)))
        except ValueError:
            if len(content) == 1:  # JSON is the only documented kind
                problems.append("%s %s %s: the body is not JSON" % (method, template, status))
            continue
        p = []
        check(doc, schema, body, "%s %s %s" % (method, template, status), p)
        problems.extend(p)
    for p in sorted(set(problems)):
        print(p)
    print("checked %d responses" % n)
    return 1 if problems else 0


sys.exit(main())
