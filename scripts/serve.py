"""The last step of `make run`: the web server, the Celery worker and beat, watched together.

Ctrl-C (SIGINT) or SIGTERM is the normal way to stop: the three get SIGTERM, a worker finishing its task
is given 15 s, then whatever is left is killed, and this exits 0. If one of them dies on its own, the
others are stopped and this exits 1 with a message saying which one. Settings come from the environment
that scripts/run.sh prepared.
"""

import os
import signal
import subprocess
import sys
import time

GRACE_SECONDS = 15


def commands(host, port, var_dir):
    return {
        "worker": [
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "--hostname=worker@%h",
        ],
        "beat": [
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel=INFO",
            f"--schedule={var_dir}/celerybeat-schedule",
        ],
        "web": [
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--error-logfile",
            "-",
            "--graceful-timeout",
            "5",
            "--no-control-socket",
        ],
    }


def stop(procs):
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for proc in procs.values():
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    host, port, var_dir = sys.argv[1], sys.argv[2], sys.argv[3]  # RUN_BANNER_FILE: printed once started
    stopping = []

    def on_signal(signum, _frame):
        stopping.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    procs = {name: subprocess.Popen(cmd) for name, cmd in commands(host, port, var_dir).items()}
    banner = os.environ.get("RUN_BANNER_FILE")
    shown = not banner
    started = time.monotonic()
    died = None
    while not stopping and died is None:
        died = next((name for name, p in procs.items() if p.poll() is not None), None)
        if not shown and time.monotonic() - started > 3:  # after the processes' start-up lines
            with open(banner, encoding="utf-8") as f:
                print(f.read(), flush=True)
            shown = True
        time.sleep(0.3)
    print("\n\033[1m正在停止 / stopping …\033[0m", flush=True)
    stop(procs)
    if died and not stopping:
        print(
            f"\033[31m错误 / Error: {died} 意外退出（退出码 {procs[died].returncode}），见上方日志 / "
            f"{died} exited on its own (code {procs[died].returncode}), see the log above\033[0m",
            file=sys.stderr,
        )
        return 1
    print("\033[1m已停止 / stopped.\033[0m", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
