"""docker-compose.yml validates with Debian's docker-compose v1 (no engine needed) and has the
stack the docs promise. No Airflow needed: runs in the main venv (`make test`, not -m airflow)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("profile", [None, "opensearch"])
def test_docker_compose_v1_validates(profile: str | None, tmp_path: Path) -> None:
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.skip("docker-compose (Debian package docker-compose) is not installed")
    args = [exe, "-f", str(COMPOSE)]
    if profile:
        args += ["--profile", profile]
    # A clean environment: the defaults in the file must be enough to validate.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    res = subprocess.run(
        [*args, "config", "-q"], capture_output=True, text=True, env=env, timeout=60
    )
    assert res.returncode == 0, res.stderr
    services = subprocess.run(
        [*args, "config", "--services"], capture_output=True, text=True, env=env, timeout=60
    ).stdout.split()
    expected = {
        "postgres", "redis", "elasticsearch", "kibana", "airflow-apiserver", "airflow-scheduler",
        "airflow-dag-processor", "airflow-worker", "airflow-triggerer", "airflow-init",
    }  # fmt: skip
    if profile == "opensearch":
        expected |= {"opensearch", "opensearch-dashboards"}
    assert expected <= set(services)


def test_no_keys_that_compose_v1_rejects() -> None:
    doc = _compose()
    assert "name" not in doc
    for name, svc in doc["services"].items():
        assert "start_interval" not in (svc.get("healthcheck") or {}), name
        deps = svc.get("depends_on") or {}
        if isinstance(deps, dict):
            for dep in deps.values():
                assert "required" not in (dep or {}), name


def test_stack_shape() -> None:
    services = _compose()["services"]
    for name in ("elasticsearch", "kibana", "opensearch", "opensearch-dashboards", "postgres"):
        assert "healthcheck" in services[name], name
    assert services["opensearch"]["profiles"] == ["opensearch"]
    assert any("es-data" in v for v in services["elasticsearch"]["volumes"])
    # The project is installed into the Airflow image through the Dockerfile.
    assert services["airflow-worker"]["build"]["dockerfile"] == "Dockerfile"
    assert (REPO / "Dockerfile").is_file()
    assert services["airflow-worker"]["command"] == "celery worker"
    assert services["airflow-worker"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    # Published ports stay on loopback: the defaults are development passwords.
    for name, svc in services.items():
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)
