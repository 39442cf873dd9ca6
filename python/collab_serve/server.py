"""`Server`: a `collab serve` of this process's own, on a free loopback port."""

from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
import threading
from typing import IO, Any, List, Optional, Sequence, Union

from ._find import find_collab_bin
from .control import Control

__all__ = ["Server", "ServerError"]

PathLike = Union[str, "os.PathLike[str]"]

#: The first line `collab serve` prints once it accepts connections.
BANNER = "listening on http://"


class ServerError(RuntimeError):
    """`collab serve` did not start; the message holds what it wrote to stderr."""


class Server:
    """A `collab serve` on ``127.0.0.1`` and a port the system picks, with an admin
    token of its own (the control plane is open to :attr:`control`).

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with Server(seed="fixtures.toml") as server:
            server.control.add_user("ann")

    The server follows this process: it is started with ``--exit-with-parent`` and a
    pipe as stdin that only this process holds, so it stops when this process ends,
    however it ends (even ``SIGKILL``). Options are those of the command: ``seed``
    (``--seed FILE``), ``wire`` (``auto``, ``current``, ``2022``), ``journal_size``,
    ``faults`` (``--faults FILE``), ``data`` (``--data PATH``), ``users`` (a mapping
    of names to tokens, ``--user``), and ``args``: more flags, as given.
    """

    def __init__(
        self,
        *,
        bin: Optional[PathLike] = None,
        seed: Optional[PathLike] = None,
        wire: Optional[str] = None,
        journal_size: Optional[int] = None,
        faults: Optional[PathLike] = None,
        data: Optional[PathLike] = None,
        users: Optional[dict] = None,
        args: Sequence[str] = (),
        start_timeout: float = 30.0,
    ) -> None:
        self._bin = os.fspath(bin) if bin is not None else None
        flags: List[str] = []
        if seed is not None:
            flags += ["--seed", os.fspath(seed)]
        if wire is not None:
            flags += ["--wire", str(wire)]
        if journal_size is not None:
            flags += ["--journal-size", str(int(journal_size))]
        if faults is not None:
            flags += ["--faults", os.fspath(faults)]
        if data is not None:
            flags += ["--data", os.fspath(data)]
        for name, token in (users or {}).items():
            flags += ["--user", f"{name}={token}"]
        self._flags = flags + list(args)
        self._start_timeout = start_timeout
        self._process: Optional[subprocess.Popen] = None
        self._stderr: Optional[IO[bytes]] = None
        self.url: Optional[str] = None
        self.admin_token: Optional[str] = None
        self.control: Optional[Control] = None

    def __repr__(self) -> str:
        return f"Server(url={self.url!r})"

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def pid(self) -> Optional[int]:
        """The server's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self) -> "Server":
        """Starts the server and waits for its first line; raises
        :class:`ServerError` with the server's stderr when it does not start."""
        if self._process is not None:
            return self
        binary = find_collab_bin(self._bin)
        token = secrets.token_urlsafe(24)
        command = [binary, "serve", "--listen", "127.0.0.1:0", "--exit-with-parent", *self._flags]
        # The admin token through the environment, not argv (which `ps` shows).
        env = dict(os.environ, COLLAB_ADMIN_TOKEN=token)
        # stderr to a file, not a pipe: nobody reads a pipe while the server runs,
        # and a full pipe would stall the server's log.
        self._stderr = tempfile.TemporaryFile(prefix="collab-serve-stderr-")
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=env,
            )
        except OSError as error:
            self._stderr.close()
            self._stderr = None
            raise ServerError(f"cannot run {binary}: {error}") from None
        self._process = process
        first = _first_line(process, self._start_timeout)
        if not first.startswith(BANNER):
            status = process.poll()
            how = (
                f"exited with status {status}"
                if status is not None
                else f"did not say it listens within {self._start_timeout:g} s"
            )
            self._kill()
            said = self._stderr_text().strip() or "(nothing on stderr)"
            if first:
                said = f"first line {first!r}\n{said}"
            self._close_files()
            self._process = None
            raise ServerError(f"collab serve {how}: {' '.join(command[1:])}\n{said}")
        self.url = first.strip().split()[-1]
        self.admin_token = token
        self.control = Control(self.url, token)
        # The lines after the first (notes such as the seed's counts) are drained so
        # that a full pipe never stalls the server.
        threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
        return self

    def stop(self, timeout: float = 10.0) -> Optional[int]:
        """Stops the server (as SIGTERM does: requests in flight finish) and waits
        for it; kills it when it does not stop within ``timeout``. Its exit status."""
        process = self._process
        if process is None:
            return None
        if self.control is not None:
            self.control.close()
        try:
            # --exit-with-parent: the end of stdin stops it.
            if process.stdin is not None:
                process.stdin.close()
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill()
        self._close_files()
        self._process = None
        return process.returncode

    def stderr(self) -> str:
        """What the server has written to stderr so far (its log)."""
        return self._stderr_text()

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def _stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", "replace")
        self._stderr.seek(0, os.SEEK_END)
        return text

    def _close_files(self) -> None:
        process = self._process
        if process is not None:
            for stream in (process.stdin, process.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def _first_line(process: subprocess.Popen, timeout: float) -> str:
    """The server's first stdout line, or "" when it exits or stays silent for
    ``timeout`` seconds."""
    box: List[bytes] = []
    reader = threading.Thread(target=lambda: box.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not box:
        return ""
    if not box[0]:
        process.wait(timeout=timeout)
    return box[0].decode("utf-8", "replace")


def _drain(stream: IO[bytes]) -> None:
    try:
        while stream.read(4096):
            pass
    except (OSError, ValueError):
        pass
