"""Apache Kafka (the official broker from Maven Central): one local KRaft node, or a
replicated cluster of KAFKA_NODES nodes started from the same jars."""

from __future__ import annotations

import base64
import shutil
import socket
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path
from string import Template

from devtool import procs
from devtool.config import (
    HOST,
    KAFKA_CLASSPATH,
    KAFKA_CONTROLLER_PORT,
    KAFKA_DIR,
    KAFKA_HEAP,
    KAFKA_INFRA,
    KAFKA_NODES,
    KAFKA_PORT,
    LOGS,
    kafka_bootstrap,
    kafka_ports,
    topic_partitions,
)
from devtool.errors import DevError


@dataclass(frozen=True)
class Node:
    """One KRaft node: broker and controller in one JVM."""

    node_id: int
    port: int
    directory: Path  # server.properties and data/

    @property
    def controller_port(self) -> int:
        return self.port + 1

    @property
    def server_properties(self) -> Path:
        return self.directory / "server.properties"

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def daemon(self) -> procs.Daemon:
        # log4j writes the broker log to <logs>/<name>.log; the console gets JVM trouble
        name = "kafka" if KAFKA_NODES == 1 else f"kafka-{self.node_id}"
        return procs.Daemon(
            name,
            self.port,
            marker=str(self.server_properties),
            stop_timeout=60,
            log_name=f"{name}.console",
            own_log=LOGS / f"{name}.log",
        )


def nodes() -> list[Node]:
    """The nodes of this instance: the single node keeps its historical layout."""
    if KAFKA_NODES == 1:
        return [Node(1, KAFKA_PORT, KAFKA_DIR)]
    cluster = KAFKA_DIR / "cluster"
    return [Node(n + 1, port, cluster / f"node-{n + 1}") for n, port in enumerate(kafka_ports())]


SERVER_PROPERTIES = nodes()[0].server_properties
DATA_DIR = nodes()[0].data_dir
BOOTSTRAP = kafka_bootstrap()
DAEMON = nodes()[0].daemon
REPLICATION = min(KAFKA_NODES, 3)
MIN_INSYNC = 2 if KAFKA_NODES >= 3 else 1
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


def _broker_argv(node: Node) -> list[str]:
    return [
        _java(), f"-Xms{KAFKA_HEAP}", f"-Xmx{KAFKA_HEAP}",
        "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={KAFKA_INFRA / 'log4j2.xml'}",
        f"-Dkafka.logs.dir={LOGS}", f"-Dkafka.log.name={node.daemon.name}",
        "-cp", classpath(), "kafka.Kafka", str(node.server_properties),
    ]  # fmt: skip


def render_config(node: Node) -> None:
    """Write the node's ``server.properties`` from the checked-in template."""
    if KAFKA_NODES == 1:
        template = Template((KAFKA_INFRA / "server.properties.template").read_text())
        text = template.substitute(
            port=KAFKA_PORT, controller_port=KAFKA_CONTROLLER_PORT, data_dir=node.data_dir
        )
    else:
        voters = ",".join(f"{n.node_id}@{HOST}:{n.controller_port}" for n in nodes())
        template = Template((KAFKA_INFRA / "server-cluster.properties.template").read_text())
        text = template.substitute(
            node_id=node.node_id, voters=voters, port=node.port,
            controller_port=node.controller_port, data_dir=node.data_dir,
            replication=REPLICATION, min_isr=MIN_INSYNC,
        )  # fmt: skip
    node.directory.mkdir(parents=True, exist_ok=True)
    node.server_properties.write_text(text)


def _new_cluster_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()


def format_storage() -> None:
    """Format every node's log directory once, all with one cluster id."""
    unformatted = [n for n in nodes() if not (n.data_dir / "meta.properties").exists()]
    if not unformatted:
        return
    cluster_id = _new_cluster_id()
    for node in nodes():
        meta = node.data_dir / "meta.properties"
        if meta.exists():  # a node formatted before: the others join its cluster
            cluster_id = next(
                line.split("=", 1)[1].strip()
                for line in meta.read_text().splitlines()
                if line.startswith("cluster.id=")
            )
            break
    for node in unformatted:
        procs.say(node.daemon.name, f"formatting {node.data_dir}")
        # controller.quorum.voters is set, so no --standalone: the voters come from the config
        run_tool("kafka.tools.StorageTool", "format", "-t", cluster_id,
                 "-c", str(node.server_properties))  # fmt: skip


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
        procs.say("kafka", f"creating topic {topic} ({partitions} partitions, "
                  f"replication {REPLICATION}, min.insync.replicas {MIN_INSYNC})")  # fmt: skip
        run_tool(
            "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", BOOTSTRAP,
            "--create", "--if-not-exists", "--topic", topic,
            "--partitions", str(partitions), "--replication-factor", str(REPLICATION),
            "--config", "retention.ms=-1", "--config", f"min.insync.replicas={MIN_INSYNC}",
        )  # fmt: skip


def _start(node: Node) -> None:
    pid = procs.running_pid(node.daemon)
    if pid is not None:
        procs.say(node.daemon.name, f"already running (pid {pid})")
        return
    procs.ensure_port_free(node.daemon)
    procs.ensure_port_free(procs.Daemon("kafka-controller", node.controller_port, ""))
    pid = procs.spawn(node.daemon, _broker_argv(node))
    procs.say(node.daemon.name, f"started (pid {pid}); waiting for {HOST}:{node.port}")


def up() -> None:
    """Start the nodes that are not running, wait until they serve metadata, create topics."""
    for node in nodes():
        if procs.running_pid(node.daemon) is None:
            render_config(node)
    format_storage()
    for node in nodes():
        _start(node)
    for node in nodes():
        port = node.port
        procs.wait_ready(node.daemon, lambda p=port: api_keys(p) is not None,
                         timeout=START_TIMEOUT)  # fmt: skip
    ensure_topics(_wait_for_metadata())
    procs.say("kafka", f"ready on {BOOTSTRAP}")


def down() -> None:
    """Stop the nodes dev.py started (the single node and any cluster node)."""
    for node in reversed(nodes()):
        if procs.stop(node.daemon):
            procs.say(node.daemon.name, "stopped")


def status_rows() -> list[tuple[str, procs.Daemon, int]]:
    """(name, handle, port) of every node, for `status`."""
    return [(node.daemon.name, node.daemon, node.port) for node in nodes()]
