"""Concurrent simulated users on loopback: a bounded asyncio load generator (no dependency).

Each user walks through the pages: opening a page (GET the page, `/_dash-layout`,
`/_dash-dependencies`, then the router and initial callbacks), then each of its control changes.
Within an interaction, the requests of one wave (callbacks fired together by the renderer) are
sent concurrently, on up to 6 keep-alive connections per user, like a browser. Between two
interactions a user thinks for `think` seconds (uniform ±50 %). Static assets are not requested
(a returning browser has them cached).

The run is bounded: it stops at `duration` seconds or `max_requests` requests, whichever comes
first, and every request has a timeout. Only loopback addresses are accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from . import dash_payloads as dp
from .httpclient import LOOPBACK
from .stats import summary

MAX_CONNECTIONS_PER_USER = 6
REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class Request:
    kind: str  # "page", "layout", "dependencies", "callback"
    method: str
    path: str
    body: bytes | None = None


@dataclass(frozen=True)
class Interaction:
    """A page opening or a control change: waves of requests sent together."""

    name: str
    waves: tuple[tuple[Request, ...], ...]


def interactions(steps: list[dp.Step]) -> list[Interaction]:
    """The interactions of the discovered steps, in page order: open the page, then change each control."""
    grouped: dict[tuple[str, str], list[dp.Step]] = defaultdict(list)
    for step in steps:
        grouped[(step.page, step.scenario)].append(step)
    result = []
    for (page, scenario), group in grouped.items():
        waves: dict[int, list[Request]] = defaultdict(list)
        for step in group:
            body = json.dumps(step.body, separators=(",", ":")).encode()
            waves[step.wave + (1 if scenario == "load" else 0)].append(
                Request("callback", "POST", dp.UPDATE_PATH, body)
            )
        if scenario == "load":
            waves[0] = [
                Request("page", "GET", page),
                Request("layout", "GET", "/_dash-layout"),
                Request("dependencies", "GET", "/_dash-dependencies"),
            ]
        result.append(Interaction(f"{page} {scenario}", tuple(tuple(waves[k]) for k in sorted(waves))))
    return result


class _Connection:
    """One HTTP/1.1 keep-alive connection (Content-Length or chunked bodies)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, request: Request) -> tuple[int, int]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{request.method} {request.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        head += "Accept-Encoding: identity\r\n"
        if request.body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(request.body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + (request.body or b""))
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed by the server")
        status = int(status_line.split()[1])
        headers = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            key, _, value = line.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        size = 0
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                chunk = int((await self.reader.readline()).split(b";")[0], 16)
                await self.reader.readexactly(chunk + 2)
                size += chunk
                if chunk == 0:
                    break
        elif "content-length" in headers:
            size = int(headers["content-length"])
            await self.reader.readexactly(size)
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, size

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


@dataclass
class _Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    interactions: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    requests: int = 0


async def _send(pool: list[_Connection], free: asyncio.Queue, request: Request, tally: _Tally) -> None:
    connection: _Connection = await free.get()
    tally.requests += 1
    start = time.perf_counter()
    try:
        for attempt in (0, 1):
            try:
                status, _ = await asyncio.wait_for(connection.request(request), REQUEST_TIMEOUT)
                break
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                await connection.close()  # a keep-alive connection closed by the server: retry once
                if attempt:
                    raise exc
        tally.latencies[request.kind].append((time.perf_counter() - start) * 1000)
        if status not in (200, 204):
            tally.errors += 1
            tally.error_kinds[f"HTTP {status}"] += 1
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        tally.errors += 1
        tally.error_kinds[type(exc).__name__] += 1
        await connection.close()
    finally:
        free.put_nowait(connection)


async def _user(
    index: int,
    plan: list[Interaction],
    host: str,
    port: int,
    deadline: float,
    max_requests: int,
    think: float,
    tally: _Tally,
) -> None:
    rng = random.Random(index)
    pool = [_Connection(host, port) for _ in range(MAX_CONNECTIONS_PER_USER)]
    free: asyncio.Queue = asyncio.Queue()
    for connection in pool:
        free.put_nowait(connection)
    position = (index * 7) % len(plan)
    await asyncio.sleep(rng.uniform(0, min(think, 1.0)))  # users do not all start in the same millisecond
    while time.monotonic() < deadline and tally.requests < max_requests:
        interaction = plan[position % len(plan)]
        position += 1
        start = time.perf_counter()
        for wave in interaction.waves:
            await asyncio.gather(*(_send(pool, free, r, tally) for r in wave))
        tally.interactions.append((time.perf_counter() - start) * 1000)
        if think > 0:
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
    for connection in pool:
        await connection.close()


def run(url: str, plan: list[Interaction], users: int, duration: float, think: float, max_requests: int) -> dict:
    """Run `users` simulated users for at most `duration` s / `max_requests` requests; latency summary."""
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK:
        raise ValueError(f"load is only generated against loopback, not {parts.hostname!r}")
    tally = _Tally()

    async def main() -> float:
        start = time.monotonic()
        deadline = start + duration
        await asyncio.gather(
            *(
                _user(i, plan, parts.hostname, parts.port or 80, deadline, max_requests, think, tally)
                for i in range(users)
            )
        )
        return time.monotonic() - start

    elapsed = asyncio.run(main())
    every = [v for values in tally.latencies.values() for v in values]
    callbacks = tally.latencies.get("callback", [])
    return {
        "users": users,
        "think_s": think,
        "duration_s": round(elapsed, 1),
        "requests": tally.requests,
        "throughput_rps": round(tally.requests / elapsed, 1) if elapsed else None,
        "errors": tally.errors,
        "error_kinds": dict(tally.error_kinds),
        **summary(every, prefix="request_"),
        **summary(callbacks, prefix="callback_"),
        **summary(tally.interactions, prefix="interaction_"),
        "by_kind": {kind: summary(values) for kind, values in tally.latencies.items()},
    }
