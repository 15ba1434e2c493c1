#!/usr/bin/env python3
"""activity_standin.py — a loopback stand-in of the Step Functions Activity
API, for tests of `yogi worker` (tests/integration/worker_protocol.sh).

Checks every request as the real endpoint would read it: POST /, the
Content-Type application/x-amz-json-1.0, an X-Amz-Target of
AWSStepFunctions.<one of the four activity operations>, a JSON object body
with the members that operation requires (activityArn and workerName for
GetActivityTask; taskToken; output as a string of JSON for
SendTaskSuccess; error/cause strings for SendTaskFailure), and the
credentials: "Authorization: Bearer TOKEN" (--token) or a SigV4
Authorization whose credential scope names the service "states" and an
X-Amz-Date (--sigv4 ACCESS_KEY). A request failing a check gets 400 with
AWS's error shape and its reasons, and is logged with "problems".

Behaviour: the first GetActivityTask gets a task (taskToken "tok-1",
input from --input); later polls wait --poll seconds and end empty.
Answers for tok-1 get {}; others TaskDoesNotExist. Every request is
appended as one JSON line to --log: {"target", "headers", "body",
"problems"}. The chosen port is printed on stdout ("port N").
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OPS = {"GetActivityTask", "SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"}
lock = threading.Lock()
state = {"handed": False}


def check(handler, args, body):
    problems = []
    h = handler.headers
    if handler.path != "/":
        problems.append("path is %r, not /" % handler.path)
    if (h.get("Content-Type") or "").split(";")[0].strip() != "application/x-amz-json-1.0":
        problems.append("Content-Type is %r" % h.get("Content-Type"))
    target = h.get("X-Amz-Target") or ""
    op = target[len("AWSStepFunctions."):] if target.startswith("AWSStepFunctions.") else None
    if op not in OPS:
        problems.append("X-Amz-Target is %r" % target)
    auth = h.get("Authorization") or ""
    if args.token and auth != "Bearer " + args.token:
        problems.append("Authorization is not the bearer token")
    if args.sigv4:
        scope = "Credential=%s/" % args.sigv4
        if not auth.startswith("AWS4-HMAC-SHA256 ") or scope not in auth or "/states/aws4_request" not in auth:
            problems.append("Authorization is not SigV4 for states: %r" % auth[:80])
        if "SignedHeaders=" not in auth or "host" not in auth.split("SignedHeaders=")[1].split(",")[0].split(";"):
            problems.append("SigV4 does not sign host")
        if not h.get("X-Amz-Date"):
            problems.append("no X-Amz-Date")
    if not isinstance(body, dict):
        problems.append("body is not a JSON object")
        return op, problems
    if op == "GetActivityTask":
        if not isinstance(body.get("activityArn"), str) or not body["activityArn"]:
            problems.append("no activityArn")
        if not isinstance(body.get("workerName"), str) or not body["workerName"]:
            problems.append("no workerName")
    elif op in OPS:
        if not isinstance(body.get("taskToken"), str):
            problems.append("no taskToken")
    if op == "SendTaskSuccess":
        try:
            json.loads(body.get("output"))
        except Exception:
            problems.append("output is not a string of JSON")
    if op == "SendTaskFailure":
        for k in ("error", "cause"):
            if k in body and not isinstance(body[k], str):
                problems.append("%s is not a string" % k)
    return op, problems


def make_handler(args):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, obj):
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n)
            try:
                body = json.loads(raw)
            except Exception:
                body = None
            op, problems = check(self, args, body)
            with lock, open(args.log, "a") as f:
                f.write(json.dumps({"target": self.headers.get("X-Amz-Target"),
                                    "headers": dict(self.headers), "body": body,
                                    "problems": problems}) + "\n")
            if problems:
                return self.reply(400, {"__type": "com.amazonaws.swf.service.v2.model#ValidationException",
                                        "message": "; ".join(problems)})
            if op == "GetActivityTask":
                with lock:
                    give = not state["handed"]
                    state["handed"] = True
                if give:
                    return self.reply(200, {"taskToken": "tok-1", "input": args.input})
                time.sleep(args.poll)
                return self.reply(200, {})
            if body.get("taskToken") != "tok-1":
                return self.reply(400, {"__type": "com.amazonaws.swf.service.v2.model#TaskDoesNotExist",
                                        "message": "unknown token"})
            return self.reply(200, {})

        def do_GET(self):
            self.reply(404, {"message": "not here"})
    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--log", required=True)
    p.add_argument("--token")
    p.add_argument("--sigv4")
    p.add_argument("--input", default='{"hello": "world"}')
    p.add_argument("--poll", type=float, default=1.0)
    args = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args))
    srv.daemon_threads = True
    print("port %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
