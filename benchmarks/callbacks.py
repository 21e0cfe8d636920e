"""Callbacks end to end: each request body the browser sends, POSTed over loopback HTTP to gunicorn."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.ids import ERROR_ALERT

from . import dash_payloads as dp
from .httpclient import Client
from .stats import summary

#: A failed callback is answered 200 with a side update opening this alert (the app's global
#: `on_error`, dashboard/security.py): counted as an error like an HTTP error.
ERROR_MARK = f'"{ERROR_ALERT}"'.encode()


def failed(status: int, body: bytes) -> bool:
    """Whether a callback request failed: an HTTP error, or the app's error alert in the answer."""
    return status not in (200, 204) or ERROR_MARK in body


class HttpTransport:
    """`dash_payloads.Transport` over a keep-alive loopback connection."""

    def __init__(self, client: Client):
        self.client = client

    def get_json(self, path: str) -> object:
        response = self.client.get(path)
        if response.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status}")
        return response.json()

    def post_json(self, path: str, payload: object) -> tuple[int, object]:
        """The status (500 when the app answered with its error alert) and the JSON answer."""
        response = self.client.post_json(path, payload)
        status = 500 if response.status == 200 and failed(response.status, response.body) else response.status
        return status, (response.json() if response.status == 200 else None)


@dataclass
class Discovery:
    """The app's callbacks, pages, the loaded state and controls of each page, and every step."""

    dependencies: list[dp.Dependency]
    pages: list[str]
    states: dict[str, dp.PageState]
    controls: dict[str, list[dp.Control]]
    steps: list[dp.Step]


def discover(
    url: str, pages: list[str] | None = None, per_template: int = 2, max_controls: int | None = None
) -> Discovery:
    """Open every page as the browser does, then change each of its controls (or the first `max_controls`) once."""
    client = Client(url)
    transport = HttpTransport(client)
    deps = dp.dependencies(transport)
    pages = pages or dp.discover_pages(transport, deps, per_template)
    states, controls, steps = {}, {}, []
    for page in pages:
        state, loaded = dp.open_page(transport, page, deps)
        states[page] = state
        steps += loaded
        controls[page] = []
        for control in dp.controls(state, deps)[:max_controls]:
            chosen, changed = dp.real_change(transport, state, control, deps)
            controls[page].append(chosen)
            steps += changed
    client.close()
    failed = [s for s in steps if s.status not in (200, 204)]
    if failed:
        details = "; ".join(f"{s.page} {s.scenario} {s.label}: HTTP {s.status}" for s in failed[:5])
        raise RuntimeError(f"{len(failed)} callback requests failed: {details}")
    return Discovery(deps, pages, states, controls, steps)


def step_records(steps: list[dp.Step]) -> list[dict]:
    """The steps as JSON-ready records (for the floor subprocess)."""
    return [{"page": s.page, "scenario": s.scenario, "output": s.output, "body": s.body} for s in steps]


def time_steps(url: str, steps: list[dp.Step], reps: int, warmup: int = 2) -> list[dict]:
    """POST every step `reps` times, in rounds (every step once per round), over one keep-alive connection."""
    client = Client(url)
    samples: list[list[float]] = [[] for _ in steps]
    sizes: list[list[int]] = [[] for _ in steps]
    errors = [0] * len(steps)
    for round_index in range(warmup + reps):
        for i, step in enumerate(steps):
            try:
                response = client.post_json(dp.UPDATE_PATH, step.body)
            except OSError:
                errors[i] += 1
                client.close()
                continue
            if round_index < warmup:
                continue
            if failed(response.status, response.body):
                errors[i] += 1
            samples[i].append(response.ms)
            sizes[i].append(len(response.body))
    client.close()
    records = []
    for i, step in enumerate(steps):
        ordered = sorted(sizes[i])
        records.append(
            {
                "page": step.page,
                "scenario": step.scenario,
                "callback": step.label,
                "output": step.output,
                "status": step.status,
                "router": step.output.startswith(".." + dp.ROUTER_OUTPUT) or step.output.startswith(dp.ROUTER_OUTPUT),
                **summary(samples[i], prefix="callback_"),
                "response_bytes": ordered[len(ordered) // 2] if ordered else None,
                "errors": errors[i],
            }
        )
    return records
