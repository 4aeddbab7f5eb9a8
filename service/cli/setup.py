"""`rectify init` and `rectify serve`: make the store ready, then hand over to gunicorn."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from urllib.parse import urlsplit

from service.cli.common import TOKEN_HINT, CommandError
from service.config import initialise_store, load_settings
from service.stores import sqlite_path


def init(args: argparse.Namespace) -> int:
    """Create the store's tables (and the SQLite file, in WAL mode)."""
    settings = load_settings()
    initialise_store(settings)
    print(f"store: {describe_store(settings['RECTIFY_DATABASE_URL'])}")
    print(f"tables ready; add a first user with: {TOKEN_HINT}")
    return 0


def serve(args: argparse.Namespace) -> int:
    """Initialise the store, then become gunicorn (its master gets the signals from here on)."""
    host, port = split_bind(args.bind)
    settings = load_settings()
    initialise_store(settings)  # before the fork: workers must find the tables and the WAL file ready
    url = f"http://{host}:{port}"
    print(f"store: {describe_store(settings['RECTIFY_DATABASE_URL'])}")
    print(f"serving {url} with {args.workers} workers; API docs at {url}/api/v1/docs")
    print(f"get a token with: {TOKEN_HINT}", flush=True)
    sys.stderr.flush()
    command = gunicorn_command(args.bind, args.workers)
    os.environ["WEB_CONCURRENCY"] = str(args.workers)  # each worker's share of the rate limits counts on it
    # One key for every worker, so a console session signed by one is read by the others (until a restart).
    if not os.environ.get("RECTIFY_SECRET_KEY", "").strip():
        os.environ["RECTIFY_SECRET_KEY"] = secrets.token_urlsafe(32)
    os.execv(command[0], command)
    return 0  # not reached: execv replaces this process


def gunicorn_command(bind: str, workers: int) -> list[str]:
    """The gunicorn command line; never `--preload`, so each worker builds its own application."""
    config = "python:service.gunicorn_conf"
    return [sys.executable, "-m", "gunicorn", "--config", config, "--bind", bind, "--workers", str(workers), "wsgi:app"]


def split_bind(bind: str) -> tuple[str, int]:
    """HOST and PORT of a `HOST:PORT` bind address."""
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"--bind must look like HOST:PORT (e.g. 127.0.0.1:8000), not {bind!r}")
    return host, int(port)


def describe_store(url: str) -> str:
    """The store URL as it is safe to print: the password hidden, a SQLite file's full path shown."""
    if url.startswith("sqlite:"):
        return f"{url} ({sqlite_path(url).resolve()})"
    parts = urlsplit(url)
    if parts.password:
        url = url.replace(f":{parts.password}@", ":***@", 1)
    return url
