"""A TCP proxy on loopback that a test can take down and bring back, to make the database go
away for the app without touching the machine's PostgreSQL service.

    with TcpProxy(target_port=5432) as proxy:   # listens on proxy.port
        ...                                     # the site's database URL names proxy.port
        proxy.stop()    # refuses new connections and resets every live one (RST, both sides)
        proxy.start()   # listens on the same port again

It runs an asyncio loop in a daemon thread: with non-blocking sockets a reset takes effect at
once, where a thread blocked in recv() would keep a closed socket alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import struct
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import Any

from tests.perf.bench_server import free_port

HOST = "127.0.0.1"
_CHUNK = 64 * 1024
# SO_LINGER on with a zero timeout: close() sends RST instead of FIN.
_RESET = struct.pack("ii", 1, 0)


class TcpProxy:
    def __init__(self, target_port: int, *, target_host: str = HOST) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.accepted = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._generation = 0  # counts stops

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def start(self) -> None:
        """Listen (again) on `port`; returns once connections are accepted."""
        self._run(self._start())

    def stop(self) -> None:
        """Stop listening and reset every live connection; returns once done."""
        self._run(self._stop())

    def _run(self, work: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=10)

    async def _start(self) -> None:
        if self._server is None:
            accept = functools.partial(self._accept, self._generation)
            self._server = await asyncio.start_server(accept, HOST, self.port, reuse_address=True)

    async def _stop(self) -> None:
        # A connection accepted before this but not yet set up is reset when it is.
        self._generation += 1
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            _reset(writer)
        self._writers.clear()

    async def _accept(
        self, generation: int, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        if generation != self._generation:
            _reset(client)
            return
        self.accepted += 1
        try:
            upstream_reader, upstream = await asyncio.open_connection(*self.target)
        except OSError:
            _reset(client)
            return
        if generation != self._generation:
            _reset(client)
            _reset(upstream)
            return
        pair = {client, upstream}
        self._writers |= pair
        try:
            await asyncio.gather(_pump(client_reader, upstream), _pump(upstream_reader, client))
        finally:
            self._writers -= pair
            for writer in pair:
                writer.close()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
    if not writer.is_closing():
        with contextlib.suppress(OSError):
            writer.write_eof()


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
    writer.transport.abort()
