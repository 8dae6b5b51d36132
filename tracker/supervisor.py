"""Run the tracker's long-lived processes side by side and stop them together.

``start_tracker`` hands a list of ``ProcessSpec`` (the web server; the Celery worker and beat can
be added to that list) to ``Supervisor.run``: every process starts, and when one of them exits or
the supervisor receives Ctrl-C (SIGINT) or SIGTERM, all the others are asked to stop (SIGTERM),
then killed if they have not stopped within the grace period.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TextIO


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)  # added to the inherited environment
    cwd: str | None = None


@dataclass(frozen=True)
class Outcome:
    """How a supervised run ended: on a signal (a normal stop) or because a process exited."""

    stopped_by_signal: int | None
    first_exit: tuple[str, int] | None  # (name, return code) of the process that ended first

    @property
    def ok(self) -> bool:
        return self.stopped_by_signal is not None or (
            self.first_exit is not None and self.first_exit[1] == 0
        )

    def describe(self) -> str:
        if self.stopped_by_signal is not None:
            return f"stopped by {signal.Signals(self.stopped_by_signal).name}"
        if self.first_exit is not None:
            name, code = self.first_exit
            return f"{name} exited with code {code}"
        return "nothing was started"


class Supervisor:
    def __init__(
        self,
        specs: Sequence[ProcessSpec],
        *,
        log: TextIO | None = None,
        grace_seconds: float = 10.0,
        poll_seconds: float = 0.2,
    ) -> None:
        self.specs = list(specs)
        self.log = log
        self.grace_seconds = grace_seconds
        self.poll_seconds = poll_seconds
        self.processes: dict[str, subprocess.Popen] = {}
        self._signal: int | None = None

    def _say(self, message: str) -> None:
        if self.log is not None:
            self.log.write(f"[supervisor] {message}\n")
            self.log.flush()

    def _on_signal(self, signum: int, frame) -> None:
        self._signal = signum

    def start(self) -> None:
        for spec in self.specs:
            env = {**os.environ, **spec.env}
            self.processes[spec.name] = subprocess.Popen(list(spec.argv), env=env, cwd=spec.cwd)
            self._say(f"started {spec.name} (pid {self.processes[spec.name].pid})")

    def stop(self) -> None:
        """Ask every running process to stop, then kill those still running after the grace."""
        for name, process in self.processes.items():
            if process.poll() is None:
                self._say(f"stopping {name} (pid {process.pid})")
                process.terminate()
        deadline = time.monotonic() + self.grace_seconds
        for name, process in self.processes.items():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._say(f"killing {name} (pid {process.pid}): still running after the grace")
                process.kill()
                process.wait()

    def run(self) -> Outcome:
        """Start everything, wait for a signal or the first exit, stop everything."""
        previous = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        first_exit: tuple[str, int] | None = None
        try:
            self.start()
            while self._signal is None and first_exit is None and self.processes:
                for name, process in self.processes.items():
                    code = process.poll()
                    if code is not None:
                        first_exit = (name, code)
                        break
                else:
                    time.sleep(self.poll_seconds)
        finally:
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        outcome = Outcome(stopped_by_signal=self._signal, first_exit=first_exit)
        self._say(outcome.describe())
        return outcome
