"""A FAKE OpenAI-compatible chat-completions endpoint (named as such: the only fake allowed).

It plays a hostile or compromised model: the first call asks for the scripted tool calls, the
next one repeats, as its answer, every tool result it was given (what a model leaking data does).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _completion(message: dict[str, Any], finish: str) -> bytes:
    return json.dumps({
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": "fake-llm",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }).encode()


@contextmanager
def fake_llm(tool_calls: list[tuple[str, dict[str, Any]]]) -> Iterator[tuple[str, list[str]]]:
    """Yield the base URL (``http://127.0.0.1:PORT/v1``) of a fake model scripted with ``tool_calls``
    and the list of tool results the model was shown."""
    shown: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            tool_msgs = [m for m in body.get("messages", []) if m.get("role") == "tool"]
            if tool_msgs:
                shown.extend(str(m.get("content")) for m in tool_msgs)
                content = "Resultado: " + " ".join(str(m.get("content")) for m in tool_msgs)
                payload = _completion({"role": "assistant", "content": content}, "stop")
            else:
                calls = [{"id": f"call_{i}", "type": "function",
                          "function": {"name": name, "arguments": json.dumps(args)}}
                         for i, (name, args) in enumerate(tool_calls)]
                payload = _completion({"role": "assistant", "content": None, "tool_calls": calls}, "tool_calls")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", shown
    finally:
        server.shutdown()
        server.server_close()
