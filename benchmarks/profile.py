"""Profile callbacks in-process with pyinstrument (`pip install pyinstrument`).

    NPNRU_DB=... NPNRU_OPERATIONS_DB=... python -m benchmarks.profile --page /suivi [--scenario load] [--reps 10]

The pages and request bodies are discovered exactly as in the benchmark (`dash_payloads`), but
through Flask's test client. Dash may run a callback in another thread than the request's (its
async dispatch), so the profiler is started inside the callback itself: the profile covers the
callback's Python and SQL time and Dash's wrapper around it (serialising the answer), not HTTP.
One profile per callback request, printed as text.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from . import dash_payloads as dp


class FlaskTransport:
    """`dash_payloads.Transport` through Flask's test client."""

    def __init__(self, client: object):
        self.client = client

    def get_json(self, path: str) -> object:
        return self.client.get(path).get_json()  # type: ignore[attr-defined]

    def post_json(self, path: str, payload: object) -> tuple[int, object]:
        response = self.client.post(path, json=payload)  # type: ignore[attr-defined]
        return response.status_code, (response.get_json() if response.data else None)


def _profiled(function: Callable[..., object], profiler: object) -> Callable[..., object]:
    """The callback with the profiler running while it runs (in whatever thread Dash calls it)."""

    def wrapper(*args: object, **kwargs: object) -> object:
        profiler.start()  # type: ignore[attr-defined]
        try:
            return function(*args, **kwargs)
        finally:
            profiler.stop()  # type: ignore[attr-defined]

    return wrapper


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("--page", action="append", required=True, help="page path (repeatable)")
    parser.add_argument("--scenario", help="only this scenario (load, change:<control>)")
    parser.add_argument("--callback", help="only callbacks whose outputs contain this text")
    parser.add_argument("--reps", type=int, default=10, help="calls per profile")
    args = parser.parse_args(argv)
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument is not installed: pip install pyinstrument", file=sys.stderr)
        return 2
    import dash

    from dashboard.app import server

    transport = FlaskTransport(server.test_client())
    deps = dp.dependencies(transport)
    steps: list[dp.Step] = []
    for page in args.page:
        state, loaded = dp.open_page(transport, page, deps)
        steps += loaded
        for control in dp.controls(state, deps):
            steps += dp.real_change(transport, state, control, deps)[1]
    for step in steps:
        if args.scenario and step.scenario != args.scenario:
            continue
        if args.callback and args.callback not in step.output:
            continue
        transport.post_json(dp.UPDATE_PATH, step.body)  # warm-up
        entry = dash.get_app().callback_map.get(step.output, {})
        original = entry.get("callback")
        profiler = Profiler(interval=0.0005, async_mode="disabled")
        if original is not None:
            entry["callback"] = _profiled(original, profiler)
        start = time.perf_counter()
        for _ in range(args.reps):
            transport.post_json(dp.UPDATE_PATH, step.body)
        elapsed = (time.perf_counter() - start) * 1000 / args.reps
        if original is not None:
            entry["callback"] = original
        print(f"\n===== {step.page} {step.scenario} {step.label}: {elapsed:.1f} ms per request ({args.reps} calls)")
        if profiler.last_session is not None:
            print(profiler.output_text(unicode=True, color=False, time="seconds"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
