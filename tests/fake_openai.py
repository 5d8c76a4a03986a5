"""A small OpenAI-compatible chat server on loopback, for crash tests and the batch benchmark.

It answers every ``POST /v1/chat/completions`` after a fixed latency with a valid tool call
built from the numbered sentences in the request: one meeting citing sentence [1], and a
money pledge for every sentence that says "<Actor> pledged". Nothing about it is clever;
it stands in for a model's latency, not for its judgement.

It also speaks the Files and Batches endpoints in the shapes the OpenAI API reference gives
(upload, create, retrieve, download): a batch reads "in_progress" the first time it is
retrieved and "completed" after that, with one JSON answer per input line.

    python tests/fake_openai.py --latency 0.2      # prints "port N", serves until killed
"""

from __future__ import annotations

import argparse
import email
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_SENTENCE = re.compile(r"^\[(\d+)\] (.*)$", re.M)
_PLEDGE = re.compile(r"\b([A-Z][a-z]+) pledged\b")


def answer_for(messages: list[dict[str, Any]]) -> dict[str, Any]:
    user = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    sentences = [(int(n), text) for n, text in _SENTENCE.findall(user)]
    events = []
    pledges = []
    if sentences:
        events.append({"ref": "E1", "name": "Meeting", "kind": "meeting", "s": [sentences[0][0]]})
    for n, text in sentences:
        for actor in _PLEDGE.findall(text):
            pledges.append(
                {"actor": actor, "type": "money", "what": "funding", "status": "committed",
                 "event": "E1", "s": [n]}
            )  # fmt: skip
    return {"events": events, "pledges": pledges}


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
        path = self.path.split("?")[0]
        if path.startswith("/v1/batches/"):
            self._send(200, self.server.batch_state(path.rsplit("/", 1)[1]))
        elif path.startswith("/v1/files/") and path.endswith("/content"):
            data = self.server.files[path.split("/")[3]]
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        else:
            self._send(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.startswith("/v1/files"):
            self._send(200, self.server.upload(self.headers["Content-Type"], raw))
            return
        body = json.loads(raw or b"{}")
        if self.path.startswith("/v1/batches"):
            self._send(200, self.server.create_batch(body))
            return
        with self.server.lock:
            self.server.requests += 1
        time.sleep(self.server.latency)
        arguments = json.dumps(answer_for(body.get("messages", [])))
        tool = (body.get("tools") or [{}])[0].get("function", {}).get("name", "DraftExtraction")
        self._send(
            200,
            {
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
            },
        )

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def __init__(self, latency: float, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.latency = latency
        self.requests = 0
        self.lock = threading.Lock()

        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}

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

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per answer")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = FakeServer(args.latency, args.port)
    print(f"port {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
