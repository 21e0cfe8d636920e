"""A minimal keep-alive HTTP client for loopback measurements (http.client, no dependency)."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Response:
    """One answered request: status, body and the wall time from sending to the last byte read."""

    status: int
    body: bytes
    ms: float

    def json(self) -> object:
        return json.loads(self.body) if self.body else None


class Client:
    """One persistent connection to a loopback server; reconnects once if the server closed it."""

    def __init__(self, base_url: str, timeout: float = 60.0):
        parts = urlsplit(base_url)
        if parts.hostname not in LOOPBACK:
            raise ValueError(f"benchmarks only talk to loopback servers, not {parts.hostname!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        """Send a request and read the whole answer; the time covers sending, waiting and reading."""
        all_headers = {"Accept-Encoding": "identity", **(headers or {})}
        for attempt in (0, 1):
            connection = self._connect()
            start = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=all_headers)
                answer = connection.getresponse()
                data = answer.read()
            except (ConnectionError, http.client.RemoteDisconnected, http.client.CannotSendRequest, BrokenPipeError):
                # gunicorn closes idle keep-alive connections (and recycles workers): retry once afresh.
                self.close()
                if attempt:
                    raise
                continue
            elapsed = (time.perf_counter() - start) * 1000
            if answer.getheader("Connection", "").lower() == "close":
                self.close()
            return Response(answer.status, data, elapsed)
        raise AssertionError("unreachable")

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_json(self, path: str, payload: object) -> Response:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return self.request("POST", path, body, {"Content-Type": "application/json"})
