"""A small local HTTP app with a health endpoint: the stand-in for "your service" in the local deploy
and in tests, which can make it answer wrongly, slowly, or not at all.

    app = HealthApp(database_url=url).start()   # GET /healthz -> 200 "ok" (after SELECT 1 when a URL is given)
    app.set(status=503)                           # answer 503
    app.set(delay_s=2)                            # answer after 2 s
    app.script([503, 503, 200])                   # the next answers, in order, then back to the mode
    app.refuse() / app.resume()                   # stop listening (connection refused) / listen again
"""

from __future__ import annotations

import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from toolkit.localdev.postgres import free_port


class HealthApp:
    def __init__(self, *, port: int | None = None, database_url: str | None = None,
                 path: str = "/healthz") -> None:
        self.port = port or free_port()
        self.path = path
        self.database_url = database_url
        self.status = 200
        self.body = "ok"
        self.delay_s = 0.0
        self.hits: list[tuple[float, str, int]] = []  # (time, path, status answered)
        self._script: deque[int] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    # -- control -----------------------------------------------------------------------------
    def set(self, *, status: int | None = None, body: str | None = None, delay_s: float | None = None) -> None:
        with self._lock:
            if status is not None:
                self.status = status
            if body is not None:
                self.body = body
            if delay_s is not None:
                self.delay_s = delay_s

    def script(self, statuses: list[int]) -> None:
        with self._lock:
            self._script = deque(statuses)

    def reset(self) -> None:
        self.resume()
        with self._lock:
            self.status, self.body, self.delay_s = 200, "ok", 0.0
            self._script.clear()
            self.hits.clear()

    def _answer(self) -> tuple[int, str, float]:
        with self._lock:
            status = self._script.popleft() if self._script else self.status
            return status, self.body, self.delay_s

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> HealthApp:
        app = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                status, body, delay = app._answer()
                if delay:
                    time.sleep(delay)
                if self.path.split("?")[0] != app.path:
                    status, body = 404, "not found"
                elif status < 400 and app.database_url:
                    status, body = app._database_status()
                data = body.encode()
                app.hits.append((time.monotonic(), self.path, status))  # before answering: no race
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timed out) first
                    pass

            def log_message(self, *args) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name=f"health-app-{self.port}")
        self._thread.start()
        return self

    def _database_status(self) -> tuple[int, str]:
        import psycopg

        try:
            with psycopg.connect(self.database_url, connect_timeout=2, autocommit=True) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error:
            return 503, "database unreachable"
        return 200, self.body

    def refuse(self) -> None:
        """Stop listening: the next tries get 'connection refused'."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def resume(self) -> None:
        if self._server is None:
            self.start()

    def stop(self) -> None:
        self.refuse()

    def __enter__(self) -> HealthApp:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
