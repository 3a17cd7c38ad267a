"""Waiting on the event loop for what happens outside it: a pipe's data, a slot shared with other threads.

Both wait without a thread: :func:`readable` with a reader on the loop and a timer, :class:`Slots`
with one future per waiter, settled from whichever thread (and loop) frees a slot.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque


async def readable(fd: int, timeout_s: float) -> bool:
    """Whether ``fd`` has data (or its end) within ``timeout_s``."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[bool] = loop.create_future()
    loop.add_reader(fd, _settle, ready, True)
    timer = loop.call_later(timeout_s, _settle, ready, False)
    try:
        return await ready
    finally:
        loop.remove_reader(fd)
        timer.cancel()


def _settle(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)


class Slots:
    """At most ``size`` holders at once, across threads and their event loops; waiters are served first come, first served.

    Args:
        size: How many may hold a slot at the same time.

    """

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._free = size
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def acquire(self, deadline: float) -> None:
        """Take a slot (give it back with :meth:`release`), waiting until ``deadline`` (``time.monotonic()``) at most.

        Raises:
            TimeoutError: ``deadline`` passed before a slot was free.

        """
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
        try:
            await asyncio.wait_for(turn, max(0.0, deadline - time.monotonic()))
        except BaseException:
            with self._lock:
                queued = turn in self._waiting
                if queued:
                    self._waiting.remove(turn)
            if not queued and not turn.cancelled():  # the slot was handed over just as we gave up: pass it on
                self.release()
            raise  # a turn cancelled while being handed over is passed on by _hand_over

    def release(self) -> None:
        """Give a slot back: to the longest waiter, if any."""
        with self._lock:
            if not self._waiting:
                self._free += 1
                return
            turn = self._waiting.popleft()
        turn.get_loop().call_soon_threadsafe(self._hand_over, turn)

    def _hand_over(self, turn: asyncio.Future[None]) -> None:
        if turn.done():  # its waiter gave up meanwhile
            self.release()
        else:
            turn.set_result(None)
