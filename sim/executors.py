"""Where tasks run: inline (one worker), a local process pool, or a Dask cluster, behind concurrent.futures."""
from __future__ import annotations

import contextlib
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Callable, Iterable, Iterator


class InlineExecutor(Executor):
    """Runs each task at submission, in this process (one worker; no pickling)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:     # noqa: BLE001 - handed to the caller through the future
            fut.set_exception(exc)
        return fut


@contextlib.contextmanager
def open_executor(workers: int = 1, scheduler: str | None = None) -> Iterator[Executor]:
    """An executor for `workers` local processes, or for the Dask scheduler at `scheduler` (tcp://host:port)."""
    if scheduler:
        try:
            from dask.distributed import Client
        except ImportError:
            raise RuntimeError("--scheduler needs Dask: pip install 'nmosim[dask]'") from None
        client = Client(scheduler)
        try:
            yield client.get_executor()
        finally:
            client.close()
    elif workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield pool
    else:
        yield InlineExecutor()


def ordered_map(executor: Executor, fn: Callable, tasks: Iterable, window: int = 4) -> Iterator:
    """fn(task) for each task, results in task order, with at most `window` tasks submitted and not yet consumed."""
    pending: deque[Future] = deque()
    for task in tasks:
        pending.append(executor.submit(fn, task))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
