"""Real alert receivers on loopback for the demo: an HTTP webhook endpoint that checks the
HMAC signature, and an SMTP server (aiosmtpd). Nothing here is a mock: Rasid's channels
talk to them over TCP exactly as they would to a production endpoint."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


class WebhookReceiver:
    """Records every POST; ``verified`` counts those whose X-Rasid-Signature matches."""

    def __init__(self, secret: str, host: str = "127.0.0.1") -> None:
        self.secret = secret.encode()
        self.received: list[dict[str, Any]] = []
        self.verified = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                expected = "sha256=" + hmac.new(receiver.secret, body, hashlib.sha256).hexdigest()
                ok = hmac.compare_digest(expected, self.headers.get("X-Rasid-Signature", ""))
                receiver.verified += ok
                receiver.received.append(json.loads(body or b"{}"))
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self._server.server_address[1]}/rasid"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Sink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


class SmtpReceiver:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._sink = _Sink()
        # aiosmtpd probes its own port after starting, so it needs a concrete one.
        with socket.socket() as s:
            s.bind((host, 0))
            self.port = int(s.getsockname()[1])
        self.host = host
        self._controller = Controller(self._sink, hostname=host, port=self.port)
        self._controller.start()

    @property
    def messages(self) -> list[EmailMessage]:
        return self._sink.messages

    def stop(self) -> None:
        self._controller.stop()
