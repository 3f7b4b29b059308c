"""Hot chain over HTTP: 16 clients posting the order form to gunicorn with 2 workers.

Project: POST /c/<slug>/ (the member's order form: form validation, the one-time token,
chain_order_place, the redirect to the receipt), answered 302.
Baseline: the same gunicorn, settings and middleware answering POST /bench/insert/, a bench-only
endpoint (bench/http_urls.py) doing one INSERT of an order row, answered 201.
Both count answered requests per second; the project's run also checks that every 302 made
exactly one numbered entry and that nothing was oversold.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from django.db import connection

from bench.hot_chain import CAP, SECONDS, WORKERS, _setup, alternate

GUNICORN_WORKERS = 2
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.http_settings"}
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.http_wsgi:application",
            f"--workers={GUNICORN_WORKERS}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
            "--preload",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("hot_chain_http: gunicorn exited at start")
        try:
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            client.request("GET", "/bench/insert/")
            if client.getresponse().status == 405:  # up: the endpoint takes POST only
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("hot_chain_http: gunicorn did not answer in 60 s")


def _post(port: int, path: str, fields: dict[str, str], headers: dict[str, str]) -> int:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        client.request(
            "POST",
            path,
            urlencode(fields),
            {"Content-Type": "application/x-www-form-urlencoded", **headers},
        )
        response = client.getresponse()
        response.read()
        return response.status
    finally:
        client.close()


def run() -> None:
    from apps.catalog.models import SKU
    from apps.chains.models import ChainEntry, ChainItem
    from apps.chains.tokens import submission_token_issue

    chain, item, point = _setup()
    baseline_chain, _, _ = _setup()
    sku_before = SKU.objects.get(pk=item.sku_id).stock
    csrf = secrets.token_hex(16)  # a 32-character secret: valid as the cookie and the form field
    headers = {"Cookie": f"csrftoken={csrf}"}
    statuses: dict[str, dict[int, int]] = {"project": {}, "baseline": {}}
    port = _free_port()
    connection.close()  # the server's workers fork from a process that never held this one
    server = _start_server(port)

    def counted(side: str, status: int, ok: int) -> bool:
        statuses[side][status] = statuses[side].get(status, 0) + 1
        return status == ok

    def order(worker: int, n: int) -> bool:
        fields = {
            "csrfmiddlewaretoken": csrf,
            "contact_name": "压测",
            "contact_phone": f"13{worker:02d}{n:07d}",
            "pickup_point": str(point.pk),
            f"qty_{item.pk}": "1",
            "token": submission_token_issue(chain_id=chain.pk),
        }
        return counted("project", _post(port, f"/c/{chain.slug}/", fields, headers), 302)

    def insert(worker: int, n: int) -> bool:
        fields = {"community": str(baseline_chain.community_id), "phone": f"13{worker:02d}{n:07d}"}
        return counted("baseline", _post(port, "/bench/insert/", fields, headers), 201)

    sides: dict[str, Callable[[int, int], bool]] = {"baseline": insert, "project": order}
    try:
        totals = alternate(sides)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    base_done, base_elapsed = totals["baseline"]
    done, elapsed = totals["project"]
    entries = ChainEntry.objects.filter(chain=chain)
    count = entries.count()
    numbers = list(entries.order_by("sequence").values_list("sequence", flat=True))
    checks = {
        "redirected": done,
        "entries": count,
        "sold_by_cap": CAP - ChainItem.objects.get(pk=item.pk).remaining,
        "sold_by_sku": sku_before - SKU.objects.get(pk=item.sku_id).stock,
        "numbers_gap_free": int(numbers == list(range(1, count + 1))),
    }
    base_rate = base_done / base_elapsed
    rate = done / elapsed
    print(
        f"server: gunicorn, {GUNICORN_WORKERS} sync workers; clients: {WORKERS} threads, "
        f"{SECONDS:.0f} s a side in alternating rounds, database {connection.vendor}"
    )
    print(f"answers: {statuses}")
    print(f"baseline (POST /bench/insert/, one INSERT): {base_done} requests, {base_rate:.1f}/s")
    print(f"project (POST /c/<slug>/, the order form):  {done} orders, {rate:.1f}/s")
    print(f"checks: {checks}")
    sold = (checks["sold_by_cap"], checks["sold_by_sku"], checks["entries"])
    if sold != (done, done, done) or not checks["numbers_gap_free"]:
        raise SystemExit("hot_chain_http: oversold, numbered wrong or an order without a 302")
    print(f"ratio: {rate / base_rate:.3f}")
