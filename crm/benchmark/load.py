"""Paired rounds of concurrent GETs against a running server, and the table of
their ratios.

Each case pairs a route with what it is measured against. Rounds alternate which
of the two goes first, so a machine that slows down or speeds up during the run
weighs on both alike; a case's ratio is the median of its rounds' ratios
(route's requests per second over the reference's)."""

import http.client
import math
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    """One GET: a path and the headers that sign it in (session cookie, credential)."""

    label: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Goal:
    """What a case must reach: the route's rate at least `min_ratio` times the
    reference's (`strictly` when it must be faster), or the route's median latency
    under `max_median_ms`."""

    text: str
    min_ratio: float | None = None
    strictly: bool = False
    max_median_ms: float | None = None


@dataclass(frozen=True)
class Case:
    what: str
    route: Target
    reference: Target
    goal: Goal
    # Clients at once; None means the run's --concurrency. Latency goals use one,
    # as a person typing is one client.
    concurrency: int | None = None
    # The reference must answer with the same JSON, or it measures something else.
    same_json: bool = False


@dataclass
class Round:
    requests: int
    seconds: float
    latencies_ms: list[float]
    failures: int = 0
    first_failure: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Result:
    case: Case
    pairs: list[tuple[Round, Round]]  # (route, reference), one per round

    @property
    def ratios(self) -> list[float]:
        return [
            route.rate / reference.rate if reference.rate else math.nan
            for route, reference in self.pairs
        ]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios) if self.pairs else math.nan

    def rate(self, side: int) -> float:
        return statistics.median(pair[side].rate for pair in self.pairs)

    def median_ms(self, side: int) -> float:
        latencies = [ms for pair in self.pairs for ms in pair[side].latencies_ms]
        return statistics.median(latencies) if latencies else math.nan

    @property
    def failures(self) -> int:
        return sum(route.failures + reference.failures for route, reference in self.pairs)

    @property
    def first_failure(self) -> str:
        rounds = [side for pair in self.pairs for side in pair]
        return next((round_.first_failure for round_ in rounds if round_.first_failure), "")

    @property
    def met(self) -> bool:
        goal = self.case.goal
        if self.failures:
            return False
        if goal.max_median_ms is not None:
            return self.median_ms(0) < goal.max_median_ms
        if goal.strictly:
            return self.ratio > goal.min_ratio
        return self.ratio >= goal.min_ratio


def paired_rounds(
    measure: Callable[[Target], Round], route: Target, reference: Target, rounds: int
) -> list[tuple[Round, Round]]:
    """`rounds` pairs of (route, reference), the reference first in even rounds and
    the route first in odd ones."""
    pairs = []
    for index in range(rounds):
        if index % 2 == 0:
            reference_round = measure(reference)
            route_round = measure(route)
        else:
            route_round = measure(route)
            reference_round = measure(reference)
        pairs.append((route_round, reference_round))
    return pairs


def get(host: str, port: int, target: Target, timeout: float = 60) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", target.path, headers=target.headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def run_round(host: str, port: int, target: Target, *, seconds: float, concurrency: int) -> Round:
    """`concurrency` threads, each on its own kept-alive connection, sending GETs one
    after another for `seconds`. Each finishes the request it has in flight, and the
    round lasts until the last answer, so a round shorter than a request still
    measures one per thread."""
    start = threading.Barrier(concurrency + 1)
    failures = [0] * concurrency
    first_failures = [""] * concurrency
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    finished = [0.0] * concurrency
    deadline = [0.0]

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        start.wait()
        try:
            while True:
                sent = time.perf_counter()
                try:
                    connection.request("GET", target.path, headers=target.headers)
                    response = connection.getresponse()
                    response.read()
                    problem = "" if response.status == 200 else str(response.status)
                except (http.client.HTTPException, OSError) as exc:
                    connection.close()  # the next request opens a new one
                    problem = type(exc).__name__
                finished[index] = time.perf_counter()
                latencies[index].append((finished[index] - sent) * 1000)
                if problem:
                    failures[index] += 1
                    first_failures[index] = first_failures[index] or problem
                if finished[index] >= deadline[0]:
                    return
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(index,)) for index in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return Round(
        requests=sum(len(per_thread) for per_thread in latencies),
        seconds=max(finished) - began,
        latencies_ms=[ms for per_thread in latencies for ms in per_thread],
        failures=sum(failures),
        first_failure=next((status for status in first_failures if status), ""),
    )


def _number(value: float, digits: int = 1) -> str:
    return "–" if math.isnan(value) else f"{value:,.{digits}f}"


def markdown_table(results: list[Result]) -> list[str]:
    lines = [
        "| what | measured against | req/s | against req/s | ratio | rounds' ratios "
        "| median ms | against median ms | goal | met |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for result in results:
        case = result.case
        met = "met" if result.met else "**not met**"
        if result.failures:
            met += f" ({result.failures} failed requests, first {result.first_failure})"
        lines.append(
            f"| {case.what} (`{case.route.path}`) | {case.reference.label} "
            f"(`{case.reference.path}`) | {_number(result.rate(0))} | {_number(result.rate(1))} "
            f"| {_number(result.ratio, 2)}× | {_spread(result)} | {_number(result.median_ms(0))} "
            f"| {_number(result.median_ms(1))} | {case.goal.text} | {met} |"
        )
    return lines


def _spread(result: Result) -> str:
    """The lowest and highest of the rounds' ratios: how far one round strayed from
    another on this machine, so a verdict a few hundredths either side of its goal
    reads as what it is."""
    ratios = [ratio for ratio in result.ratios if not math.isnan(ratio)]
    if not ratios:
        return "–"
    return f"{min(ratios):.2f}–{max(ratios):.2f}"


def still_short(results: list[Result]) -> list[str]:
    return [
        f"* {result.case.what}: {result.case.goal.text}, measured "
        + (
            f"{_number(result.median_ms(0))} ms"
            if result.case.goal.max_median_ms is not None
            else f"{_number(result.ratio, 2)}× (rounds {_spread(result)})"
        )
        + (f", {result.failures} failed requests" if result.failures else "")
        for result in results
        if not result.met
    ]
