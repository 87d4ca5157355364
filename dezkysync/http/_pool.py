"""Bounded concurrency: run independent calls on a thread pool of a given size."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")


def run_bounded(tasks: Sequence[Callable[[], T]], concurrency: int) -> list[T]:
    """Run ``tasks`` with at most ``concurrency`` at a time; results in task order.

    If any task raises, tasks not yet started are cancelled, the running ones are awaited,
    and the exception of the earliest failed task (in task order) is raised.
    """
    if not tasks:
        return []
    if concurrency <= 1 or len(tasks) == 1:
        return [task() for task in tasks]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(tasks))) as pool:
        futures: list[Future[T]] = [pool.submit(task) for task in tasks]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        if any(f.exception() is not None for f in done if not f.cancelled()):
            for future in futures:
                future.cancel()
            wait(futures)
            for future in futures:
                failure = None if future.cancelled() else future.exception()
                if failure is not None:
                    raise failure
        return [future.result() for future in futures]
