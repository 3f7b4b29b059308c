"""The quickstart supervisor, with small Python children standing in for the real services."""

import os
import signal
import sys
import threading
import time
from pathlib import Path

from apps.demo.processes import Service, demo_services, services_run


def sleeper(pid_file: Path, *, ignore: int | None = None) -> list[str]:
    """A child that records its pid once ready (after ignoring `ignore`, if given), then sleeps."""
    ignore_line = f"signal.signal({int(ignore)}, signal.SIG_IGN)\n" if ignore else ""
    code = (
        "import os, pathlib, signal, time\n"
        f"{ignore_line}"
        f"pathlib.Path({str(pid_file)!r}).write_text(str(os.getpid()))\n"
        "time.sleep(60)\n"
    )
    return [sys.executable, "-c", code]


def signal_self_when_ready(pid_files: list[Path], sig: int) -> threading.Thread:
    def run() -> None:
        deadline = time.monotonic() + 20
        while not all(f.exists() and f.read_text() for f in pid_files):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        os.kill(os.getpid(), sig)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_stop_signal_stops_every_child_and_exits_0(tmp_path: Path) -> None:
    files = [tmp_path / "a.pid", tmp_path / "b.pid"]
    services = [
        Service("a", sleeper(files[0])),
        Service("b", sleeper(files[1]), stop_signal=signal.SIGINT),
    ]
    messages: list[str] = []
    handler_before = signal.getsignal(signal.SIGTERM)
    signal_self_when_ready(files, signal.SIGTERM)

    exit_code = services_run(services, cwd=tmp_path, log=messages.append, stop_timeout=10)

    assert exit_code == 0
    for pid_file in files:
        assert not is_running(int(pid_file.read_text()))
    assert not any("强制结束" in message for message in messages)
    assert signal.getsignal(signal.SIGTERM) is handler_before


def test_a_child_ignoring_its_stop_signal_is_killed_after_the_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "stubborn.pid"
    services = [Service("stubborn", sleeper(pid_file, ignore=signal.SIGTERM))]
    messages: list[str] = []
    signal_self_when_ready([pid_file], signal.SIGINT)

    exit_code = services_run(services, cwd=tmp_path, log=messages.append, stop_timeout=1)

    assert exit_code == 0
    assert not is_running(int(pid_file.read_text()))
    assert any("stubborn" in m and "强制结束" in m for m in messages)


def test_a_service_that_exits_on_its_own_stops_the_others(tmp_path: Path) -> None:
    pid_file = tmp_path / "web.pid"
    services = [
        Service("web", sleeper(pid_file)),
        Service("worker", [sys.executable, "-c", "import time, sys; time.sleep(1); sys.exit(3)"]),
    ]
    messages: list[str] = []

    exit_code = services_run(services, cwd=tmp_path, log=messages.append, stop_timeout=10)

    assert exit_code == 1
    assert not is_running(int(pid_file.read_text()))
    assert any("worker" in m and "3" in m for m in messages)


def test_demo_services_are_the_web_server_worker_and_beat(tmp_path: Path) -> None:
    web, worker, beat = demo_services(base_dir=tmp_path, host="127.0.0.1", port=8123)

    assert web.argv[1:] == [
        str(tmp_path / "manage.py"),
        "runserver",
        "127.0.0.1:8123",
        "--noreload",
    ]
    assert web.stop_signal == signal.SIGINT
    assert worker.argv[1:6] == ["-m", "celery", "-A", "config", "worker"]
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat.argv
