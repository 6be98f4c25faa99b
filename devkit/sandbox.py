"""The sandbox: the demo's moto and simulator left running on 127.0.0.1, the demo's tables
populated, and the `export` lines that point every `sync-auditor` command at them.

    eval "$(make -s sandbox)"   # runs the demo, leaves it running, applies the exports
    sync-auditor failures --since 7d
    make sandbox-stop

`make sandbox` runs `python -m devkit.sandbox start`: the sandbox runs in the background (its
pid in .sandbox/pid), the demo's story goes to stderr and the export lines to stdout, so `eval`
takes only those. `sync-auditor demo --keep` is the same in the foreground, until Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from devkit.loopback import JOB_TABLE, STATE_TABLE, Loopback

STATE_DIR = Path(".sandbox")
# The last line the sandbox prints once it serves: a shell comment, so `eval` ignores it.
READY = "# sync-auditor sandbox ready"
# What the CLI needs from the loopback's environment: fake credentials, the region, endpoints.
PASSED_ON = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_KENDRA",
    "AWS_ENDPOINT_URL_QBUSINESS",
    "AWS_ENDPOINT_URL_BEDROCK_AGENT",
    "POWERTOOLS_TRACE_DISABLED",
)
STOP_TIMEOUT_SECONDS = 30.0


def export_lines(lb: Loopback, config: Path) -> list[str]:
    """`export NAME=value` lines, one a line, that point the CLI at this sandbox."""
    values = {name: lb.env[name] for name in PASSED_ON if name in lb.env}
    values |= {
        "SYNC_AUDITOR_TABLE": JOB_TABLE,
        "SYNC_AUDITOR_STATE_TABLE": STATE_TABLE,
        "SYNC_AUDITOR_CONFIG": str(config.resolve()),
    }
    # A profile would take precedence over the fake keys in botocore's chain: drop it.
    lines = ["unset AWS_PROFILE"]
    lines += [f"export {name}={shlex.quote(value)}" for name, value in values.items()]
    # `sync-auditor` itself, from this virtualenv ($PATH expands when the line is eval'd).
    lines.append(f'export PATH="{Path(sys.executable).parent}:$PATH"')
    return lines


def hold(lb: Loopback, config: dict[str, Any], state_dir: Path, *, detach: bool) -> None:
    """Serve until SIGTERM or Ctrl-C: write the pid and env files, print the exports and READY."""
    state_dir.mkdir(parents=True, exist_ok=True)
    config_file = state_dir / "cdk.json"
    config_file.write_text(json.dumps({"syncAuditor": config}, indent=2) + "\n")
    lines = export_lines(lb, config_file)
    (state_dir / "env").write_text("".join(f"{line}\n" for line in lines))
    pid_file = state_dir / "pid"
    pid_file.write_text(f"{os.getpid()}\n")
    stopping = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    try:
        out = sys.stdout
        out.write("\n== sandbox: moto and the simulator keep running; in another shell:\n")
        out.write("".join(f"{line}\n" for line in lines))
        out.write(
            f"# stop it: Ctrl-C here, or `make sandbox-stop` (kill $(cat {pid_file}))\n{READY}\n"
        )
        out.flush()
        if detach:
            _stop_writing_to(out, state_dir / "sandbox.log")
        _wait(stopping)
    finally:
        signal.signal(signal.SIGTERM, previous)
        for name in ("pid", "env"):
            (state_dir / name).unlink(missing_ok=True)


def _wait(stopping: threading.Event) -> None:
    try:
        # A timed wait keeps the main thread responsive to Ctrl-C on every platform.
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass


def _stop_writing_to(out: TextIO, log: Path) -> None:
    """The starter stops reading once READY is out: later output goes to the log instead."""
    with log.open("a") as sink:
        os.dup2(sink.fileno(), out.fileno())


def _running(state_dir: Path) -> int | None:
    try:
        pid = int((state_dir / "pid").read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    except PermissionError:
        pass  # it exists, under another user
    return pid


def start(state_dir: Path) -> int:
    """Start the sandbox in the background; returns once it serves, its exports on stdout."""
    if _running(state_dir):
        sys.stderr.write(f"sandbox already running (pid file {state_dir / 'pid'})\n")
        sys.stdout.write((state_dir / "env").read_text())
        return 0
    state_dir.mkdir(parents=True, exist_ok=True)
    log = state_dir / "sandbox.log"
    with log.open("w") as errors:
        child = subprocess.Popen(  # noqa: S603 - this interpreter, this module
            [sys.executable, "-m", "devkit.sandbox", "serve", "--detach", "--state-dir", state_dir],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            start_new_session=True,  # the shell's Ctrl-C is not the sandbox's
        )
    assert child.stdout is not None
    for line in child.stdout:
        if line.rstrip("\n") == READY:
            child.stdout.close()
            sys.stderr.write(f"sandbox running (pid {child.pid}); stop it: make sandbox-stop\n")
            return 0
        exported = line.startswith(("export ", "unset "))
        (sys.stdout if exported else sys.stderr).write(line)
    child.wait()
    sys.stderr.write(f"the sandbox did not start (exit {child.returncode}); {log}:\n")
    sys.stderr.write(log.read_text())
    return 1


def stop(state_dir: Path) -> int:
    pid = _running(state_dir)
    if pid is None:
        sys.stderr.write("no sandbox running\n")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while _running(state_dir) and time.monotonic() < deadline:
        time.sleep(0.1)  # not our child (its starter exited): poll for it to go
    if _running(state_dir):
        sys.stderr.write(f"the sandbox (pid {pid}) did not stop in {STOP_TIMEOUT_SECONDS:g} s\n")
        return 1
    sys.stderr.write("sandbox stopped\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devkit.sandbox", description=__doc__)
    parser.add_argument("action", choices=("start", "serve", "stop", "env"))
    parser.add_argument("--state-dir", type=Path, default=STATE_DIR)
    parser.add_argument("--detach", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.action == "start":
        return start(args.state_dir)
    if args.action == "stop":
        return stop(args.state_dir)
    if args.action == "env":
        if not _running(args.state_dir):
            sys.stderr.write("no sandbox running: start it with `make sandbox`\n")
            return 1
        sys.stdout.write((args.state_dir / "env").read_text())
        return 0
    from devkit import demo

    return demo.main(keep=True, state_dir=args.state_dir, detach=args.detach)


if __name__ == "__main__":
    sys.exit(main())
