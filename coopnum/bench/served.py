"""The application served for real: gunicorn on a free port against the bench's database, requested over HTTP
by a small client (``http.client``, a cookie jar, the login form's CSRF token), one client for the latencies
(p50/p95 after a warm-up) and 16 concurrent clients (threads) for the throughput over a fixed duration.

Each request opens a connection (gunicorn's sync workers close it after the response), so connection set-up is
in every figure — the bare page's too. The clients run in this process: on a small machine they take CPU from the
server, the same for every page and for the bare one."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from coopnum.bench.stats import summary

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """``gunicorn`` serving ``target`` (``module:factory()``) with ``env``, started on entering, stopped on
    leaving; its log is kept in a temporary file and shown if it does not start."""

    target: str
    env: dict
    workers: int = 2
    worker_class: str = "sync"
    threads: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.log = tempfile.NamedTemporaryFile(prefix="coopnum-bench-gunicorn-", suffix=".log", delete=False)
        cmd = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--worker-class", self.worker_class,
               "--threads", str(self.threads), "--bind", f"127.0.0.1:{self.port}", "--timeout", "300",
               "--log-level", "warning", self.target]
        self.process = subprocess.Popen(cmd, env={**os.environ, **self.env}, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if Client(self.port).get("/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn ({self.target}) n'a pas démarré :\n{Path(self.log.name).read_text()[-3000:]}")

    def __exit__(self, *_exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


class Client:
    """One browser: its cookies, a new connection per request, no redirect followed."""

    def __init__(self, port: int, headers: dict | None = None, cookies: dict | None = None):
        self.port = port
        self.headers = dict(headers or {})
        self.cookies = dict(cookies or {})

    def copy(self) -> Client:
        return Client(self.port, self.headers, self.cookies)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            sent = {**self.headers, **(headers or {})}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
            return response.status, data, response.headers.get("Location", "")
        finally:
            conn.close()

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel["expires"].startswith("Thu, 01 Jan 1970"):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, path: str) -> tuple[int, bytes]:
        status, data, _location = self.request("GET", path)
        return status, data

    def login(self, email: str, password: str) -> None:
        status, page = self.get("/login")
        token = CSRF.search(page.decode("utf-8", "replace"))
        if status != 200 or token is None:
            raise RuntimeError(f"formulaire de connexion illisible ({status})")
        body = urlencode({"csrf_token": token.group(1), "email": email, "password": password}).encode()
        status, _data, location = self.request("POST", "/login", body,
                                               {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302 or "/login" in location:
            raise RuntimeError(f"connexion refusée pour {email} ({status})")


def client_for(server: Server, page, token: str | None, clients: dict) -> Client:
    """One client per role (logged in through the form) and one for the API (its token), kept in ``clients``."""
    from coopnum.bench import pages
    from coopnum.demo import DEMO_PASSWORD

    if page.kind == "api":
        return clients.setdefault("api", Client(server.port, {"Authorization": f"Bearer {token}"}))
    if page.role not in clients:
        clients[page.role] = Client(server.port)
        clients[page.role].login(pages.LOGINS[page.role], DEMO_PASSWORD)
    return clients[page.role]


def latency(client: Client, path: str, runs: int, warmup: int = 2) -> dict:
    """One client: ``warmup`` requests, then ``runs`` timed ones; p50/p95 in ms, the last status and size."""
    for _ in range(warmup):
        client.get(path)
    durations, status, size = [], 0, 0
    for _ in range(runs):
        started = time.perf_counter()
        status, data = client.get(path)
        durations.append((time.perf_counter() - started) * 1000)
        size = len(data)
    return summary(durations) | {"status": status, "kb": round(size / 1024, 1)}


def throughput(client: Client, path: str, clients: int, duration: float) -> dict:
    """``clients`` threads, each a copy of ``client``, requesting ``path`` for ``duration`` seconds: successful
    requests per second, errors (any other status or failure), and the p95 under that load."""
    start = threading.Barrier(clients + 1)
    lock = threading.Lock()
    durations: list[float] = []
    errors = [0]

    def work(me: Client) -> None:
        mine, failed = [], 0
        start.wait()
        deadline = time.perf_counter() + duration
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                ok = me.get(path)[0] == 200
            except OSError:
                ok = False
            if ok:
                mine.append((time.perf_counter() - began) * 1000)
            else:
                failed += 1
        with lock:
            durations.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=work, args=(client.copy(),)) for _ in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    loaded = summary(durations)["p95"] if durations else None
    return {"rps": round(len(durations) / elapsed, 1), "errors": errors[0], "p95_loaded": loaded}


WARM_CLIENTS, WARM_SECONDS = 4, 0.5


def measure(client: Client, path: str, *, runs: int, clients: int, duration: float) -> dict:
    """The page warmed in every worker first (a few concurrent clients for half a second: sequential requests may
    all reach the same worker, and the other one's first request, compiling the templates and the statements, was
    then timed as the p95), then one client's p50/p95 and the throughput of ``clients``."""
    warm(client, path)
    return latency(client, path, runs) | throughput(client, path, clients, duration)


def warm(client: Client, path: str) -> None:
    """The page requested by a few concurrent clients for half a second, so that every worker has served it."""
    throughput(client, path, WARM_CLIENTS, WARM_SECONDS)
