"""A fault-injecting HTTP proxy for recording fault cassettes against a real model server.

    python tests/fault_proxy.py --upstream http://127.0.0.1:8000 --port 8765

Requests to ``/<scenario>/v1/...`` go to ``<upstream>/v1/...``. The first request of each
scenario is answered with its fault, later ones are forwarded untouched:

* ``rate-limit``: 429 with ``Retry-After: 1``;
* ``server-error``: 500;
* ``invalid-json``: the real answer with its tool-call arguments cut in half;
* ``validation``: the real answer with every pledge status replaced by "promised".

It runs as its own process so that the recorder in the test process sees only the client's
side of each exchange, as a user's client would.
"""

from __future__ import annotations

import argparse
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SCENARIOS = ("rate-limit", "server-error", "invalid-json", "validation")


def _corrupt(body: bytes, scenario: str) -> bytes:
    data: Any = json.loads(body)
    call = data["choices"][0]["message"]["tool_calls"][0]["function"]
    if scenario == "invalid-json":
        call["arguments"] = call["arguments"][: len(call["arguments"]) // 2]
    else:
        args = json.loads(call["arguments"])
        for pledge in args.get("pledges", []):
            pledge["status"] = "promised"
        call["arguments"] = json.dumps(args)
    return json.dumps(data).encode()


def make_handler(upstream: str) -> type[BaseHTTPRequestHandler]:
    seen: dict[str, int] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _forward(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
            req = urllib.request.Request(upstream + path, data=body, method=method)
            req.add_header("content-type", "application/json")
            with urllib.request.urlopen(req, timeout=600) as resp:
                return resp.status, resp.read()

        def _handle(self, method: str) -> None:
            _, scenario, rest = self.path.split("/", 2)
            body = self.rfile.read(int(self.headers.get("content-length") or 0)) or None
            with lock:
                n = seen[scenario] = seen.get(scenario, 0) + 1
            first = n == 1 and method == "POST"
            if first and scenario == "rate-limit":
                err = {"error": {"message": "rate limited", "type": "rate_limit"}}
                return self._send(429, json.dumps(err).encode(), {"retry-after": "1"})
            if first and scenario == "server-error":
                err = {"error": {"message": "upstream overloaded", "type": "server_error"}}
                return self._send(500, json.dumps(err).encode())
            status, answer = self._forward(method, "/" + rest, body)
            if first and scenario in ("invalid-json", "validation"):
                answer = _corrupt(answer, scenario)
            self._send(status, answer)

        def do_POST(self) -> None:
            self._handle("POST")

        def do_GET(self) -> None:
            self._handle("GET")

    return Handler


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.upstream.rstrip("/")))
    server.serve_forever()


if __name__ == "__main__":
    main()
