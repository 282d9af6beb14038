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


CONNECT_TIMEOUT = 10     # seconds to reach a Dask scheduler before giving up with a one-line error


class DaskExecutor(Executor):
    """A Dask client's executor that also knows the cluster's size (`threads`, and `_max_workers` as a pool has)."""

    def __init__(self, client) -> None:
        self.client = client
        self._executor = client.get_executor()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=wait)

    @property
    def threads(self) -> int:
        """Total worker threads of the cluster now (0 while no worker has joined)."""
        return sum(self.client.nthreads().values())

    @property
    def _max_workers(self) -> int:
        return max(1, self.threads)


def connect_dask(scheduler: str, timeout: float = CONNECT_TIMEOUT):
    """A dask.distributed Client for `scheduler`; a one-line RuntimeError when Dask is missing or it is unreachable."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise RuntimeError("--scheduler needs Dask: pip install 'nmosim[dask]'") from None
    try:
        return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise RuntimeError(f"--scheduler {scheduler}: could not reach a Dask scheduler at this address within "
                           f"{timeout:g} s ({detail})") from None
    except (ValueError, TypeError) as exc:
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise RuntimeError(f"--scheduler {scheduler}: not a usable scheduler address, expected tcp://host:port "
                           f"({detail})") from None


def _worker_setup() -> None:
    """In each local worker: Ctrl-C is the parent's to handle (it stops the workers), and the worker ends when the
    parent does, even when the parent is killed outright (Linux: the parent-death signal; elsewhere a watch thread)."""
    import os
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0 and os.getppid() == parent:    # 1: PR_SET_PDEATHSIG
            return
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


@contextlib.contextmanager
def open_executor(workers: int = 1, scheduler: str | None = None) -> Iterator[Executor]:
    """An executor for `workers` local processes, or for the Dask scheduler at `scheduler` (tcp://host:port)."""
    if scheduler:
        client = connect_dask(scheduler)
        try:
            yield DaskExecutor(client)
        finally:
            client.close()
    elif workers > 1:
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_setup)
        try:
            yield pool
        except BaseException:               # an error, Ctrl-C or SIGTERM: stop the workers now, not after their tasks
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.terminate()
            raise
        else:
            pool.shutdown(wait=True)
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
