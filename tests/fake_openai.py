"""A small OpenAI-compatible chat server on loopback, for crash tests and the batch benchmark.

It answers every ``POST /v1/chat/completions`` after a fixed latency with a valid tool call
built from the numbered sentences in the request: one meeting citing sentence [1], and a
money pledge for every sentence that says "<Actor> pledged". Nothing about it is clever;
it stands in for a model's latency, not for its judgement.

    python tests/fake_openai.py --latency 0.2      # prints "port N", serves until killed
"""

from __future__ import annotations

import argparse
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
    server: FakeServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self._send(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
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
