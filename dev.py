#!/usr/bin/env python3
"""The two commands of the quick start, with nothing but Python 3.11+ installed.

    python3 dev.py demo    install into .venv, load the demo shop, serve it on :8000
    python3 dev.py test    install the test tools, run the whole suite (SQLite, then PostgreSQL)

Standard library only: this file runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
POSTGRES_URL = os.environ.get(
    "COMPTOIR_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/comptoir"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*command: str | Path, env: dict[str, str] | None = None) -> int:
    return subprocess.call([str(part) for part in command], cwd=ROOT, env=env)


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036  (this file runs before any install)
        sys.exit(f"Comptoir needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not (BIN / "python").exists():
        say(f"creating the virtual environment in {VENV}")
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except Exception as error:  # Debian ships venv's pip separately
            sys.exit(
                f"Could not create a virtual environment ({error}).\n"
                "On Debian or Ubuntu, install it with: sudo apt-get install python3-venv"
            )
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say("installing Comptoir and its dependencies" + (f" [{extras}]" if extras else ""))
    target = f".[{extras}]" if extras else "."
    if (
        run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip") != 0
        or run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", target) != 0
    ):
        sys.exit("Installing the dependencies failed; see the messages above.")
    stamp.write_text(digest)


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def ensure_chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found or not IN_CI:
        return found
    say("installing Debian's chromium for the browser tests")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.call([*sudo, "apt-get", "update", "-qq"])
    subprocess.call(
        [*sudo, "apt-get", "install", "-y", "-qq", "chromium"],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    return shutil.which("chromium")


def demo(args: list[str]) -> int:
    ensure_venv("")
    return run(BIN / "comptoir", "demo", *args)


def test(args: list[str]) -> int:
    ensure_venv("test")
    chromium = ensure_chromium()
    env = {**os.environ, "COMPTOIR_ENV": "test"}
    if chromium:
        env["COMPTOIR_CHROMIUM"] = chromium
    env.pop("DATABASE_URL", None)
    say("checking the code style (ruff)")
    if (
        run(BIN / "ruff", "check", "--quiet", ".") != 0
        or run(BIN / "ruff", "format", "--check", "--quiet", ".") != 0
    ):
        return 1
    say("running the suite on SQLite")
    status = run(BIN / "python", "-m", "pytest", *args, env=env)
    if status not in (0, 5):
        return status
    if postgres_reachable():
        say(f"running the suite on PostgreSQL ({POSTGRES_URL})")
        env["DATABASE_URL"] = POSTGRES_URL
        # The browser tests drive the same pages; once, on SQLite, is enough.
        status = run(BIN / "python", "-m", "pytest", "-m", "not browser", *args, env=env)
    elif IN_CI:
        say("PostgreSQL is not reachable on 127.0.0.1:5432, and CI requires it")
        return 1
    else:
        say(
            "PostgreSQL is not reachable on 127.0.0.1:5432: its run is SKIPPED. "
            "Start PostgreSQL (or set COMPTOIR_TEST_POSTGRES_URL) to run it."
        )
    return 0 if status == 5 else status


def main() -> None:
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    sys.exit(commands[sys.argv[1]](sys.argv[2:]))


if __name__ == "__main__":
    main()
