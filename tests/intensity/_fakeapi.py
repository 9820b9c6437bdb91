"""The fake web API on 127.0.0.1 the live-provider tests answer from (served by conftest's fixture)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Route:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    raw: bytes | None = None


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


class FakeAPI:
    """Routes by path: each a Route, or a list of Routes answered in turn (the last repeats)."""

    def __init__(self) -> None:
        self.routes: dict[str, Any] = {}
        self.seen: list[Seen] = []
        self.url = ""

    def route(self, path: str, *answers: Route | Any) -> None:
        self.routes[path] = [a if isinstance(a, Route) else Route(body=a) for a in answers]

    def answer(self, path: str) -> Route:
        answers = self.routes.get(path)
        if answers is None:  # a route ending in "*" answers every path under it
            answers = next((a for p, a in self.routes.items() if p.endswith("*") and path.startswith(p[:-1])), None)
        if not answers:
            return Route(404, {"error": f"no route {path}"})
        return answers.pop(0) if len(answers) > 1 else answers[0]

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]


