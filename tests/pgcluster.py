"""A throw-away PostgreSQL cluster for the tests: Debian's initdb and pg_ctl, on 127.0.0.1.

``start_cluster()`` makes a data folder, initialises it with a password (SCRAM) for the user
``carbonest``, starts the server on a free port of 127.0.0.1 (its Unix socket in the data
folder, so nothing system-wide is touched) and returns a :class:`Cluster`; ``stop()`` stops
it and removes the folder. initdb refuses to run as root: as root the programs run as the
``postgres`` system user (Debian's server package creates it), who owns the data folder.

``Cluster.fresh_url()`` gives a URL whose ``search_path`` is a new, empty schema: each test
gets a store of its own in one cluster (a schema costs milliseconds, a database much more).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from urllib.parse import quote

USER = "carbonest"


def find_bindir() -> str | None:
    """The newest ``/usr/lib/postgresql/N/bin`` that has initdb and pg_ctl, if any."""
    found = [d for d in glob.glob("/usr/lib/postgresql/*/bin")
             if os.access(os.path.join(d, "initdb"), os.X_OK) and os.access(os.path.join(d, "pg_ctl"), os.X_OK)]
    found.sort(key=lambda d: int(d.split("/")[-2]) if d.split("/")[-2].isdigit() else 0)
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A running server. ``url`` names its ``postgres`` database with the password in it."""

    bindir: str
    root: str
    port: int
    password: str
    run_as: str | None
    url: str = ""
    _schemas: int = field(default=0)

    def _run(self, args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
        cmd = ["runuser", "-u", self.run_as, "--", *args] if self.run_as else args
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False, **kw)  # type: ignore[call-overload]

    def fresh_url(self) -> str:
        """A URL whose tables go to a new, empty schema (``options=-csearch_path=...``)."""
        import psycopg

        self._schemas += 1
        schema = f"t{os.getpid()}_{self._schemas}_{secrets.token_hex(3)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return f"{self.url}?options=" + quote(f"-csearch_path={schema}", safe="")

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        self._run([os.path.join(self.bindir, "pg_ctl"), "-D", os.path.join(self.root, "data"),
                   "-m", "fast", "-w", "-t", "30", "stop"])
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster:
    """Initialise and start a cluster (a few seconds). Raises RuntimeError saying why not."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("no /usr/lib/postgresql/*/bin with initdb and pg_ctl")
    run_as = None
    if os.geteuid() == 0:
        try:
            entry = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise RuntimeError("running as root and there is no 'postgres' user for initdb") from exc
        run_as = entry.pw_name
    root = tempfile.mkdtemp(prefix="carbonest-pg-")
    password = secrets.token_urlsafe(12)
    cluster = Cluster(bindir, root, 0, password, run_as)
    try:
        if run_as is not None:
            entry = pwd.getpwnam(run_as)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        pwfile = os.path.join(root, "pw")
        with open(pwfile, "w", encoding="utf-8") as fh:
            fh.write(password + "\n")
        if run_as is not None:
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        init = cluster._run([os.path.join(bindir, "initdb"), "-D", os.path.join(root, "data"), "-U", USER,
                             "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync",
                             "--locale=C"])
        os.remove(pwfile)
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
        for _attempt in range(5):
            port = _free_port()
            opts = (f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
            started = cluster._run([os.path.join(bindir, "pg_ctl"), "-D", os.path.join(root, "data"), "-o", opts,
                                    "-l", os.path.join(root, "log"), "-w", "-t", "60", "start"])
            if started.returncode == 0:
                cluster.port = port
                cluster.url = f"postgresql://{USER}:{quote(password, safe='')}@127.0.0.1:{port}/postgres"
                _wait_ready(cluster.url)
                return cluster
            time.sleep(0.2)  # the port was taken meanwhile: another one
        log = open(os.path.join(root, "log"), encoding="utf-8", errors="replace").read()[-2000:]
        raise RuntimeError(f"pg_ctl start failed: {log}")
    except BaseException:
        cluster.stop()
        raise


def _wait_ready(url: str, timeout_s: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with psycopg.connect(url, connect_timeout=5):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
