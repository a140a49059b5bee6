"""Install what a fresh Debian 12 machine lacks, resolve Kafka, sync the Python env."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from devtool import procs
from devtool.config import DEV, KAFKA_CLASSPATH, KAFKA_INFRA, LOGS, REPO
from devtool.errors import DevError

# (a file that proves it is installed, the Debian package that provides it)
APT_REQUIREMENTS = (
    ("java", "openjdk-17-jre-headless"),
    ("mvn", "maven"),
    ("/usr/bin/redis-server", "redis-server"),
    ("/usr/lib/postgresql/15/bin/postgres", "postgresql"),
    ("/usr/bin/chromium", "chromium"),
    # Chinese glyphs for the browser tests' screenshots (otherwise empty boxes)
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "fonts-noto-cjk"),
    ("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf", "fonts-noto-color-emoji"),
    # the HTTP load generator of the benchmarks (bench/)
    ("wrk", "wrk"),
    # metrics history and alert rules for `make up`; promtool checks metrics and rules in tests
    ("/usr/bin/prometheus", "prometheus"),
    # the load balancer in front of two gateway copies in the cluster tests (tests/cluster/)
    ("/usr/sbin/haproxy", "haproxy"),
)
APT_LISTS = Path("/var/lib/apt/lists")
APT_LISTS_MAX_AGE = 24 * 3600


def _present(probe: str) -> bool:
    return Path(probe).exists() if probe.startswith("/") else shutil.which(probe) is not None


def missing_apt_packages(probes: tuple[tuple[str, str], ...] = APT_REQUIREMENTS) -> list[str]:
    """Debian packages whose files are missing on this machine."""
    return [package for probe, package in probes if not _present(probe)]


def _root_prefix() -> list[str]:
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo"):
        return ["sudo", "-n"]
    raise DevError("installing system packages needs root: rerun as root or install sudo")


def _apt_lists_fresh() -> bool:
    lists = list(APT_LISTS.glob("*_Packages*"))
    if not lists:
        return False
    newest = max(path.stat().st_mtime for path in lists)
    return time.time() - newest < APT_LISTS_MAX_AGE


def _apt(args: list[str], what: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    procs.run([*_root_prefix(), "apt-get", *args], what=what, env=env, capture=False)


def apt_install(packages: list[str]) -> None:
    """apt-get install the packages, refreshing the package lists only when needed."""
    if not packages:
        return
    if shutil.which("apt-get") is None:
        raise DevError(f"apt-get not found: install {' '.join(packages)} by hand")
    procs.say("bootstrap", f"installing {' '.join(packages)} (apt)")
    install = ["install", "-y", "-q", "--no-install-recommends", *packages]
    if not _apt_lists_fresh():
        _apt(["update", "-q"], "apt-get update")
    try:
        _apt(install, "apt-get install")
    except DevError:
        procs.say("bootstrap", "install failed; refreshing package lists and retrying")
        _apt(["update", "-q"], "apt-get update")
        _apt(install, "apt-get install")


def ensure_system_packages() -> None:
    """Install the Debian packages the local stack and the browser tests need."""
    apt_install(missing_apt_packages())
    if shutil.which("java") is None:
        raise DevError("Java not found: apt-get install openjdk-17-jre-headless (Java 17+)")


def _pip_install_uv() -> None:
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "uv"]
    marker = Path(sysconfig.get_path("stdlib")) / "EXTERNALLY-MANAGED"
    if marker.exists():  # Debian's python3: uv is a self-contained binary, safe to add
        pip.append("--break-system-packages")
    if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode:
        apt_install(["python3-pip"])
    procs.run(pip, what="pip install uv", capture=False)


def uv() -> str:
    """The path of uv, installing it with pip if it is missing."""
    found = shutil.which("uv")
    if found:
        return found
    procs.say("bootstrap", "uv not found; installing it with pip")
    _pip_install_uv()
    candidates = [Path(sysconfig.get_path("scripts")) / "uv", Path.home() / ".local/bin/uv"]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which("uv")
    if found is None:
        raise DevError("pip installed uv but it is not on PATH; add pip's scripts dir to PATH")
    return found


def _pom_digest() -> str:
    return hashlib.sha256((KAFKA_INFRA / "pom.xml").read_bytes()).hexdigest()


def _classpath_current() -> bool:
    digest_file = KAFKA_CLASSPATH.with_suffix(".sha256")
    if not KAFKA_CLASSPATH.exists() or not digest_file.exists():
        return False
    if digest_file.read_text().strip() != _pom_digest():
        return False
    jars = KAFKA_CLASSPATH.read_text().strip().split(os.pathsep)
    return bool(jars) and all(Path(jar).exists() for jar in jars)


def ensure_kafka_classpath() -> None:
    """Resolve the Kafka jars with Maven once; again only when the pom changed."""
    if _classpath_current():
        return
    if shutil.which("mvn") is None:
        raise DevError("Maven (mvn) not found: apt-get install maven")
    procs.say("bootstrap", "resolving the Apache Kafka jars with Maven (first run takes a while)")
    KAFKA_CLASSPATH.parent.mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / "maven.log"
    argv = ["mvn", "-q", "-B", "dependency:build-classpath", f"-Dmdep.outputFile={KAFKA_CLASSPATH}"]
    with log.open("w") as out:
        code = subprocess.run(
            argv, cwd=KAFKA_INFRA, stdout=out, stderr=subprocess.STDOUT
        ).returncode
    if code != 0:
        raise DevError(
            f"Maven could not resolve the Kafka jars (exit {code}); see {log}.\n"
            f"{procs.log_tail(log, 10)}\n"
            "Check that Maven Central (or the mirror in ~/.m2/settings.xml) is reachable."
        )
    KAFKA_CLASSPATH.with_suffix(".sha256").write_text(_pom_digest() + "\n")


def sync_python_env() -> None:
    """uv sync every workspace package (frozen to the lock when there is one)."""
    argv = [uv(), "sync", "--all-packages"]
    if (REPO / "uv.lock").exists():
        argv.append("--frozen")
    procs.run(argv, what="uv sync", capture=False)


# Helm renders the Kubernetes chart in the tests; it is built from its Go module once.
HELM_MODULE = "helm.sh/helm/v4/cmd/helm"
HELM_VERSION = "v4.3.2"
HELM = DEV / "tools" / f"helm-{HELM_VERSION}" / "helm"
GO_CANDIDATES = ("go", "/usr/local/go/bin/go", "/usr/lib/go/bin/go")


def go() -> str | None:
    """The Go toolchain, if the machine has one."""
    for candidate in GO_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def ensure_helm() -> None:
    """Build helm into .dev/tools once (minutes on two cores); skip without a Go toolchain."""
    if HELM.exists():
        return
    with procs.exclusive(DEV / "bootstrap.lock"):  # a second `make test` waits for the build
        if not HELM.exists():
            _build_helm()


def _build_helm() -> None:
    toolchain = go()
    if toolchain is None:
        procs.say("bootstrap", "warning: no Go toolchain; helm is not built (chart tests skip)")
        return
    procs.say("bootstrap", f"building helm {HELM_VERSION} from its Go module (first run only)")
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / "helm-build.log"
    env = {**os.environ, "GOBIN": str(HELM.parent), "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
    argv = [toolchain, "install", f"{HELM_MODULE}@{HELM_VERSION}"]
    with log.open("w") as out:
        build = subprocess.run(argv, cwd=DEV, env=env, stdout=out, stderr=subprocess.STDOUT)
    code = build.returncode
    if code != 0 or not HELM.exists():
        raise DevError(f"building helm failed (exit {code}); see {log}\n{procs.log_tail(log, 10)}")


def prepare_infra() -> None:
    """What running the infrastructure needs: system packages and the Kafka jars."""
    # shared by every instance (dev and test may start at the same time): one at a time
    with procs.exclusive(DEV / "bootstrap.lock"):
        ensure_system_packages()
        ensure_kafka_classpath()


def bootstrap() -> None:
    """Everything a fresh machine needs before ``up`` or ``test``."""
    prepare_infra()
    uv()
    sync_python_env()
