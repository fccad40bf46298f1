"""Timing shared by the in-process benchmarks: repeated calls, and a line of median and p95
beside the /healthz baseline measured in the same run."""

import statistics
import time


def timed(fn, rounds: int) -> list[float]:
    fn()  # warm caches and templates
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def line(label: str, times: list[float], base: float, width: int = 28) -> str:
    median = statistics.median(times)
    p95 = sorted(times)[min(len(times) - 1, int(0.95 * len(times)))]
    return (
        f"  {label:<{width}}median {1000 * median:7.1f} ms   p95 {1000 * p95:7.1f} ms"
        f"   ×{median / base:6.1f} of /healthz"
    )
