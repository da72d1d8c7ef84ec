"""Airflow test environment. Run with .venv-airflow's python: `.venv-airflow/bin/pytest -m airflow`.

Airflow reads AIRFLOW_HOME and its config when first imported, so the environment is set here,
at conftest import, before any test module can import it. The metadata DB is SQLite in a
temporary AIRFLOW_HOME, reset once per session; a migrated copy is kept for the tests that start
Airflow processes of their own (so they need not migrate again).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"

_HOME = Path(tempfile.mkdtemp(prefix="rasid-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
os.environ["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "False"
# Retry quickly in tests: dag.test() waits out retry delays in its loop.
os.environ["AIRFLOW_VAR_RASID_RETRY_DELAY_SECONDS"] = "1"
os.environ["AIRFLOW_VAR_RASID_TASK_RETRIES"] = "1"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_HOME, ignore_errors=True)


def airflow_bin() -> Path:
    """The `airflow` script of the interpreter running the tests (.venv-airflow)."""
    return Path(sys.executable).parent / "airflow"


@pytest.fixture(scope="session")
def airflow_home() -> Path:
    return _HOME


@pytest.fixture(scope="session")
def airflow_db(airflow_home: Path) -> Path:
    """A fresh metadata DB with the rasid_feeds pool; returns a pristine copy's path."""
    pytest.importorskip("airflow", reason="Airflow is installed in .venv-airflow only")
    from airflow.models.pool import Pool
    from airflow.utils import db

    from rasid import airflow_support as af

    db.resetdb()
    Pool.create_or_update_pool(
        af.POOL, af.POOL_SLOTS, "Rasid: concurrent feed polls/batches", include_deferred=False
    )
    pristine = airflow_home / "pristine-airflow.db"
    copy_sqlite(airflow_home / "airflow.db", pristine)
    return pristine


def copy_sqlite(src: Path, dst: Path) -> None:
    """Copy a live SQLite DB, WAL included (a plain file copy would miss the -wal part)."""
    import sqlite3

    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


@pytest.fixture(scope="session")
def airflow_exe() -> Path:
    return airflow_bin()


@pytest.fixture
def airflow_process_env(airflow_db: Path) -> Any:
    """Factory: the environment of an Airflow process with its own AIRFLOW_HOME and a copy of
    the migrated DB (so separate processes never contend for one SQLite metadata DB)."""

    def make(home: Path) -> dict[str, str]:
        home.mkdir(parents=True, exist_ok=True)
        copy_sqlite(airflow_db, home / "airflow.db")
        return {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        }

    return make


@pytest.fixture
def airflow_stack(airflow_db: Path, tmp_path: Path) -> Iterator[Any]:
    """Factory for a real Airflow (see AirflowStack); whatever it started is stopped after."""
    stacks: list[AirflowStack] = []

    def make(extra_env: dict[str, str]) -> AirflowStack:
        stack = AirflowStack(tmp_path / f"airflow{len(stacks)}", airflow_db, extra_env)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()


@pytest.fixture(scope="session")
def dagbag() -> Any:
    pytest.importorskip("airflow", reason="Airflow is installed in .venv-airflow only")
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


@pytest.fixture(scope="session")
def corpus() -> Iterator[Any]:
    """The demo corpus served from 127.0.0.1 for the whole session."""
    server_mod = pytest.importorskip("demo.server", reason="demo.server is not there yet")
    with server_mod.serve_corpus(port=0) as server:
        yield server


RULES_YAML = """\
timezone: UTC
channels:
  - id: file
    type: jsonl
    path: {alerts_jsonl}
rules:
  - id: tripoli
    keywords: [طرابلس]
  - id: haftar
    keywords: [حفتر]
"""


def write_rasid_config(root: Path, feeds_yaml: Path) -> dict[str, Path]:
    """A config/rasid.yaml whose every path is absolute under ``root`` (workers' cwd varies)."""
    root.mkdir(parents=True, exist_ok=True)
    paths = {
        "config": root / "rasid.yaml",
        "rules": root / "alerts.yaml",
        "store": root / "rasid.db",
        "alerts_jsonl": root / "alerts.jsonl",
        "feeds": feeds_yaml,
    }
    paths["rules"].write_text(
        RULES_YAML.format(alerts_jsonl=paths["alerts_jsonl"]), encoding="utf-8"
    )
    paths["config"].write_text(
        "\n".join(
            [
                f"feeds_file: {feeds_yaml}",
                f"rules_file: {paths['rules']}",
                "store: sqlite:///" + str(root / "unused-by-airflow.db"),  # the Connection wins
                "allow_private_networks: true  # the corpus is served from 127.0.0.1",
                "workers: 4",
                f"outbox: {root / 'outbox.db'}",
                f"spool_dir: {root / 'spool'}",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return paths


def rasid_env(paths: dict[str, Path]) -> dict[str, str]:
    """Environment that points the DAGs at ``paths``: a Variable for the config file and the
    ``rasid_search`` Connection (embedded store), as an operator would set them."""
    conn = {"conn_type": "sqlite", "host": str(paths["store"])}
    return {
        "AIRFLOW_VAR_RASID_CONFIG": str(paths["config"]),
        "AIRFLOW_CONN_RASID_SEARCH": json.dumps(conn),
        "RASID_ALLOW_PRIVATE_NETWORKS": "1",
    }


@pytest.fixture
def rasid_setup(tmp_path: Path, corpus: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Per-test Rasid config + store, served corpus, env applied to this process."""
    from demo.server import write_feeds_yaml

    feeds = tmp_path / "feeds.yaml"
    write_feeds_yaml(feeds, corpus.base_url)
    paths = write_rasid_config(tmp_path / "rasid", feeds)
    for key, value in rasid_env(paths).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("RASID_STORE_URL", raising=False)
    monkeypatch.delenv("RASID_FEEDS", raising=False)
    monkeypatch.delenv("RASID_RULES", raising=False)
    monkeypatch.delenv("RASID_OUTBOX", raising=False)
    return paths


# --- a real Airflow, one process per component ---------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AirflowStack:
    """api-server, scheduler, dag-processor and triggerer on SQLite + LocalExecutor, each its own
    process (so each can be stopped by its pid), all logging to files under ``home``."""

    def __init__(self, home: Path, pristine_db: Path, extra_env: dict[str, str]) -> None:
        import secrets

        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        copy_sqlite(pristine_db, home / "airflow.db")  # migrated, pool created: no migrate
        self.port = free_port()
        self.env = {
            **os.environ,
            **extra_env,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{self.port}",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            # Log servers on free ports: another Airflow on this machine must not collide.
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        }
        self.procs: dict[str, Any] = {}
        self.api_ready_s: float | None = None

    def _spawn(self, name: str, *args: str) -> None:
        import subprocess

        log = open(self.home / f"{name}.log", "wb")  # noqa: SIM115 - the child keeps its own fd
        self.procs[name] = subprocess.Popen(
            [str(airflow_bin()), name, *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.home,
        )
        log.close()

    def start(self, api_timeout: float = 120) -> None:
        """api-server and dag-processor first; scheduler and triggerer once the api-server
        answers, since tasks report to its Execution API (started earlier, the first tasks
        fail with "connection refused" and only their retry succeeds)."""
        import time
        import urllib.error
        import urllib.request

        t0 = time.monotonic()
        self._spawn("api-server", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1")
        self._spawn("dag-processor")
        url = f"http://127.0.0.1:{self.port}/api/v2/version"
        while time.monotonic() - t0 < api_timeout:
            if self.procs["api-server"].poll() is not None:
                raise RuntimeError("api-server exited:\n" + self.tail("api-server"))
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except urllib.error.HTTPError:  # answering at all is what matters here
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError(
                f"api-server not ready in {api_timeout}s:\n" + self.tail("api-server")
            )
        self.api_ready_s = time.monotonic() - t0
        self._spawn("scheduler")
        self._spawn("triggerer")

    def alive(self) -> dict[str, bool]:
        return {name: p.poll() is None for name, p in self.procs.items()}

    # The api-server goes last: a task the scheduler's LocalExecutor is still running reports
    # its end to the api-server's Execution API (stopped first, the task retries into the void).
    STOP_ORDER = (("scheduler", "triggerer", "dag-processor"), ("api-server",))

    def stop(self, grace: float = 20, timeout: float = 20) -> list[str]:
        """SIGTERM each component by its pid, group by group (STOP_ORDER), waiting for each
        group. A scheduler whose LocalExecutor still runs a task waits for it ("Signal again if
        you don't want to wait"): after ``grace`` seconds a component still up gets a second
        SIGTERM, and so do its remaining children. After ``timeout`` more, SIGKILL exactly the
        pids still there and return them (pid and command line): the test expects none."""
        import psutil

        survivors: list[str] = []
        for group in self.STOP_ORDER:
            popens = [p for n in group if (p := self.procs.get(n)) is not None and p.poll() is None]
            family: list[psutil.Process] = []
            for popen in popens:
                with contextlib.suppress(psutil.NoSuchProcess):
                    proc = psutil.Process(popen.pid)
                    family.extend([proc, *proc.children(recursive=True)])
                popen.terminate()
            _, alive = psutil.wait_procs(family, timeout=grace)
            for proc in reversed(alive):  # deepest first, the component last
                with contextlib.suppress(psutil.NoSuchProcess):
                    proc.terminate()
            _, alive = psutil.wait_procs(alive, timeout=timeout)
            for proc in alive:
                with contextlib.suppress(psutil.NoSuchProcess):
                    survivors.append(f"{proc.pid} {' '.join(proc.cmdline())[:120]}")
                    proc.kill()
            psutil.wait_procs(alive, timeout=5)
            for popen in popens:
                popen.wait(timeout=5)
        return survivors

    def tail(self, name: str, lines: int = 40) -> str:
        path = self.home / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def dag_runs(self) -> list[tuple[str, str, str, str | None, str | None]]:
        """(dag_id, run_type, state, start_date, end_date) straight from the metadata DB."""
        import sqlite3

        db = sqlite3.connect(f"file:{self.home / 'airflow.db'}?mode=ro", uri=True, timeout=10)
        try:
            return db.execute(
                "SELECT dag_id, run_type, state, start_date, end_date FROM dag_run ORDER BY id"
            ).fetchall()
        except sqlite3.OperationalError:  # locked for a moment by a writer
            return []
        finally:
            db.close()
