"""A Redis server of a test's own, to hang (SIGSTOP: it accepts connections and never answers),
stop or resume: faults injected for real, never mocked. The shared Redis is never touched."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from contextlib import suppress
from pathlib import Path

import redis

# Ports for servers started by tests (the shared Redis is on 6379).
PORTS = range(6391, 6400)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class RedisServer:
    """``redis-server`` in a child process of the test run: ``hang()``, ``resume()``, ``stop()``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.process: subprocess.Popen | None = None
        self.port = 0

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        for port in PORTS:
            if _listening(port):
                continue
            process = subprocess.Popen(
                [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                 "--appendonly", "no", "--dir", str(self.folder),
                 "--enable-debug-command", "local"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and process.poll() is None:
                if _listening(port):
                    self.process, self.port = process, port
                    return self
                time.sleep(0.05)
            with suppress(ProcessLookupError):
                process.kill()
            process.wait()
        raise RuntimeError(f"no free port for a test Redis in {PORTS}")

    def hang(self) -> None:
        """Accepts connections (the kernel does), answers nothing: a hung Redis."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def slow_down(self, seconds: float) -> threading.Thread:
        """Redis busy for ``seconds`` (``DEBUG SLEEP``): it answers, late."""
        client = redis.Redis.from_url(self.url())

        def sleep() -> None:
            with suppress(redis.RedisError):  # the server may be stopped before it wakes
                client.execute_command("DEBUG", "SLEEP", seconds)

        thread = threading.Thread(target=sleep, daemon=True)
        thread.start()
        time.sleep(0.2)  # the server is asleep by now
        return thread

    def resume(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.resume()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
