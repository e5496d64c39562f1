"""A minimal HTTP/1.1 keep-alive client on asyncio streams, shared by the load processes of
the spike benchmarks (exam_spike, admissions_spike)."""

import asyncio
import time

# A minimal HTTP/1.1 keep-alive client on asyncio streams: httpx spends ~1 ms of CPU per
# request, which on a 2-core machine is CPU taken from the server being measured.


class Conn:
    """One student's keep-alive connection (a browser keeps one open to the site)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.r = self.w = None
        self.last_headers: dict[str, str] = {}  # of the last response, names in lower case

    opened = 0  # connections opened by this process (reconnects after t0 show a problem)
    connect_times: list[float] = []  # seconds each TCP connect took

    async def _open(self):
        start = time.perf_counter()
        self.r, self.w = await asyncio.open_connection(self.host, self.port)
        Conn.connect_times.append(time.perf_counter() - start)
        Conn.opened += 1

    def close(self):
        if self.w is not None:
            self.w.close()
        self.r = self.w = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b""):
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n"
        if body:
            head += "Content-Type: application/json\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        data = head.encode() + body
        for attempt in range(3):
            try:
                if self.w is None:
                    await self._open()
                self.w.write(data)
                raw = await self.r.readuntil(b"\r\n\r\n")
                lines = raw.decode("latin-1").split("\r\n")
                status = int(lines[0].split(" ", 2)[1])
                hdrs = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        hdrs[k.strip().lower()] = v.strip()
                if "content-length" in hdrs:
                    payload = await self.r.readexactly(int(hdrs["content-length"]))
                elif hdrs.get("transfer-encoding", "").lower() == "chunked":
                    parts = []
                    while True:
                        size = int((await self.r.readuntil(b"\r\n")).strip(), 16)
                        chunk = await self.r.readexactly(size + 2)
                        if size == 0:
                            break
                        parts.append(chunk[:-2])
                    payload = b"".join(parts)
                else:
                    payload = await self.r.read()
                    self.close()
                if hdrs.get("connection", "").lower() == "close":
                    self.close()
                self.last_headers = hdrs
                return status, payload
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                # The server closed an idle keep-alive connection: reconnect and send again.
                # Only for idempotent requests (the exam's start resumes, autosave keeps the
                # newest seq, submit returns the stored result; an application carries its
                # Idempotency-Key). The retry is in the timing.
                self.close()
                if attempt == 2:
                    raise
        raise OSError("unreachable")


def run(main):
    """Run the load process's coroutine on uvloop (a dev dependency: its loop costs about
    half of asyncio's CPU per request, CPU the load process takes from the server on this
    2-core machine); on the standard loop where uvloop is missing."""
    try:
        import uvloop  # noqa: PLC0415
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
