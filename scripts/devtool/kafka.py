"""Apache Kafka (the official broker from Maven Central) as one local KRaft node."""

from __future__ import annotations

import base64
import shutil
import socket
import struct
import uuid
from string import Template

from devtool import procs
from devtool.config import (
    HOST,
    KAFKA_CLASSPATH,
    KAFKA_CONTROLLER_PORT,
    KAFKA_DIR,
    KAFKA_HEAP,
    KAFKA_INFRA,
    KAFKA_PORT,
    LOGS,
    topic_partitions,
)
from devtool.errors import DevError

SERVER_PROPERTIES = KAFKA_DIR / "server.properties"
DATA_DIR = KAFKA_DIR / "data"
BOOTSTRAP = f"{HOST}:{KAFKA_PORT}"
# log4j writes the broker log to .dev/logs/kafka.log; the console only gets JVM trouble
DAEMON = procs.Daemon(
    "kafka",
    KAFKA_PORT,
    marker=str(SERVER_PROPERTIES),
    stop_timeout=60,
    log_name="kafka.console",
    own_log=LOGS / "kafka.log",
)
START_TIMEOUT = 120.0
TOOL_TIMEOUT = 90.0
API_VERSIONS = 18


def classpath() -> str:
    """The broker and tools classpath resolved by ``bootstrap``."""
    if not KAFKA_CLASSPATH.exists():
        raise DevError("Kafka classpath missing: run `python3 scripts/dev.py bootstrap` first")
    return KAFKA_CLASSPATH.read_text().strip()


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise DevError("Java not found: apt-get install openjdk-17-jre-headless (Java 17+)")
    return java


def tool_argv(main_class: str, *args: str) -> list[str]:
    """A command line running one of Kafka's own command-line tools."""
    log4j = KAFKA_INFRA / "log4j2-tools.xml"
    return [_java(), "-Xmx256m", f"-Dlog4j2.configurationFile={log4j}", "-cp", classpath(),
            main_class, *args]  # fmt: skip


def run_tool(main_class: str, *args: str, timeout: float = TOOL_TIMEOUT) -> str:
    """Run a Kafka tool to completion and return its output."""
    return procs.run(tool_argv(main_class, *args), what=main_class, timeout=timeout)


def _broker_argv() -> list[str]:
    return [
        _java(), f"-Xms{KAFKA_HEAP}", f"-Xmx{KAFKA_HEAP}",
        "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={KAFKA_INFRA / 'log4j2.xml'}",
        f"-Dkafka.logs.dir={LOGS}",
        "-cp", classpath(), "kafka.Kafka", str(SERVER_PROPERTIES),
    ]  # fmt: skip


def render_config() -> None:
    """Write ``.dev/kafka/server.properties`` from the checked-in template."""
    template = Template((KAFKA_INFRA / "server.properties.template").read_text())
    text = template.substitute(
        port=KAFKA_PORT, controller_port=KAFKA_CONTROLLER_PORT, data_dir=DATA_DIR
    )
    KAFKA_DIR.mkdir(parents=True, exist_ok=True)
    SERVER_PROPERTIES.write_text(text)


def _new_cluster_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()


def format_storage() -> None:
    """Format the log directory once (the KRaft metadata needs a cluster id)."""
    if (DATA_DIR / "meta.properties").exists():
        return
    procs.say("kafka", f"formatting {DATA_DIR}")
    # controller.quorum.voters is set, so no --standalone: the voters come from the config
    run_tool("kafka.tools.StorageTool", "format", "-t", _new_cluster_id(),
             "-c", str(SERVER_PROPERTIES))  # fmt: skip


def api_keys(port: int = KAFKA_PORT, timeout: float = 2.0) -> set[int] | None:
    """The API keys the broker supports (an ApiVersions v0 request), None if unreachable."""
    client = b"newsroom-dev"
    body = struct.pack(">hhih", API_VERSIONS, 0, 1, len(client)) + client
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            size = struct.unpack(">i", _recv(sock, 4))[0]
            payload = _recv(sock, size)
    except OSError:
        return None
    _correlation, error, count = struct.unpack(">ihi", payload[:10])
    if error != 0:
        return None
    return {struct.unpack(">h", payload[10 + 6 * i : 12 + 6 * i])[0] for i in range(count)}


def _recv(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    return data


def list_topics() -> set[str]:
    """Topic names, through the official TopicCommand (a real metadata round trip)."""
    out = run_tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOTSTRAP, "--list")
    return {line.strip() for line in out.splitlines() if line.strip()}


def _wait_for_metadata() -> set[str]:
    """Retry the topic listing until the controller has elected itself."""
    topics: set[str] = set()
    last_error: list[DevError] = []

    def listed() -> bool:
        nonlocal topics
        try:
            topics = list_topics()
        except DevError as exc:
            last_error[:] = [exc]
            return False
        return True

    if not procs.poll(listed, timeout=START_TIMEOUT, interval=1.0):
        reason = last_error[-1] if last_error else "timed out"
        raise DevError(f"Kafka answers but cannot list its topics: {reason}")
    return topics


def ensure_topics(existing: set[str]) -> None:
    """Create the platform topics that do not exist yet; unlimited retention for replay."""
    for topic, partitions in topic_partitions().items():
        if topic in existing:
            continue
        procs.say("kafka", f"creating topic {topic} ({partitions} partitions)")
        run_tool(
            "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOTSTRAP,
            "--create", "--if-not-exists", "--topic", topic,
            "--partitions", str(partitions), "--replication-factor", "1",
            "--config", "retention.ms=-1",
        )  # fmt: skip


def up() -> None:
    """Start the broker if needed, wait until it serves metadata, create the topics."""
    pid = procs.running_pid(DAEMON)
    if pid is None:
        procs.ensure_port_free(DAEMON)
        procs.ensure_port_free(procs.Daemon("kafka-controller", KAFKA_CONTROLLER_PORT, ""))
        render_config()
        format_storage()
        pid = procs.spawn(DAEMON, _broker_argv())
        procs.say("kafka", f"started (pid {pid}); waiting for {BOOTSTRAP}")
    else:
        procs.say("kafka", f"already running (pid {pid})")
    procs.wait_ready(DAEMON, lambda: api_keys() is not None, timeout=START_TIMEOUT)
    ensure_topics(_wait_for_metadata())
    procs.say("kafka", f"ready on {BOOTSTRAP}")


def down() -> None:
    """Stop the broker if dev.py started it."""
    if procs.stop(DAEMON):
        procs.say("kafka", "stopped")
