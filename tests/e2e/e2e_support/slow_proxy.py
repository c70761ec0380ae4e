"""A TCP proxy that can slow a store down: each chunk of bytes, either way, waits `delay` seconds before
it is passed on, in order. Masters talk to etcd through one proxy per member, so a test can make every
store call slower for a while and then fast again without touching etcd.

The kernel's netem qdisc would be the usual tool, but this machine's kernel has none.
"""
import asyncio
import threading
from typing import List, Sequence, Tuple

from .ports import free_port


class SlowProxies:
    """One listening port on 127.0.0.1 per target; `delay` applies to all of them at once."""

    def __init__(self, targets: Sequence[Tuple[str, int]]):
        self.targets = list(targets)
        self.ports: List[int] = [free_port() for _ in self.targets]
        self.delay = 0.0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="slow-proxies", daemon=True)
        self._servers: list = []

    def start(self) -> "SlowProxies":
        self._thread.start()
        for port, target in zip(self.ports, self.targets):
            future = asyncio.run_coroutine_threadsafe(self._serve(port, target), self._loop)
            self._servers.append(future.result(timeout=10))
        return self

    def stop(self) -> None:
        async def close():
            for server in self._servers:
                server.close()
        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _serve(self, port: int, target: Tuple[str, int]):
        async def accept(client_reader, client_writer):
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection(*target)
            except OSError:
                client_writer.close()
                return
            await asyncio.gather(self._pipe(client_reader, upstream_writer),
                                 self._pipe(upstream_reader, client_writer))
        return await asyncio.start_server(accept, "127.0.0.1", port)

    async def _pipe(self, reader, writer) -> None:
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                if self.delay > 0:
                    await asyncio.sleep(self.delay)
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
