"""A small Python implementation of the prot layer's wait-event contract.

Streams read scripted input on a virtual clock. Everything is synchronous:
a read that has to wait asks the clock to *sleep*, and while it sleeps the
clock runs its timers (the scripted arrivals and the end of the input) in
time order until the stream is woken or the sleep is over. Since only one
party can be waiting at a time in a conformance case, that is all the event
loop this needs.

The rules are those of spec/ (WE-* IDs in the comments):

* a pass runs, in list order, the events that were on the list and due
  (now >= mark) when it began and are still on it and still due when it
  reaches them; events added during a pass wait for the next one;
* a callback returns its event (kept) or None (removed); a callback that
  raises fails the stream with "wait event callback failed: <message>";
* a read callback runs once, before the first pass of the next wait; None
  takes it away; one that raises fails the stream with "read callback
  failed: <message>" and no pass runs (WE-RCB-1..3);
* a wait begins with a pass, sleeps until input, the end of the input, the
  read timeout or the earliest mark (at least one tick), and passes again;
* the read timeout ("idle for too long") is checked after each pass;
* a non-blocking read runs one pass and then would block;
* select never runs callbacks; a stream is ready when it has something to
  say or one of its deadlines has come;
* a change while a read sleeps that moves the earliest mark, or gives the
  event holding it a mark, counts at once: the read decides its sleep again,
  at least one tick from then; other changes leave its sleep alone
  (WE-API-3, WE-API-8);
* a line cut off by a failure of the input is no line (WE-ERR-3).
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

IDLE = "idle for too long"
CLOSED = "stream closed"
CALLBACK_FAILED = "wait event callback failed: "
READ_CALLBACK_FAILED = "read callback failed: "

#: Virtual time a case may not pass: a case that needs more is broken.
HORIZON = 1_000_000


class Blocked(Exception):
    """A sleep that nothing can ever end: no timer left and no deadline."""


class ProtError(Exception):
    """A read failed; the message is one of the texts of spec/07-errors.md."""


# --------------------------------------------------------------------------
# The virtual clock


@dataclass(order=True)
class Timer:
    at: int
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    """Integer ticks that move only when someone sleeps or advances them."""

    def __init__(self, start: int = 0) -> None:
        self._now = start
        self._timers: list[Timer] = []
        self._seq = itertools.count()

    def now(self) -> int:
        return self._now

    def schedule(self, at: int, callback: Callable[[], None]) -> Timer:
        """Runs `callback` once the clock reaches `at` (same time: in order)."""
        timer = Timer(at, next(self._seq), callback)
        heapq.heappush(self._timers, timer)
        return timer

    def _next_at(self) -> Optional[int]:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].at if self._timers else None

    def _run_next_instant(self) -> None:
        """Moves to the earliest timer's time and runs every timer due then."""
        at = self._next_at()
        assert at is not None
        if at > HORIZON:
            raise Blocked(f"the case needs virtual time past {HORIZON}")
        self._now = max(self._now, at)
        while (nxt := self._next_at()) is not None and nxt <= self._now:
            heapq.heappop(self._timers).callback()

    def spend(self, ticks: int) -> None:
        """Time passing inside running code (a slow callback): no timer runs now;
        those that came due run at the new time when the clock next moves (WE-FIRE-7)."""
        self._now += ticks

    def advance_to(self, time: int) -> None:
        """Lets time pass to `time`, running the timers on the way."""
        while (nxt := self._next_at()) is not None and nxt <= time:
            self._run_next_instant()
        self._now = max(self._now, time)

    def sleep(self, wake: Callable[[], Optional[int]], woken: Callable[[], bool]) -> None:
        """Sleeps until `wake()` (None: for ever) or until `woken()` holds.

        `wake()` is asked again after each instant, so a timer may move it.
        Timers due at the instant the sleep ends run before it ends, so input
        arriving at the wake instant is there when the sleeper looks (WE-FIRE-6).
        """
        while True:
            until = wake()
            if until is not None:
                until = max(until, self._now)  # passed while callbacks ran (WE-FIRE-7): now
            nxt = self._next_at()
            if nxt is None or (until is not None and nxt > until):
                if until is None:
                    raise Blocked(f"nothing can happen after time {self._now}")
                if until > HORIZON:
                    raise Blocked(f"the case needs virtual time past {HORIZON}")
                self._now = max(self._now, until)
                return
            self._run_next_instant()
            until = wake()
            if woken() or (until is not None and self._now >= until):
                return


# --------------------------------------------------------------------------
# Wait events and streams

#: A callback gets its event and rock and returns the event (keep) or None.
Callback = Callable[["WaitEvent", Any], Optional["WaitEvent"]]


class WaitEvent:
    """An event handle: the application may change `mark` and `rock` at will."""

    def __init__(self, mark: int, callback: Callback, rock: Any = None, stream: Optional["Stream"] = None) -> None:
        self._mark = mark
        self.callback = callback
        self.rock = rock
        self.stream = stream  # None once removed (detached)

    @property
    def mark(self) -> int:
        return self._mark

    @mark.setter
    def mark(self, mark: int) -> None:
        stream = self.stream
        before = stream._earliest() if stream is not None else None
        self._mark = mark
        # WE-API-3 / WE-API-8: also for a read already waiting, when the
        # earliest mark moves or the event holding it is given a mark.
        if stream is not None and (stream._earliest() != before or stream._holder() is self):
            stream._deadline_moved()


class Stream:
    """A buffered reader of scripted input with wait events."""

    def __init__(
        self,
        clock: Clock,
        arrivals: Iterable[tuple[int, bytes]] = (),
        end: Optional[int] = None,
        timeout: int = 0,
        nonblocking: bool = False,
        flush_sink: Optional[Callable[[bytes], None]] = None,
        end_error: Optional[str] = None,
    ) -> None:
        self.clock = clock
        self.nonblocking = nonblocking
        self._buf = bytearray()
        self._ended = False
        self._error: Optional[str] = None
        self._input_error: Optional[str] = None  # the input's failure: its bytes are read first
        self._sleep_until: Optional[int] = None  # while a read sleeps
        self._closed = False
        self._events: list[WaitEvent] = []
        self._timeout = 0
        self._timeout_mark = 0
        self.set_timeout(timeout)
        self._read_callback: Optional[Callable[[], None]] = None
        self._flush_sink = flush_sink
        self._pending_out = bytearray()
        self.arrivals = 0  # how many times input came: a waiter's wake-up signal
        self.pokes = 0  # arrivals and the end: select's wake-up signal
        self._timers = [clock.schedule(at, lambda d=bytes(data): self._arrive(d)) for at, data in arrivals]
        if end is not None:
            self._timers.append(clock.schedule(end, lambda: self._finish(end_error)))

    # -- the input side --------------------------------------------------

    def _arrive(self, data: bytes) -> None:
        if self._error is not None or self._ended:
            return  # input after a failure (WE-ERR-1) or after the end is not delivered
        self._buf += data
        self.arrivals += 1
        self.pokes += 1
        if self._timeout > 0:
            self._timeout_mark = self.clock.now() + self._timeout

    def _finish(self, error: Optional[str] = None) -> None:
        if error is not None and self._error is None and not self._ended:
            self._input_error = error  # WE-ERR-1: never over the stream's own error
        self._ended = True
        self.pokes += 1

    def arrive(self, data: bytes) -> None:
        """Input that comes now, outside the script (a peer echoing a flush)."""
        self._arrive(data)

    def _fail(self, message: str) -> None:
        """The stream fails by its own doing: what is buffered goes with it."""
        self._error = message
        self._buf.clear()

    @property
    def ready(self) -> bool:
        """Whether a read would have something to report without waiting."""
        return bool(self._buf) or self._ended or self._error is not None

    # -- events ----------------------------------------------------------

    def add_wait_event(self, mark: int, callback: Callback, rock: Any = None) -> WaitEvent:
        """Appends an event; it does not run now, even if its mark has passed."""
        if not callable(callback):
            raise TypeError("add_wait_event: an event needs a callback")  # WE-API-7
        if self._closed:
            return WaitEvent(mark, callback, rock, None)  # WE-CLOSE-2: a closed stream keeps no event
        event = WaitEvent(mark, callback, rock, self)
        before = self._earliest()
        self._events.append(event)
        if self._earliest() != before:
            self._deadline_moved()  # WE-API-8
        return event

    def remove_wait_event(self, event: WaitEvent) -> None:
        """Unlinks an event of this stream; anything else is left alone."""
        if event.stream is self:
            before = self._earliest()
            self._events.remove(event)
            event.stream = None
            if self._earliest() != before:
                self._deadline_moved()  # WE-API-8

    @property
    def events(self) -> list[WaitEvent]:
        return list(self._events)

    def deadline(self) -> Optional[int]:
        """The earliest mark and, when blocking with a timeout, the timeout mark."""
        marks = [e.mark for e in self._events]
        if self._timeout > 0 and not self.nonblocking:
            marks.append(self._timeout_mark)
        return min(marks, default=None)

    def _earliest(self) -> Optional[int]:
        """The earliest mark on the list, or None when it is empty."""
        return min((e.mark for e in self._events), default=None)

    def _holder(self) -> Optional[WaitEvent]:
        """The event holding the earliest mark, the first added among equal ones."""
        return min(self._events, key=lambda e: e.mark, default=None)

    def _deadline_moved(self) -> None:
        """A sleeping read decides its sleep again, at least one tick from now (WE-API-8)."""
        if self._sleep_until is not None:
            self._sleep_until = self._wake_at(self.clock.now())

    def _wake_at(self, now: int) -> int:
        wake = self.deadline()
        if wake is not None and wake <= now:
            wake = now + 1  # still due after the pass: sleep one tick
        return wake if wake is not None else -1

    def _run_pass(self) -> None:
        now = self.clock.now()
        for event in [e for e in self._events if e.mark <= now]:
            if event.stream is not self or event.mark > now:
                continue  # removed or postponed by an earlier callback
            try:
                kept = event.callback(event, event.rock)
            except Exception as exc:  # noqa: BLE001 - any failure fails the stream
                self.remove_wait_event(event)
                self._fail(f"{CALLBACK_FAILED}{exc}")
                return
            if kept is None:
                self.remove_wait_event(event)
            if self._error is not None:
                return

    # -- timeout, writer, read callback ------------------------------------

    def set_timeout(self, ticks: int) -> None:
        self._timeout = ticks
        self._timeout_mark = self.clock.now() + ticks if ticks > 0 else 0

    def reset_timeout(self) -> None:
        if self._timeout > 0:
            self._timeout_mark = self.clock.now() + self._timeout

    def write(self, data: bytes) -> None:
        """Writes to the paired writer; it is handed on when the stream would sleep."""
        self._pending_out += data

    def _flush(self) -> None:
        if self._pending_out and self._flush_sink is not None:
            out, self._pending_out = bytes(self._pending_out), bytearray()
            self._flush_sink(out)

    def set_read_callback(self, callback: Optional[Callable[[], None]]) -> None:
        """`callback` runs once, before the first pass of the next wait; None takes it away."""
        self._read_callback = callback

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._error is None:
            self._error = CLOSED
        for event in self._events:
            event.stream = None
        self._events.clear()
        for timer in self._timers:
            timer.cancel()

    # -- waiting ---------------------------------------------------------

    def _wait(self) -> None:
        """Waits for input, the end of the input, or a failure.

        Raises BlockingIOError when a non-blocking read would have to sleep.
        """
        seen = self.arrivals

        def changed() -> bool:
            return self.arrivals != seen or self._ended or self._error is not None

        if self._read_callback is not None:
            callback, self._read_callback = self._read_callback, None
            try:
                callback()
            except Exception as exc:  # noqa: BLE001 - any failure fails the stream (WE-RCB-3)
                self._fail(f"{READ_CALLBACK_FAILED}{exc}")
                return
        while True:
            now = self.clock.now()  # WE-FIRE-7: callbacks may take time; the wait decides on this
            self._run_pass()
            if changed():
                return
            self._flush()  # WE-FLUSH-1: after a pass that brought nothing
            if changed():
                return  # WE-FLUSH-2: the flush brought input (an echo)
            if self.nonblocking:
                raise BlockingIOError("the read would block")  # WE-NB-1
            if self._timeout > 0 and now >= self._timeout_mark:
                self._fail(IDLE)  # WE-TIMEOUT-1, after the pass (WE-TIMEOUT-3)
                return
            self._sleep_until = self._wake_at(now)
            try:
                self.clock.sleep(lambda: None if self._sleep_until == -1 else self._sleep_until, changed)
            finally:
                self._sleep_until = None
            if changed():
                return

    def _check(self) -> None:
        if self._error is not None:
            raise ProtError(self._error)

    def _at_end(self) -> None:
        """Nothing buffered and the input is over: its failure, or the end."""
        if self._input_error is not None:
            raise ProtError(self._input_error)
        raise EOFError("end of file reached")

    def _wait_for(self, n: int) -> None:
        """Waits as a read does until `n` bytes are buffered; the stream's error, or the end, first."""
        while True:
            self._check()
            if len(self._buf) >= n:
                return
            if self._ended:
                self._at_end()
            self._wait()

    # -- reads -----------------------------------------------------------

    def read_line(self) -> bytes:
        """The next line without its LF or CRLF; EOFError at the end."""
        while True:
            self._check()
            nl = self._buf.find(b"\n")
            if nl >= 0:
                line = bytes(self._buf[:nl])
                del self._buf[: nl + 1]
                return line[:-1] if line.endswith(b"\r") else line
            if self._ended:
                if self._input_error is not None:
                    raise ProtError(self._input_error)  # WE-ERR-3: a cut-off line is no line
                if self._buf:  # WE-READ-3: the last line has no LF
                    line = bytes(self._buf)
                    self._buf.clear()
                    return line
                self._at_end()
            self._wait()

    def read(self, n: int) -> bytes:
        """Up to `n` bytes, waiting only when none is buffered."""
        self._wait_for(1)
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def getc(self) -> int:
        return self.read(1)[0]

    def peek(self) -> int:
        """The next byte, left in the buffer (WE-READ-6); waits as getc does."""
        self._wait_for(1)
        return self._buf[0]

    def fill(self) -> int:
        """Waits as a read does until input is buffered and takes none (WE-READ-7); returns the next byte."""
        return self.peek()

    def skip_line(self) -> None:
        """Discards input through the next LF, waiting as a read does (WE-READ-8)."""
        while True:
            self._check()
            nl = self._buf.find(b"\n")
            if nl >= 0:
                del self._buf[: nl + 1]
                return
            self._buf.clear()  # a part of a line goes as it comes
            if self._ended:
                self._at_end()
            self._wait()

    def read_exactly(self, n: int) -> bytes:
        """Exactly `n` bytes, waiting until all have come (WE-READ-9); at the end they stay buffered."""
        self._wait_for(n)
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out


def select(streams: list[Stream], timeout: Optional[int]) -> list[Stream]:
    """The streams that are ready, in the order given; never runs a callback.

    Waits until one is ready (something buffered, ended or failed, or a
    deadline has come) or until `timeout` ticks have passed (None: no limit).
    """
    clock = streams[0].clock
    limit = None if timeout is None else clock.now() + timeout

    def deadline_passed(s: Stream) -> bool:
        d = s.deadline()
        return d is not None and d <= clock.now()

    while True:
        ready = [s for s in streams if s.ready or deadline_passed(s)]
        if ready or (limit is not None and clock.now() >= limit):
            return ready
        seen = [s.pokes for s in streams]

        def wake() -> Optional[int]:
            # Asked again after each instant: a mark moved meanwhile counts (WE-API-3).
            wakes = [d for d in (s.deadline() for s in streams) if d is not None]
            if limit is not None:
                wakes.append(limit)
            return min(wakes, default=None)

        clock.sleep(wake, lambda: [s.pokes for s in streams] != seen)
