"""A small OpenAI-compatible chat server on loopback, for crash tests and the batch benchmark.

It answers every ``POST /v1/chat/completions`` after a fixed latency with a valid tool call
built from the request: a money pledge for every "<Actor> pledged" in the sentence it is
asked about. Nothing about it is clever;
it stands in for a model's latency, not for its judgement.

It also speaks the Files and Batches endpoints in the shapes the OpenAI API reference gives
(upload, create, retrieve, download): a batch reads "in_progress" the first time it is
retrieved and "completed" after that, with one JSON answer per input line.

    python tests/fake_openai.py --latency 0.2      # prints "port N", serves until killed
"""

from __future__ import annotations

import argparse
import asyncio
import email
import json
import re
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_SENTENCE = re.compile(r"^Sentence: (.*)$", re.M)
_PLEDGE = re.compile(r"\b([A-Z][a-z]+) pledged\b")


def answer_for(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """A question about one sentence gets a money pledge for every "<Actor> pledged" in it."""
    user = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    asked = _SENTENCE.search(user)
    pledges = [
        {"actor": actor, "type": "money", "status": "committed"}
        for actor in _PLEDGE.findall(asked.group(1) if asked else "")
    ]
    return {"pledges": pledges}


class FakeAPI:
    """What the server answers, apart from how it is served: ``respond`` gives the delay to
    wait, the status, the content type and the body for one request."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.requests = 0
        self.lock = threading.Lock()
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}

    def respond(
        self, method: str, target: str, content_type: str, raw: bytes
    ) -> tuple[float, int, str, bytes]:
        path = target.split("?")[0]
        if method == "GET" and path.startswith("/v1/batches/"):
            return self._json(self.batch_state(path.rsplit("/", 1)[1]))
        if method == "GET" and path.startswith("/v1/files/") and path.endswith("/content"):
            return 0.0, 200, "application/octet-stream", self.files[path.split("/")[3]]
        if method == "GET":
            return self._json({"object": "list", "data": [{"id": "fake", "object": "model"}]})
        if path.startswith("/v1/files"):
            return self._json(self.upload(content_type, raw))
        body = json.loads(raw or b"{}")
        if path.startswith("/v1/batches"):
            return self._json(self.create_batch(body))
        if path != "/v1/chat/completions":  # as a real server answers a wrong base URL
            error = {"error": {"message": f"no route {path}", "type": "not_found"}}
            return 0.0, 404, "application/json", json.dumps(error).encode()
        with self.lock:
            self.requests += 1
        arguments = json.dumps(answer_for(body.get("messages", [])))
        tool = (body.get("tools") or [{}])[0].get("function", {}).get("name", "DraftExtraction")
        answer = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "call_1",
                                "type": "function",
                                "function": {"name": tool, "arguments": arguments},
                            }
                        ],
                    },
                }
            ],
            "usage": {"prompt_tokens": 500, "completion_tokens": 50, "total_tokens": 550},
        }
        return (self.latency, *self._json(answer)[1:])

    @staticmethod
    def _json(payload: dict[str, Any]) -> tuple[float, int, str, bytes]:
        return 0.0, 200, "application/json", json.dumps(payload).encode()

    def upload(self, content_type: str, raw: bytes) -> dict[str, Any]:
        message = email.message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
        data, purpose, name = b"", "batch", "upload.jsonl"
        for part in message.walk():
            field = part.get_param("name", header="content-disposition")
            if field == "file":
                data = part.get_payload(decode=True) or b""
                name = str(part.get_filename() or name)
            elif field == "purpose":
                purpose = (part.get_payload(decode=True) or b"").decode()
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        return {"id": file_id, "object": "file", "bytes": len(data), "created_at": 1700000000,
                "filename": name, "purpose": purpose, "status": "processed"}  # fmt: skip

    def create_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        batch_id = f"batch_{len(self.batches) + 1}"
        lines = [json.loads(x) for x in self.files[body["input_file_id"]].splitlines() if x]
        out = []
        for line in lines:
            answer = answer_for(line["body"]["messages"])
            out.append({"id": f"req_{line['custom_id']}", "custom_id": line["custom_id"],
                        "response": {"status_code": 200, "request_id": "r", "body": {
                            "id": "chatcmpl-fake", "object": "chat.completion",
                            "created": 1700000000, "model": line["body"]["model"],
                            "choices": [{"index": 0, "finish_reason": "stop", "message": {
                                "role": "assistant", "content": json.dumps(answer)}}],
                            "usage": {"prompt_tokens": 500, "completion_tokens": 50,
                                      "total_tokens": 550}}},
                        "error": None})  # fmt: skip
        output_id = f"file-{len(self.files) + 1}"
        self.files[output_id] = "".join(json.dumps(x) + "\n" for x in out).encode()
        self.batches[batch_id] = {
            "id": batch_id, "object": "batch", "endpoint": body["endpoint"],
            "input_file_id": body["input_file_id"], "completion_window": "24h",
            "created_at": 1700000000, "metadata": body.get("metadata"),
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            "status": "validating", "output_file_id": None, "error_file_id": None,
            "_output": output_id, "_seen": 0,
        }  # fmt: skip
        return self._public(self.batches[batch_id])

    def batch_state(self, batch_id: str) -> dict[str, Any]:
        batch = self.batches[batch_id]
        batch["_seen"] += 1
        if batch["_seen"] == 1:
            batch["status"] = "in_progress"
        else:
            total = batch["request_counts"]["total"]
            batch.update(status="completed", output_file_id=batch["_output"])
            batch["request_counts"] = {"total": total, "completed": total, "failed": 0}
        return self._public(batch)

    @staticmethod
    def _public(batch: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in batch.items() if not k.startswith("_")}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body leave in one segment: without these, keep-alive answers wait ~40 ms
    # for a delayed ACK (Nagle's algorithm), which would be measured as client overhead
    disable_nagle_algorithm = True
    wbufsize = 1 << 16
    server: FakeServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self._answer(b"")

    def do_POST(self) -> None:
        self._answer(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def _answer(self, raw: bytes) -> None:
        api = self.server.api
        delay, status, content_type, data = api.respond(
            self.command, self.path, self.headers.get("Content-Type", ""), raw
        )
        time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeServer(ThreadingHTTPServer):
    """The fake API served by a thread per connection, for use inside a test process."""

    daemon_threads = True
    request_queue_size = 512

    def __init__(self, latency: float, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.api = FakeAPI(latency)

    @property
    def requests(self) -> int:
        return self.api.requests

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


async def _connection(
    api: FakeAPI, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """HTTP/1.1 with keep-alive, as much of it as OpenAI clients use (bodies with a
    Content-Length, no pipelining)."""
    try:
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method, target, _ = head[0].split(" ", 2)
            headers = {}
            for line in head[1:]:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            raw = await reader.readexactly(int(headers.get("content-length", 0)))
            delay, status, content_type, data = api.respond(
                method, target, headers.get("content-type", ""), raw
            )
            if delay:
                await asyncio.sleep(delay)
            writer.write(
                f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(data)}\r\n\r\n".encode()
                + data
            )
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def serve(latency: float, port: int = 0) -> None:
    """The fake API on one event loop: its own cost per answer stays far below a thread
    per connection's, so a benchmark measures its client, not this server."""
    api = FakeAPI(latency)
    server = await asyncio.start_server(
        lambda r, w: _connection(api, r, w), "127.0.0.1", port, backlog=512
    )
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per answer")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.latency, args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
