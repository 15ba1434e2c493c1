#!/usr/bin/env python3
"""llm_server.py — a stand-in language-model server for the llm plugin's tests.

Speaks both request shapes the plugin uses — Anthropic's Messages API
(POST /v1/messages) and the OpenAI-compatible chat completions API
(POST /v1/chat/completions) — on 127.0.0.1 and a free port. Standard
library only.

Every request is checked as a real provider (and a careful reviewer) would:
the auth headers, the model, temperature 0, the answer schema forced (a
tool call with tool_choice, or response_format json_schema strict), a PNG
page image within the provider's size limit, and the API key nowhere in the
body. A request that fails a check gets HTTP 400 with the reasons in the
provider's error shape, so the plugin reports Llm.Rejected and the test
fails loudly. A wrong key gets 401, as from the real thing.

The answer is chosen by the model name, so each test picks its mode through
the plugin's own configuration (llm.model = test-MODE):

    test-valid         a timetable (--answer FILE, else a built-in one)
    test-wrong-schema  an object that breaks the timetable schema
    test-overlap       a well-formed timetable with overlapping lessons
    test-sloppy        the timetable with "9:00", "10.00" and "monday"
    test-prose         text instead of JSON / no tool call
    test-not-json      a 200 reply whose body is not JSON
    test-cutoff        an answer stopped by the token limit
    test-429           429 with Retry-After: 7
    test-429-short     429 with Retry-After: 1, every time (a workflow test
                       that exhausts its retries quickly)
    test-529           529 overloaded (Anthropic's code)
    test-500           500
    test-stall         reads the request, then says nothing for --stall s
    test-truncated     declares a longer body than it sends, then closes
    test-flaky         429 (Retry-After: 1) on the first request of the
                       run, then as test-valid

Usage: llm_server.py --port-file F [--key K] [--answer FILE] [--log FILE]
                     [--dump FILE] [--lifetime S] [--stall S] [--tls CERT KEY]
The port is written to F once the socket listens. Each request is appended
to --log as one JSON line {"path", "model", "problems": [...], ...}. The
server exits by itself after --lifetime seconds (default 300), so a test
that dies cannot leave it behind.
"""
import argparse
import base64
import json
import os
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_SIDE = {"anthropic": 1568, "openai": 2048}
ENTRY_KEYS = ["day", "start", "end", "subject", "kind", "room", "class", "teacher", "notes"]
USAGE = (1234, 567)  # input, output tokens reported for every answer

DEFAULT_ANSWER = {
    "title": "Class 4B", "teacher": None, "class": "4B", "term": None,
    "entries": [
        {"day": "Monday", "start": "09:00", "end": "10:00", "subject": "Maths"},
        {"day": "Monday", "start": "10:00", "end": "11:00", "subject": "English"},
        {"day": "Tuesday", "start": "09:00", "end": "10:00", "subject": "Science"},
        {"day": "Tuesday", "start": "10:00", "end": "11:00", "subject": "History"},
    ],
}


def as_answer(tt):
    """A timetable (even a truth file) in the answer schema's exact shape."""
    out = {k: tt.get(k) for k in ("title", "teacher", "class", "term")}
    out["entries"] = []
    for e in tt.get("entries", []):
        row = {k: e.get(k) for k in ENTRY_KEYS}
        row["kind"] = row["kind"] or "lesson"
        out["entries"].append(row)
    return out


def png_size(data):
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.seen = {}
        answer = DEFAULT_ANSWER
        if args.answer:
            with open(args.answer) as f:
                answer = json.load(f)
        self.answer = as_answer(answer)

    def count(self, model):
        with self.lock:
            self.seen[model] = self.seen.get(model, 0) + 1
            return self.seen[model]

    def log(self, record):
        if not self.args.log:
            return
        with self.lock, open(self.args.log, "a") as f:
            f.write(json.dumps(record) + "\n")


def check_image(data_b64, provider, problems, record):
    try:
        png = base64.b64decode(data_b64, validate=True)
    except (ValueError, TypeError):
        problems.append("image data is not base64")
        return
    size = png_size(png)
    if not size:
        problems.append("image is not a PNG")
        return
    record["image"] = list(size)
    if max(size) > MAX_SIDE[provider]:
        problems.append("image %dx%d exceeds %d px" % (size[0], size[1], MAX_SIDE[provider]))


def check_schema(schema, problems, strict):
    if not isinstance(schema, dict) or schema.get("type") != "object":
        problems.append("no object schema")
        return
    entries = schema.get("properties", {}).get("entries", {})
    item = entries.get("items", {})
    if not {"day", "start", "end", "subject"} <= set(item.get("properties", {})):
        problems.append("schema lacks the entry properties")
    if strict:  # OpenAI strict mode: all required, nothing additional, nested too
        for obj in (schema, item):
            if obj.get("additionalProperties") is not False:
                problems.append("strict schema without additionalProperties: false")
            if set(obj.get("required", [])) != set(obj.get("properties", {})):
                problems.append("strict schema must require every property")


def check_anthropic(h, req, problems, record):
    if h.headers.get("anthropic-version") != "2023-06-01":
        problems.append("anthropic-version header missing or wrong")
    if h.headers.get("Authorization"):
        problems.append("Authorization header sent to the Messages API")
    if not isinstance(req.get("max_tokens"), int):
        problems.append("max_tokens missing")
    tools = req.get("tools") or [{}]
    if tools[0].get("name") != "submit_timetable":
        problems.append("no submit_timetable tool")
    check_schema(tools[0].get("input_schema"), problems, strict=False)
    if req.get("tool_choice") != {"type": "tool", "name": "submit_timetable"}:
        problems.append("tool_choice does not force submit_timetable")
    msgs = req.get("messages") or [{}]
    parts = msgs[0].get("content") if isinstance(msgs[0].get("content"), list) else []
    images = [p for p in parts if p.get("type") == "image"]
    if not images:
        problems.append("no image block")
    for p in images:
        src = p.get("source", {})
        if src.get("type") != "base64" or src.get("media_type") != "image/png":
            problems.append("image source is not base64 image/png")
        check_image(src.get("data", ""), "anthropic", problems, record)
    if not any(p.get("type") == "text" and p.get("text") for p in parts):
        problems.append("no text block")


def check_openai(h, req, problems, record):
    rf = req.get("response_format") or {}
    js = rf.get("json_schema") or {}
    if rf.get("type") != "json_schema" or js.get("strict") is not True or not js.get("name"):
        problems.append("response_format is not a strict json_schema")
    check_schema(js.get("schema"), problems, strict=True)
    parts = []
    for m in req.get("messages") or []:
        if isinstance(m.get("content"), list):
            parts += m["content"]
    urls = [p.get("image_url", {}).get("url", "") for p in parts if p.get("type") == "image_url"]
    if not urls:
        problems.append("no image_url part")
    for url in urls:
        prefix = "data:image/png;base64,"
        if not url.startswith(prefix):
            problems.append("image is not a data: URL of a PNG")
        else:
            check_image(url[len(prefix):], "openai", problems, record)
    if not any(p.get("type") == "text" and p.get("text") for p in parts):
        problems.append("no text part")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def reply(self, status, obj=None, raw=None, headers=()):
        body = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def error(self, provider, status, kind, message, headers=()):
        if provider == "anthropic":
            obj = {"type": "error", "error": {"type": kind, "message": message}}
        else:
            obj = {"error": {"message": message, "type": kind, "code": status}}
        self.reply(status, obj, headers=headers)

    def do_POST(self):
        st = self.state
        provider = {"/v1/messages": "anthropic", "/v1/chat/completions": "openai"}.get(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if 0 < length < 64 << 20 else b""
        record = {"path": self.path, "provider": provider, "bytes": len(raw)}
        if st.args.dump:
            with open(st.args.dump, "wb") as f:
                f.write(raw)
        if not provider:
            record["problems"] = ["unknown path"]
            st.log(record)
            return self.error("openai", 404, "not_found", "no such endpoint")
        problems = []
        key = st.args.key
        if key:
            got = (self.headers.get("x-api-key") if provider == "anthropic"
                   else (self.headers.get("Authorization") or "").removeprefix("Bearer "))
            if got != key:
                record["problems"] = ["wrong or missing API key"]
                st.log(record)
                return self.error(provider, 401, "authentication_error", "invalid API key")
            if key.encode() in raw:
                problems.append("the API key appears in the request body")
        if "application/json" not in (self.headers.get("Content-Type") or ""):
            problems.append("Content-Type is not application/json")
        try:
            req = json.loads(raw)
        except ValueError:
            req = {}
            problems.append("body is not JSON")
        model = req.get("model") or ""
        record["model"] = model
        if not model.startswith("test-"):
            problems.append("model is not a test-MODE name")
        if req.get("temperature") != 0:
            problems.append("temperature is not 0")
        (check_anthropic if provider == "anthropic" else check_openai)(self, req, problems, record)
        record["problems"] = problems
        st.log(record)
        if problems:
            return self.error(provider, 400, "invalid_request_error",
                              "request check failed: " + "; ".join(problems))
        self.answer(provider, model[len("test-"):])

    def answer(self, provider, mode):
        st = self.state
        if mode == "flaky":
            mode = "429-short" if st.count("flaky") == 1 else "valid"
        if mode in ("429", "429-short"):
            wait = "7" if mode == "429" else "1"
            return self.error(provider, 429, "rate_limit_error", "slow down",
                              headers=[("Retry-After", wait)])
        if mode == "529":
            return self.error(provider, 529, "overloaded_error", "Overloaded")
        if mode == "500":
            return self.error(provider, 500, "api_error", "internal error")
        if mode == "stall":
            time.sleep(st.args.stall)
            self.close_connection = True
            return None
        if mode == "truncated":
            body = json.dumps(self.success(provider, st.answer, "valid")).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 3])
            self.wfile.flush()
            self.close_connection = True
            return None
        if mode == "not-json":
            return self.reply(200, raw=b"<html><body>502 Bad Gateway</body></html>")
        answer = st.answer
        if mode == "wrong-schema":
            answer = {"title": None, "entries": [
                {"day": "Funday", "start": "9am", "end": "10", "subject": ""}]}
        elif mode == "overlap":
            answer = as_answer({"entries": [
                {"day": "Monday", "start": "09:00", "end": "10:30", "subject": "Maths"},
                {"day": "Monday", "start": "10:00", "end": "11:00", "subject": "English"}]})
        elif mode == "sloppy":
            answer = json.loads(json.dumps(st.answer))
            for e in answer["entries"]:
                e["day"] = e["day"].lower()
                if e["start"].startswith("0"):
                    e["start"] = e["start"][1:]
                e["end"] = e["end"].replace(":", ".")
        elif mode not in ("valid", "prose", "cutoff"):
            return self.error(provider, 400, "invalid_request_error", "unknown mode " + mode)
        return self.reply(200, self.success(provider, answer, mode))

    @staticmethod
    def success(provider, answer, mode):
        usage_in, usage_out = USAGE
        if provider == "anthropic":
            content = [{"type": "text", "text": "Here is the timetable."}]
            if mode != "prose":
                content.append({"type": "tool_use", "id": "toolu_test", "name": "submit_timetable",
                                "input": answer})
            return {"id": "msg_test", "type": "message", "role": "assistant", "model": "test",
                    "content": content,
                    "stop_reason": "max_tokens" if mode == "cutoff" else "tool_use",
                    "usage": {"input_tokens": usage_in, "output_tokens": usage_out}}
        text = "Sure! Monday starts with Maths." if mode == "prose" else json.dumps(answer)
        return {"id": "chatcmpl-test", "object": "chat.completion", "model": "test",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": "length" if mode == "cutoff" else "stop"}],
                "usage": {"prompt_tokens": usage_in, "completion_tokens": usage_out,
                          "total_tokens": usage_in + usage_out}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--key", default="")
    ap.add_argument("--answer")
    ap.add_argument("--log")
    ap.add_argument("--dump", help="write each request body here (the last one wins)")
    ap.add_argument("--lifetime", type=float, default=300)
    ap.add_argument("--stall", type=float, default=30)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"),
                    help="serve HTTPS with this certificate (for certificate-check tests)")
    args = ap.parse_args()
    Handler.state = State(args)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    threading.Timer(args.lifetime, server.shutdown).start()
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
