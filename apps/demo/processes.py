"""Run the web server, the Celery worker and beat side by side, and stop them together.

Each child runs in its own process group, so a Ctrl-C in the terminal reaches only this
supervisor, which then stops every child exactly once. The children share the embedded
PostgreSQL: each joins the server for the same data folder, and the last one out stops it.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class Service:
    name: str
    argv: list[str]
    # The signal on which the program exits cleanly, exit handlers and all, with status 0.
    stop_signal: int = signal.SIGTERM


@dataclass
class Running:
    service: Service
    process: "subprocess.Popen[bytes]"


def demo_services(*, base_dir: Path, host: str, port: int) -> list[Service]:
    python = sys.executable
    return [
        Service(
            "web",
            [python, str(base_dir / "manage.py"), "runserver", f"{host}:{port}", "--noreload"],
            # runserver dies on SIGTERM without running its exit handlers, and one of those tells
            # the embedded PostgreSQL this process is done with it: the server would outlive us.
            stop_signal=signal.SIGINT,
        ),
        Service(
            # SIGTERM is Celery's warm shutdown: running tasks finish, exit status 0.
            "worker",
            [python, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO", "--pool=solo"],
        ),
        Service(
            "beat",
            [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
                "--scheduler",
                "django_celery_beat.schedulers:DatabaseScheduler",
            ],
        ),
    ]


def services_run(
    services: Sequence[Service],
    *,
    cwd: Path,
    log: Callable[[str], None],
    stop_timeout: float = 20.0,
) -> int:
    """Run until SIGINT/SIGTERM (0) or until a service exits on its own (1); stop all either way."""
    stop_requests: list[int] = []

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requests.append(signum)

    previous = {sig: signal.signal(sig, request_stop) for sig in STOP_SIGNALS}
    running: list[Running] = []
    exit_code = 0
    try:
        for service in services:
            process = subprocess.Popen(service.argv, cwd=cwd, process_group=0)  # noqa: S603
            running.append(Running(service, process))
            log(f"已启动 {service.name}（pid {process.pid}）")
        while not stop_requests:
            exited = [run for run in running if run.process.poll() is not None]
            if exited:
                for run in exited:
                    code = run.process.returncode
                    log(f"{run.service.name} 意外退出（退出码 {code}），停止其他服务")
                exit_code = 1
                break
            time.sleep(0.2)
    finally:
        _stop_all(running, timeout=stop_timeout, log=log)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return exit_code


def _stop_all(running: Sequence[Running], *, timeout: float, log: Callable[[str], None]) -> None:
    alive = [run for run in running if run.process.poll() is None]
    if alive:
        log("正在停止：" + "、".join(run.service.name for run in alive))
    for run in alive:
        _send(run.process.pid, run.service.stop_signal, group=False)
    deadline = time.monotonic() + timeout
    for run in alive:
        try:
            run.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log(f"{run.service.name} 未在 {timeout:.0f} 秒内退出，强制结束")
            _send(run.process.pid, signal.SIGKILL, group=True)
            run.process.wait()
    for run in running:
        log(f"{run.service.name} 已停止（退出码 {run.process.returncode}）")


def _send(pid: int, sig: int, *, group: bool) -> None:
    try:
        if group:
            os.killpg(pid, sig)  # the child leads its own group: take any helpers with it
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass
