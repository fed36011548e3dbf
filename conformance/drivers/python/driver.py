#!/usr/bin/env python3
"""The conformance driver of protevents.py: the driver protocol v2
(conformance/DRIVERS.md) over standard input and output.

    npx prot-conformance --driver "python3 conformance/drivers/python/driver.py"

Each request is one JSON line; each answer is one JSON line. A `run` request
carries a case (conformance/README.md); the driver builds its streams and
events on a fresh clock, runs the steps, and answers with the trace.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Optional

sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
import protevents as pe  # noqa: E402

PROTOCOL = 2
INFO = {
    "name": "protevents.py example",
    "version": "1.0",
    "language": "Python",
    "profile": "core",
    "unsupported": [{"tag": "slow-peer", "reason": "its flush sink takes every write at once: it has no peer that reads late"}],
}


def latin1(data: bytes) -> str:
    return data.decode("latin1")


def to_bytes(text: str) -> bytes:
    return text.encode("latin1")


def mark_from(spec: dict, now: int, old: int) -> int:
    """`{at: T}`, `{now: D}` or `{mark: D}` of a case, as an absolute mark."""
    if "at" in spec:
        return spec["at"]
    if "now" in spec:
        return now + spec["now"]
    return old + spec.get("mark", 0)


class ScriptedThrow(Exception):
    """What a `throw` action raises inside a callback."""


class Stop(Exception):
    """A step ran into a read that can never complete: the trace ends."""


class CaseRun:
    """One case: its clock, streams, events and trace."""

    def __init__(self, case: dict) -> None:
        self.clock = pe.Clock()
        self.trace: list[dict] = []
        self.specs: dict[str, dict] = case.get("events") or {}
        self.streams: dict[str, pe.Stream] = {}
        self.handles: dict[str, pe.WaitEvent] = {}  # event name -> latest handle
        self.names: dict[pe.WaitEvent, str] = {}  # every handle ever -> its name
        self.firings: dict[str, int] = {}
        self.groups: dict[str, list[pe.Stream]] = {}
        for name, spec in case["streams"].items():
            spec = spec or {}
            sink = (lambda data, name=name: self.flushed(name, data)) if spec.get("flushOnRead") else None
            self.streams[name] = pe.Stream(
                self.clock,
                arrivals=[(a["at"], to_bytes(a["data"])) for a in spec.get("input") or []],
                end=spec.get("end"),
                end_error=spec.get("error"),
                timeout=spec.get("timeout") or 0,
                nonblocking=bool(spec.get("nonBlocking")),
                flush_sink=sink,
            )
        self.echoes = {name for name, spec in case["streams"].items() if (spec or {}).get("echo")}
        for name, spec in self.specs.items():
            if spec.get("mark") is not None:
                self.add(name, spec["mark"])
        self.steps = case["steps"]

    def now(self) -> int:
        return self.clock.now()

    def stream_of(self, event: str) -> pe.Stream:
        return self.streams[self.specs[event]["stream"]]

    # -- events and their scripts ----------------------------------------

    def add(self, name: str, mark: int) -> None:
        if self.specs[name]["on"] is None:  # no callback: WE-API-7 has it refused
            try:
                self.stream_of(name).add_wait_event(mark, None, self.specs[name].get("rock"))
            except TypeError:
                self.trace.append({"t": self.now(), "refused": name})
            return
        callback = lambda ev, rock: self.fire(name, ev, rock)  # noqa: E731
        handle = self.stream_of(name).add_wait_event(mark, callback, self.specs[name].get("rock"))
        self.handles[name] = handle
        self.names[handle] = name

    def name_of(self, handle: pe.WaitEvent) -> str:
        return self.names.get(handle, "?")

    def fire(self, name: str, event: pe.WaitEvent, rock: Any) -> Optional[pe.WaitEvent]:
        entry = {"t": self.now(), "fire": self.name_of(event), "mark": event.mark}
        if rock is not None:
            entry["rock"] = rock
        self.trace.append(entry)
        firing = self.firings.get(name, 0)
        self.firings[name] = firing + 1
        on = self.specs[name]["on"]
        scripts = on if on and isinstance(on[0], list) else [on]
        for action in scripts[min(firing, len(scripts) - 1)]:
            (key, arg), = action.items()
            if key == "return":
                return None if arg is None else event
            self.act(name, event, key, arg)
        return event

    def act(self, name: str, event: pe.WaitEvent, key: str, arg: Any) -> None:
        stream = self.stream_of(name)
        if key == "set-mark":
            target = self.handles[arg["event"]] if "event" in arg else event
            target.mark = mark_from(arg, self.now(), target.mark)
        elif key == "remove":
            stream.remove_wait_event(event if arg == "self" else self.handles[arg])
        elif key == "add":
            self.add(arg["event"], mark_from(arg, self.now(), 0))
        elif key == "rock":
            event.rock = arg
        elif key == "reset-timeout":
            stream.reset_timeout()
        elif key == "write":
            stream.write(to_bytes(arg))
        elif key == "spend":
            self.clock.spend(arg)
        elif key == "throw":
            raise ScriptedThrow(arg)
        else:
            raise ValueError(f"unknown action {key}")

    def flushed(self, name: str, data: bytes) -> None:
        """How a writer cuts its output is its own affair: one instant, one entry."""
        last = self.trace[-1] if self.trace else None
        if last is not None and last.get("flush") == name and last["t"] == self.now():
            last["data"] += latin1(data)
        else:
            self.trace.append({"t": self.now(), "flush": name, "data": latin1(data)})
        if name in self.echoes:
            self.streams[name].arrive(data)  # the peer answers at once

    # -- steps -------------------------------------------------------------

    def read(self, key: str, name: str, op, outcome) -> None:
        entry: dict[str, Any] = {key: name}
        try:
            entry.update(outcome(op()))
        except EOFError:
            entry["eof"] = True
        except pe.ProtError as err:
            entry["error"] = str(err)
        except BlockingIOError:
            entry["wouldblock"] = True
        except pe.Blocked:
            entry["blocked"] = True
            self.trace.append({"t": self.now(), **entry})
            raise Stop from None
        self.trace.append({"t": self.now(), **entry})

    def step(self, step: dict) -> None:
        (key, arg), = step.items()
        if key == "read-line":
            s = self.streams[arg]
            self.read(key, arg, s.read_line, lambda line: {"line": latin1(line)})
        elif key == "getc":
            s = self.streams[arg]
            self.read(key, arg, s.getc, lambda byte: {"byte": byte})
        elif key in ("read", "read-exactly"):
            s = self.streams[arg["stream"]]
            take = s.read if key == "read" else s.read_exactly
            self.read(key, arg["stream"], lambda: take(arg["n"]), lambda data: {"data": latin1(data)})
        elif key == "peek":
            s = self.streams[arg]
            self.read(key, arg, s.peek, lambda byte: {"byte": byte})
        elif key == "fill":
            s = self.streams[arg]
            self.read(key, arg, s.fill, lambda byte: {"byte": byte})
        elif key == "skip-line":
            s = self.streams[arg]
            self.read(key, arg, s.skip_line, lambda _none: {"skipped": True})
        elif key == "select":
            # A kept group is its streams: this select keeps nothing else between calls.
            chosen = self.groups.setdefault(arg["group"], [self.streams[n] for n in arg["streams"]]) if "group" in arg else [self.streams[n] for n in arg["streams"]]
            try:
                ready = pe.select(chosen, arg.get("timeout"))
            except pe.Blocked:
                raise Stop from None
            names = {id(s): n for n, s in self.streams.items()}
            self.trace.append({"t": self.now(), "select": [names[id(s)] for s in ready]})
        elif key == "advance":
            self.clock.advance_to(max(arg, self.now()))
        elif key == "set-timeout":
            self.streams[arg["stream"]].set_timeout(arg["ticks"])
        elif key == "reset-timeout":
            self.streams[arg].reset_timeout()
        elif key == "nonblocking":
            self.streams[arg["stream"]].nonblocking = bool(arg["value"])
        elif key in ("add-event", "remove-event", "set-mark"):
            self.outside(key, arg)
        elif key == "meanwhile":
            ((what, what_arg),) = arg["do"].items()
            # A time already passed: at once.
            if arg["at"] <= self.now():
                self.outside(what, what_arg)
            else:
                self.clock.schedule(arg["at"], lambda: self.outside(what, what_arg))
        elif key == "events":
            marks = [f"{self.name_of(e)}@{e.mark}" for e in self.streams[arg].events]
            self.trace.append({"t": self.now(), "events": arg, "list": marks})
        elif key == "write":
            self.streams[arg["stream"]].write(to_bytes(arg["data"]))
        elif key == "read-callback":
            # A name, {stream, throw} or {stream, clear: true}.
            spec = {"stream": arg} if isinstance(arg, str) else arg
            name = spec["stream"]
            if spec.get("clear") is True:
                self.streams[name].set_read_callback(None)
            else:

                def read_callback(name: str = name, message: Optional[str] = spec.get("throw")) -> None:
                    self.trace.append({"t": self.now(), "read-callback": name})
                    if message is not None:
                        raise ScriptedThrow(message)

                self.streams[name].set_read_callback(read_callback)
        elif key == "close":
            self.streams[arg].close()
        else:
            raise ValueError(f"unknown step {key}")

    def outside(self, key: str, arg: Any) -> None:
        """A step that may also come from outside, at a time, through `meanwhile`."""
        if key == "add-event":
            self.add(arg["event"], mark_from(arg, self.now(), 0))
        elif key == "remove-event":
            if isinstance(arg, str):
                self.stream_of(arg).remove_wait_event(self.handles[arg])
            else:  # through a stream that may not hold it (WE-API-5)
                self.streams[arg["stream"]].remove_wait_event(self.handles[arg["event"]])
        else:
            handle = self.handles[arg["event"]]
            handle.mark = mark_from(arg, self.now(), handle.mark)

    def run(self) -> list[dict]:
        try:
            for step in self.steps:
                # Input arriving at t is readable at t: what is due now happens before the step.
                self.clock.advance_to(self.now())
                self.step(step)
        except Stop:
            pass
        finally:
            for s in self.streams.values():
                s.close()
        return self.trace


def answer(msg: dict) -> None:
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def main() -> int:
    for line in sys.stdin:
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            print(f"python driver: not JSON: {line[:80]!r}", file=sys.stderr)
            continue
        cmd = msg.get("cmd")
        if cmd == "start":
            if msg.get("version") != PROTOCOL:
                answer({"ok": False, "error": f"protocol version {msg.get('version')} is not supported; this driver speaks {PROTOCOL}"})
                return 1
            answer({"ok": True, "version": PROTOCOL, "implementation": INFO})
        elif cmd == "run":
            seq = msg.get("seq")
            try:
                answer({"seq": seq, "trace": CaseRun(msg["case"]).run()})
            except Exception as exc:  # noqa: BLE001 - report, keep serving
                answer({"seq": seq, "error": f"{type(exc).__name__}: {exc}"})
        elif cmd == "stop":
            return 0
        else:
            print(f"python driver: unknown request {line[:80]!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
