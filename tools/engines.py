"""Real Elasticsearch / OpenSearch nodes on loopback, started from Maven Central artifacts.

Both projects publish the server they use for their own REST tests as a plain zip on Maven
Central (``*.distribution.integ-test-zip``): a complete server layout without a bundled JDK
and with only the transport module. This module fetches one with ``mvn``, unpacks it into a
git-ignored cache, adds the analysis modules a news index needs, and runs nodes on 127.0.0.1
with a small heap, temp data dirs and free ports.

- OpenSearch: the missing modules (analysis-common, lang-painless, reindex, percolator,
  mapper-extras, parent-join, geo) are published as jars on Maven Central; they are laid out
  as modules with the descriptor the real distribution carries.
- Elasticsearch: no module is published, so ``tools/es_arabic_plugin`` (the ``arabic``
  analyzer, ``arabic_normalization``/``arabic_stem``/``decimal_digit`` filters, ``mapping`` and
  ``pattern_replace`` char filters, each a thin wrapper over Lucene) is compiled with ``javac``
  against the distribution's own jars. Painless, reindex and percolator are absent there.

Library use::

    home = ensure_distribution("opensearch")
    node = start_node("opensearch", http_port=free_port(), transport_port=free_port(),
                      data_dir=None, cluster_name="t")
    node.wait_ready(120); ...; node.stop()

Command line: ``python -m tools.engines {fetch,start,stop,status,measure,versions} --kind K``.

Both servers refuse to run as root; as root the JVM runs as ``nobody`` through ``setpriv``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = REPO / ".cache" / "engines"
KINDS = ("elasticsearch", "opensearch")
_READY_MARKER = ".rasid-ready"
_DEP_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
_JVM_ROOT = Path("/usr/lib/jvm")
_RUN_AS = ("nobody", "nogroup")  # an account every Debian system has


class EngineError(RuntimeError):
    """Fetching, building or starting an engine failed; the message carries the evidence."""


@dataclass(frozen=True)
class EngineSpec:
    kind: str
    group: str
    artifact: str
    default_version: str
    env_prefix: str  # ES_* or OPENSEARCH_* environment variables of the launcher
    config_file: str

    def coords(self, version: str) -> str:
        return f"{self.group}:{self.artifact}:{version}:zip"

    def launcher(self, home: Path) -> Path:
        return home / "bin" / self.kind


# Newest versions that resolved *and* started here (see docs/engines.md): Elasticsearch 9.x
# has no integ-test-zip on Maven Central (the metadata stops at 8.19.21).
SPECS: dict[str, EngineSpec] = {
    "elasticsearch": EngineSpec(
        "elasticsearch",
        "org.elasticsearch.distribution.integ-test-zip",
        "elasticsearch",
        "8.19.21",
        "ES",
        "elasticsearch.yml",
    ),
    "opensearch": EngineSpec(
        "opensearch",
        "org.opensearch.distribution.integ-test-zip",
        "opensearch",
        "2.19.6",
        "OPENSEARCH",
        "opensearch.yml",
    ),
}


def spec(kind: str) -> EngineSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise EngineError(f"unknown engine kind {kind!r} (known: {', '.join(KINDS)})") from None


def default_version(kind: str) -> str:
    env = os.environ.get(f"RASID_{spec(kind).env_prefix}_VERSION")
    return env or spec(kind).default_version


def _major(version: str) -> int:
    return int(version.split(".", 1)[0])


# --- Java -----------------------------------------------------------------------------------


def min_java(kind: str, version: str) -> int:
    """Elasticsearch 9 and OpenSearch 3 need Java 21; the older lines run on 17."""
    if kind == "elasticsearch":
        return 21 if _major(version) >= 9 else 17
    return 21 if _major(version) >= 3 else 11


def _java_major(home: Path) -> int | None:
    release = home / "release"
    if not release.is_file():
        return None
    m = re.search(r'^JAVA_VERSION="(\d+)', release.read_text(errors="replace"), re.MULTILINE)
    return int(m.group(1)) if m else None


def find_java_home(minimum: int, *, need_javac: bool = False) -> Path:
    """The oldest installed JDK at or above ``minimum`` (the best-tested one for that line).

    ``RASID_ENGINE_JAVA_HOME`` overrides the search.
    """
    override = os.environ.get("RASID_ENGINE_JAVA_HOME")
    if override:
        return Path(override)
    found: dict[Path, int] = {}
    for home in sorted(_JVM_ROOT.glob("*")) if _JVM_ROOT.is_dir() else []:
        real = home.resolve()
        major = _java_major(real)
        if major is None or major < minimum or real in found:
            continue
        if not (real / "bin" / "java").exists() or (
            need_javac and not (real / "bin" / "javac").exists()
        ):
            continue
        found[real] = major
    if not found:
        raise EngineError(
            f"no JDK >= {minimum} under {_JVM_ROOT} (set RASID_ENGINE_JAVA_HOME to one)"
        )
    return min(found, key=lambda p: (found[p], str(p)))


# --- Maven ----------------------------------------------------------------------------------


def _mvn(args: Sequence[str], cwd: Path) -> None:
    mvn = shutil.which("mvn")
    if not mvn:
        raise EngineError("`mvn` is not on PATH (apt-get install maven)")
    # cwd is an empty dir or one with our own pom: never pick up someone else's pom.xml.
    proc = subprocess.run(
        [mvn, "-B", "-q", *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise EngineError(f"mvn {' '.join(args)} failed:\n{tail}")


def _mvn_copy(coords: str, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    _group, artifact, version, ext = coords.split(":")
    target = out_dir / f"{artifact}-{version}.{ext}"
    if not target.exists():
        with tempfile.TemporaryDirectory(prefix="rasid-mvn-") as tmp:
            _mvn(
                [f"{_DEP_PLUGIN}:copy", f"-Dartifact={coords}", f"-DoutputDirectory={out_dir}"],
                Path(tmp),
            )
    if not target.exists():
        raise EngineError(f"mvn reported success but {target} is missing")
    return target


def _pom(dependencies: str) -> str:
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>rasid.tools</groupId><artifactId>engine-fetch</artifactId><version>1</version>"
        f"<dependencies>{dependencies}</dependencies></project>"
    )


def available_versions(kind: str) -> list[str]:
    """Versions Maven Central lists for the kind's integ-test-zip (reads maven-metadata via mvn)."""
    s = spec(kind)
    dep = (
        f"<dependency><groupId>{s.group}</groupId><artifactId>{s.artifact}</artifactId>"
        "<version>[0,)</version><type>pom</type></dependency>"
    )
    with tempfile.TemporaryDirectory(prefix="rasid-mvn-") as tmp:
        Path(tmp, "pom.xml").write_text(_pom(dep))
        # Resolution itself may fail (a listed version without a pom); the metadata is what we want.
        with contextlib.suppress(EngineError):
            _mvn(["-U", f"{_DEP_PLUGIN}:resolve"], Path(tmp))
    local_repo = Path.home() / ".m2" / "repository"
    meta_dir = local_repo.joinpath(*s.group.split("."), s.artifact)
    versions: list[str] = []
    for meta in sorted(meta_dir.glob("maven-metadata-*.xml")):
        versions += re.findall(r"<version>([^<]+)</version>", meta.read_text())
    return sorted(set(versions), key=_version_key)


def _version_key(v: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.-]", v))


# --- unpacking and completing a distribution ----------------------------------------------


def _unzip(archive: Path, dest: Path) -> Path:
    """Unpack keeping the Unix modes (zipfile drops them; the launch scripts need +x)."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = zf.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(path, mode | (0o755 if info.is_dir() else 0o444))
        tops = {Path(n).parts[0] for n in zf.namelist() if n.strip("/")}
    if len(tops) != 1:
        raise EngineError(f"{archive} does not have one top-level folder: {sorted(tops)[:5]}")
    return dest / tops.pop()


# OpenSearch modules published as jars: folder -> (artifact, plugin class, extends, policy).
_PAINLESS_POLICY = """grant {
  // painless compiles scripts into classes of its own loader
  permission java.lang.RuntimePermission "createClassLoader";
  permission java.lang.RuntimePermission "getClassLoader";
};
"""
_REINDEX_POLICY = """grant {
  // reindex-from-remote opens HTTP connections
  permission java.net.SocketPermission "*", "connect";
};
"""
OPENSEARCH_MODULES: dict[str, tuple[str, str, str, str | None]] = {
    "lang-painless": (
        "lang-painless",
        "org.opensearch.painless.PainlessPlugin",
        "",
        _PAINLESS_POLICY,
    ),
    "analysis-common": (
        "analysis-common",
        "org.opensearch.analysis.common.CommonAnalysisPlugin",
        "lang-painless",
        None,
    ),
    "reindex": (
        "reindex-client",
        "org.opensearch.index.reindex.ReindexPlugin",
        "",
        _REINDEX_POLICY,
    ),
    "percolator": ("percolator-client", "org.opensearch.percolator.PercolatorPlugin", "", None),
    "mapper-extras": (
        "mapper-extras-client",
        "org.opensearch.index.mapper.MapperExtrasPlugin",
        "",
        None,
    ),
    "parent-join": ("parent-join-client", "org.opensearch.join.ParentJoinPlugin", "", None),
    "geo": ("geo", "org.opensearch.geo.GeoModulePlugin", "", None),
}


def _install_opensearch_modules(home: Path, version: str) -> None:
    lib_jars = {p.name for p in (home / "lib").glob("*.jar")}
    for folder, (artifact, classname, extends, policy) in OPENSEARCH_MODULES.items():
        mod_dir = home / "modules" / folder
        mod_dir.mkdir(parents=True, exist_ok=True)
        # The server artifact (and everything under it) is already in lib/: exclude it so only
        # the module's own jars land in its folder (a duplicate would trip the jar-hell check).
        dep = (
            f"<dependency><groupId>org.opensearch.plugin</groupId><artifactId>{artifact}</artifactId>"
            f"<version>{version}</version><exclusions><exclusion><groupId>org.opensearch</groupId>"
            "<artifactId>opensearch</artifactId></exclusion></exclusions></dependency>"
        )
        with tempfile.TemporaryDirectory(prefix="rasid-mvn-") as tmp:
            Path(tmp, "pom.xml").write_text(_pom(dep))
            out = Path(tmp, "jars")
            _mvn([f"{_DEP_PLUGIN}:copy-dependencies", f"-DoutputDirectory={out}"], Path(tmp))
            for jar in sorted(out.glob("*.jar")):
                if jar.name not in lib_jars:
                    shutil.copy2(jar, mod_dir / jar.name)
        descriptor = {
            "description": f"{folder} module (jars from Maven Central)",
            "version": version,
            "name": folder,
            "classname": classname,
            "java.version": "11",
            "opensearch.version": version,
            "custom.foldername": "",
            "extended.plugins": extends,
            "has.native.controller": "false",
        }
        _write_properties(mod_dir / "plugin-descriptor.properties", descriptor)
        if policy:
            (mod_dir / "plugin-security.policy").write_text(policy)


_ES_PLUGIN_SRC = Path(__file__).with_name("es_arabic_plugin") / "RasidArabicAnalysisPlugin.java"


def _install_es_arabic_plugin(home: Path, version: str) -> None:
    jdk = find_java_home(min_java("elasticsearch", version), need_javac=True)
    plugin_dir = home / "plugins" / "rasid-arabic-analysis"
    plugin_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rasid-javac-") as tmp:
        classes = Path(tmp, "classes")
        proc = subprocess.run(
            [
                str(jdk / "bin" / "javac"),
                "--release",
                "17",
                "-nowarn",
                "-cp",
                str(home / "lib" / "*"),
                "-d",
                str(classes),
                str(_ES_PLUGIN_SRC),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise EngineError(f"javac of {_ES_PLUGIN_SRC.name} failed:\n{proc.stderr[-3000:]}")
        with zipfile.ZipFile(plugin_dir / "rasid-arabic-analysis.jar", "w") as jar:
            jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n\n")
            for cls in sorted(classes.rglob("*.class")):
                jar.write(cls, cls.relative_to(classes).as_posix())
    _write_properties(
        plugin_dir / "plugin-descriptor.properties",
        {
            "description": "arabic analyzer, Arabic char/token filters, GET / (Lucene wrappers)",
            "version": "1.0.0",
            "name": "rasid-arabic-analysis",
            "classname": "rasid.analysis.RasidArabicAnalysisPlugin",
            "java.version": "17",
            "elasticsearch.version": version,
            "extended.plugins": "",
            "has.native.controller": "false",
        },
    )


def _write_properties(path: Path, values: dict[str, str]) -> None:
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _build_stamp(kind: str, version: str) -> str:
    """What the cached home was built from: a changed plugin source or module list rebuilds it."""
    recipe = (
        _ES_PLUGIN_SRC.read_bytes()
        if kind == "elasticsearch"
        else repr(OPENSEARCH_MODULES).encode()
    )
    return f"{version} {hashlib.sha1(recipe).hexdigest()[:12]}"


def _is_ready(home: Path, stamp: str) -> bool:
    marker = home / _READY_MARKER
    return marker.exists() and marker.read_text().strip() == stamp


def ensure_distribution(
    kind: str, version: str | None = None, cache_dir: Path = DEFAULT_CACHE
) -> Path:
    """Fetch, unpack and complete the distribution once; later calls return the cached home."""
    s = spec(kind)
    version = version or default_version(kind)
    cache_dir = Path(cache_dir).resolve()
    home = cache_dir / f"{kind}-{version}"
    stamp = _build_stamp(kind, version)
    if _is_ready(home, stamp):
        return home
    with _file_lock(cache_dir / f".{kind}-{version}.lock"):
        if _is_ready(home, stamp):  # another process finished while we waited
            return home
        archive = _mvn_copy(s.coords(version), cache_dir / "downloads")
        staging = Path(tempfile.mkdtemp(prefix=f".staging-{kind}-", dir=cache_dir))
        try:
            unpacked = _unzip(archive, staging)
            if kind == "opensearch":
                _install_opensearch_modules(unpacked, version)
            else:
                _install_es_arabic_plugin(unpacked, version)
            (unpacked / _READY_MARKER).write_text(stamp)
            if home.exists():
                shutil.rmtree(home)  # a half-built leftover without the marker
            unpacked.rename(home)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return home


def installed_components(home: Path) -> list[str]:
    """Module and plugin folders of a distribution (what `_cat/plugins` will list, plus core)."""
    return sorted(
        p.name for sub in ("modules", "plugins") for p in (home / sub).glob("*") if p.is_dir()
    )


# --- running nodes --------------------------------------------------------------------------


def free_port() -> int:
    """A port the kernel just handed out on 127.0.0.1 (free now; bind soon)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_root() -> bool:
    return os.geteuid() == 0


def _run_as_prefix() -> list[str]:
    if not _as_root():
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        raise EngineError("running as root needs `setpriv` (util-linux) to drop to nobody")
    user, group = _RUN_AS
    return [setpriv, f"--reuid={user}", f"--regid={group}", "--clear-groups"]


def _chown_tree(path: Path) -> None:
    if not _as_root():
        return
    user, group = _RUN_AS
    shutil.chown(path, user, group)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            with contextlib.suppress(FileNotFoundError):
                os.lchown(os.path.join(root, name), _uid(user), _gid(group))


def _uid(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_uid


def _gid(group: str) -> int:
    import grp

    return grp.getgrnam(group).gr_gid


def _runnable_home(home: Path, kind: str) -> Path:
    """The distribution where the unprivileged account can read it.

    A checkout under a private folder (e.g. /root) is not traversable by nobody; then the
    cached home is mirrored once under the system temp dir.
    """
    if not _as_root():
        return home
    launcher = spec(kind).launcher(home)
    probe = [*_run_as_prefix(), "test", "-x", str(launcher), "-a", "-r", str(home / "lib")]
    if subprocess.run(probe, check=False).returncode == 0:
        return home
    mirror = Path(tempfile.gettempdir()) / "rasid-engines" / home.name
    if not (mirror / _READY_MARKER).exists():
        with _file_lock(mirror.parent / f".{home.name}.lock"):
            if not (mirror / _READY_MARKER).exists():
                shutil.rmtree(mirror, ignore_errors=True)
                shutil.copytree(home, mirror, symlinks=True)
                mirror.parent.chmod(0o755)
    return mirror


def _yaml_scalar(value: Any) -> str:
    # JSON is valid YAML for these values (strings, numbers, booleans, lists of strings).
    return json.dumps(value, ensure_ascii=False)


@dataclass
class EngineNode:
    """One running node: a process group (the Elasticsearch CLI forks the server JVM)."""

    kind: str
    name: str
    home: Path
    base_dir: Path  # conf/, logs/, tmp/ (and data/ unless data_dir was given)
    data_dir: Path
    http_port: int
    transport_port: int
    pid: int
    env: dict[str, str] = field(default_factory=dict, repr=False)
    owns_base_dir: bool = True
    auth: tuple[str, str] | None = None  # basic-auth user when security is on
    started_at: float = 0.0
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def url_with_auth(self) -> str:
        """The URL with ``user:password@`` when security is on (httpx and both clients read it)."""
        if not self.auth:
            return self.url
        user, password = self.auth
        return f"http://{user}:{password}@127.0.0.1:{self.http_port}"

    @property
    def console_log(self) -> Path:
        return self.base_dir / "logs" / "console.log"

    def is_running(self) -> bool:
        if self._proc is not None:
            return self._proc.poll() is None
        return _pid_alive(self.pid)

    def wait_ready(
        self, timeout: float = 180.0, *, nodes: int = 1, status: str = "yellow"
    ) -> float:
        """Wait for ``status`` with ``nodes`` nodes; returns the seconds since launch."""
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        with httpx.Client(timeout=5.0, auth=self.auth) as client:
            while time.monotonic() < deadline:
                if not self.is_running():
                    raise EngineError(
                        f"{self.kind} node {self.name} exited during start-up "
                        f"(code {self._returncode()}); log tail:\n{self.log_tail()}"
                    )
                try:
                    r = client.get(
                        f"{self.url}/_cluster/health",
                        params={
                            "wait_for_status": status,
                            "wait_for_nodes": f">={nodes}",
                            "timeout": "1s",
                        },
                    )
                    body = r.json()
                    last = f"HTTP {r.status_code}: {body}"
                    if r.status_code == 200 and not body.get("timed_out"):
                        return time.monotonic() - self.started_at
                except (httpx.HTTPError, ValueError) as exc:
                    last = repr(exc)
                time.sleep(0.25)
        raise EngineError(
            f"{self.kind} node {self.name} not {status} within {timeout:.0f}s ({last}); "
            f"log tail:\n{self.log_tail()}"
        )

    def _returncode(self) -> int | None:
        return self._proc.poll() if self._proc is not None else None

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful shutdown (SIGTERM to the group), SIGKILL after ``timeout``."""
        if self.is_running():
            self._signal_group(signal.SIGTERM)
            if not self._wait_exit(timeout):
                self._signal_group(signal.SIGKILL)
                self._wait_exit(10.0)
        self._signal_group(signal.SIGKILL)  # a forked JVM left behind by its launcher
        self._reap()

    def kill(self) -> None:
        """Crash the node: SIGKILL to every process of the group, no shutdown hooks."""
        self._signal_group(signal.SIGKILL)
        self._wait_exit(10.0)
        self._reap()

    def _wait_exit(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.is_running() and not _group_alive(self.pid):
                return True
            time.sleep(0.1)
        return False

    def _reap(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=5)

    def restart(self, timeout: float = 180.0) -> float:
        """Start the same node again (same ports, config and data); returns start seconds."""
        if self.is_running():
            self.stop()
        self._launch()
        return self.wait_ready(timeout)

    def _launch(self) -> None:
        cmd = [*_run_as_prefix(), str(spec(self.kind).launcher(self.home))]
        log = self.console_log.open("ab")
        try:
            self._proc = subprocess.Popen(
                cmd,
                cwd=self.base_dir,  # relative paths in jvm.options (gc log, heap dumps) land here
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: stop/kill reach the forked JVM
            )
        finally:
            log.close()
        self.pid = self._proc.pid
        self.started_at = time.monotonic()

    def processes(self) -> list[int]:
        return _group_pids(self.pid)

    def rss_bytes(self) -> int:
        """Resident memory of every process of the node (launcher + server JVM)."""
        return sum(_rss(pid) for pid in self.processes())

    def server_rss_bytes(self) -> int:
        """Resident memory of the largest process: the server JVM itself."""
        return max((_rss(pid) for pid in self.processes()), default=0)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.console_log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no console log)"
        return "\n".join(text.splitlines()[-lines:])

    def cleanup(self) -> None:
        """Stop and delete the temp dirs this node created."""
        self.stop()
        if self.owns_base_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def to_state(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "home": str(self.home),
            "base_dir": str(self.base_dir),
            "data_dir": str(self.data_dir),
            "http_port": self.http_port,
            "transport_port": self.transport_port,
            "pid": self.pid,
            "owns_base_dir": self.owns_base_dir,
            "auth": list(self.auth) if self.auth else None,
        }

    @classmethod
    def from_state(cls, d: dict[str, Any]) -> EngineNode:
        return cls(
            kind=d["kind"],
            name=d["name"],
            home=Path(d["home"]),
            base_dir=Path(d["base_dir"]),
            data_dir=Path(d["data_dir"]),
            http_port=int(d["http_port"]),
            transport_port=int(d["transport_port"]),
            pid=int(d["pid"]),
            owns_base_dir=bool(d.get("owns_base_dir", True)),
            auth=tuple(d["auth"]) if d.get("auth") else None,  # type: ignore[arg-type]
        )


def _pid_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError, PermissionError):
            continue
        # fields: state ppid pgrp ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(stat_file.parent.name))
    return pids


def _group_alive(pgid: int) -> bool:
    return bool(_group_pids(pgid))


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except FileNotFoundError:
        pass
    return 0


def node_settings(
    kind: str,
    *,
    node_name: str,
    cluster_name: str,
    http_port: int,
    transport_port: int,
    data_dir: Path,
    logs_dir: Path,
    seed_hosts: Sequence[str] | None = None,
    initial_masters: Sequence[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The node's yml settings (pure: no I/O)."""
    settings: dict[str, Any] = {
        "cluster.name": cluster_name,
        "node.name": node_name,
        "path.data": str(data_dir),
        "path.logs": str(logs_dir),
        "network.host": "127.0.0.1",
        "http.port": http_port,
        "transport.port": transport_port,
        # Disks here can be nearly full; the watermarks would make every index read-only.
        "cluster.routing.allocation.disk.threshold_enabled": False,
        # Tests clean up with wildcards.
        "action.destructive_requires_name": False,
    }
    if kind == "elasticsearch":
        settings["xpack.security.enabled"] = False
    if seed_hosts:
        settings["discovery.seed_hosts"] = list(seed_hosts)
        masters_key = (
            "cluster.initial_master_nodes"
            if kind == "elasticsearch"
            else "cluster.initial_cluster_manager_nodes"
        )
        settings[masters_key] = list(initial_masters or [node_name])
    else:
        settings["discovery.type"] = "single-node"
    settings.update(extra or {})
    return settings


_JVM_PATH_OPTION = re.compile(r"(file=|-XX:ErrorFile=|-XX:HeapDumpPath=)([^:\s]+)")


def _pin_jvm_paths(jvm_options: Path, logs: Path, tmp: Path) -> None:
    """Point relative GC-log, error-file and heap-dump paths into the node's own dirs.

    OpenSearch's launcher resolves them against the read-only (possibly shared) home.
    """

    def absolute(m: re.Match[str]) -> str:
        key, value = m.group(1), m.group(2)
        if value.startswith("/"):
            return m.group(0)
        target = tmp if key.endswith("HeapDumpPath=") else logs
        return f"{key}{target / Path(value).name}"

    text = jvm_options.read_text(encoding="utf-8")
    lines = [
        ln if ln.lstrip().startswith("#") else _JVM_PATH_OPTION.sub(absolute, ln)
        for ln in text.splitlines()
    ]
    jvm_options.write_text("\n".join(lines) + "\n", encoding="utf-8")


def start_node(
    kind: str,
    *,
    http_port: int | None = None,
    transport_port: int | None = None,
    data_dir: Path | None = None,
    cluster_name: str = "rasid-test",
    heap: str = "512m",
    seed_hosts: Sequence[str] | None = None,
    initial_masters: Sequence[str] | None = None,
    node_name: str | None = None,
    version: str | None = None,
    cache_dir: Path = DEFAULT_CACHE,
    base_dir: Path | None = None,
    extra_settings: dict[str, Any] | None = None,
    java_opts: str = "",
    security_user: tuple[str, str] | None = None,
) -> EngineNode:
    """Launch one node (does not wait: call ``wait_ready``). Ports default to free ones.

    Without ``seed_hosts`` the node is a single-node cluster. ``data_dir`` may be reused to
    restart a node on its old data; otherwise a temp dir under ``base_dir`` is used.
    ``security_user`` (Elasticsearch only) turns security on over plain HTTP with one
    superuser in the file realm, so authentication failures can be tested for real.
    """
    s = spec(kind)
    version = version or default_version(kind)
    home = _runnable_home(ensure_distribution(kind, version, cache_dir), kind)
    http_port = http_port or free_port()
    transport_port = transport_port or free_port()
    node_name = node_name or f"{kind[:2]}-{http_port}"
    owns = base_dir is None
    base = Path(base_dir) if base_dir else Path(tempfile.mkdtemp(prefix=f"rasid-{kind}-"))
    conf, logs, tmp = base / "conf", base / "logs", base / "tmp"
    data = Path(data_dir) if data_dir else base / "data"
    for d in (logs, tmp, data):
        d.mkdir(parents=True, exist_ok=True)
    if conf.exists():
        shutil.rmtree(conf)
    shutil.copytree(home / "config", conf)
    _pin_jvm_paths(conf / "jvm.options", logs, tmp)
    settings = node_settings(
        kind,
        node_name=node_name,
        cluster_name=cluster_name,
        http_port=http_port,
        transport_port=transport_port,
        data_dir=data,
        logs_dir=logs,
        seed_hosts=seed_hosts,
        initial_masters=initial_masters,
        extra=extra_settings,
    )
    if security_user:
        if kind != "elasticsearch":
            raise EngineError(
                "security_user needs Elasticsearch (the OpenSearch zip has no security plugin)"
            )
        settings["xpack.security.enabled"] = True
    (conf / s.config_file).write_text(
        "".join(f"{k}: {_yaml_scalar(v)}\n" for k, v in settings.items()), encoding="utf-8"
    )
    base.chmod(0o755)
    _chown_tree(base)
    if data_dir:
        _chown_tree(data)
    java_home = find_java_home(min_java(kind, version))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(base),
        "LANG": "C.UTF-8",
        f"{s.env_prefix}_JAVA_HOME": str(java_home),
        f"{s.env_prefix}_PATH_CONF": str(conf),
        f"{s.env_prefix}_TMPDIR": str(tmp),
        f"{s.env_prefix}_JAVA_OPTS": f"-Xms{heap} -Xmx{heap} {java_opts}".strip(),
    }
    if security_user:
        _add_file_realm_user(home, env, base, *security_user)
    node = EngineNode(
        kind=kind,
        name=node_name,
        home=home,
        base_dir=base,
        data_dir=data,
        http_port=http_port,
        transport_port=transport_port,
        pid=0,
        env=env,
        owns_base_dir=owns,
        auth=security_user,
    )
    node._launch()
    return node


def _add_file_realm_user(
    home: Path, env: dict[str, str], cwd: Path, user: str, password: str
) -> None:
    """``elasticsearch-users useradd`` into the node's own config dir (a superuser)."""
    tool = home / "bin" / "elasticsearch-users"
    cmd = [*_run_as_prefix(), str(tool), "useradd", user, "-p", password, "-r", "superuser"]
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise EngineError(f"elasticsearch-users useradd failed: {proc.stdout}{proc.stderr}")


def start_cluster(
    kind: str,
    n: int = 3,
    *,
    cluster_name: str = "rasid-cluster",
    heap: str = "512m",
    version: str | None = None,
    cache_dir: Path = DEFAULT_CACHE,
    wait: bool = True,
    timeout: float = 300.0,
) -> list[EngineNode]:
    """``n`` master-eligible data nodes on loopback, each with its own ports and data dir."""
    ensure_distribution(kind, version, cache_dir)  # once, before n processes race for it
    transports = [free_port() for _ in range(n)]
    https = [free_port() for _ in range(n)]
    names = [f"{kind[:2]}-node-{i}" for i in range(n)]
    seeds = [f"127.0.0.1:{p}" for p in transports]
    nodes: list[EngineNode] = []
    try:
        for i in range(n):
            nodes.append(
                start_node(
                    kind,
                    http_port=https[i],
                    transport_port=transports[i],
                    cluster_name=cluster_name,
                    heap=heap,
                    seed_hosts=seeds,
                    initial_masters=names,
                    node_name=names[i],
                    version=version,
                    cache_dir=cache_dir,
                )
            )
        if wait:
            for node in nodes:
                node.wait_ready(timeout, nodes=n)
    except BaseException:
        for node in nodes:
            node.cleanup()
        raise
    return nodes


# --- command line ---------------------------------------------------------------------------


def _state_file(kind: str, cache_dir: Path) -> Path:
    return Path(cache_dir) / "run" / f"{kind}.json"


def _cmd_fetch(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    home = ensure_distribution(args.kind, args.version, args.cache_dir)
    print(f"{home}  ({time.monotonic() - t0:.1f}s)")
    print("components: " + ", ".join(installed_components(home)))
    return 0


def _cmd_start(args: argparse.Namespace) -> int:
    state = _state_file(args.kind, args.cache_dir)
    if state.exists():
        print(f"already started (see {state}); stop it first", file=sys.stderr)
        return 1
    if args.nodes > 1:
        nodes = start_cluster(
            args.kind, args.nodes, heap=args.heap, version=args.version, cache_dir=args.cache_dir
        )
    else:
        node = start_node(
            args.kind,
            http_port=args.http_port,
            heap=args.heap,
            version=args.version,
            cache_dir=args.cache_dir,
            data_dir=args.data_dir,
        )
        try:
            node.wait_ready(args.timeout)
        except EngineError:
            node.cleanup()
            raise
        nodes = [node]
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps([n.to_state() for n in nodes], indent=2))
    for n in nodes:
        print(f"{n.name} {n.url} pid={n.pid} dir={n.base_dir}")
    return 0


def _load_state(kind: str, cache_dir: Path) -> list[EngineNode]:
    state = _state_file(kind, cache_dir)
    if not state.exists():
        return []
    return [EngineNode.from_state(d) for d in json.loads(state.read_text())]


def _cmd_stop(args: argparse.Namespace) -> int:
    nodes = _load_state(args.kind, args.cache_dir)
    for node in nodes:
        node.cleanup() if not args.keep else node.stop()
        print(f"stopped {node.name} (pid {node.pid})")
    _state_file(args.kind, args.cache_dir).unlink(missing_ok=True)
    if not nodes:
        print(f"no {args.kind} started by this tool")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    nodes = _load_state(args.kind, args.cache_dir)
    if not nodes:
        print(f"{args.kind}: not started")
        return 1
    ok = True
    for node in nodes:
        health = "down"
        if node.is_running():
            try:
                health = httpx.get(f"{node.url}/_cluster/health", timeout=5).json()["status"]
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                health = f"unreachable ({exc})"
        ok &= health in ("green", "yellow")
        rss = node.rss_bytes() / 2**20
        print(f"{node.name} {node.url} pid={node.pid} health={health} rss={rss:.0f}MiB")
    return 0 if ok else 1


def measure(kind: str, *, heap: str = "512m", version: str | None = None) -> dict[str, Any]:
    """Start a fresh single node, time it to yellow, read its memory, stop it."""
    ensure_distribution(kind, version)
    t0 = time.monotonic()
    node = start_node(kind, heap=heap, version=version)
    try:
        ready = node.wait_ready(300)
        time.sleep(2)  # let start-up allocations settle before reading RSS
        return {
            "kind": kind,
            "version": version or default_version(kind),
            "heap": heap,
            "start_to_yellow_s": round(ready, 1),
            "wall_s": round(time.monotonic() - t0, 1),
            "rss_mib_total": round(node.rss_bytes() / 2**20),
            "rss_mib_server_jvm": round(node.server_rss_bytes() / 2**20),
            "processes": len(node.processes()),
        }
    finally:
        node.cleanup()


def _cmd_measure(args: argparse.Namespace) -> int:
    print(json.dumps(measure(args.kind, heap=args.heap, version=args.version)))
    return 0


def _cmd_versions(args: argparse.Namespace) -> int:
    print(" ".join(available_versions(args.kind)))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.engines", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "command", choices=["fetch", "start", "stop", "status", "measure", "versions"]
    )
    parser.add_argument("--kind", choices=KINDS, default="elasticsearch")
    parser.add_argument("--version", default=None)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--http-port", type=int, default=None)
    parser.add_argument("--heap", default="512m")
    parser.add_argument("--nodes", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--keep", action="store_true", help="stop: keep the node's temp dirs")
    args = parser.parse_args(argv)
    handlers = {
        "fetch": _cmd_fetch,
        "start": _cmd_start,
        "stop": _cmd_stop,
        "status": _cmd_status,
        "measure": _cmd_measure,
        "versions": _cmd_versions,
    }
    try:
        return handlers[args.command](args)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
