"""The Helm chart renders with every values file, and every object is valid Kubernetes.

helm is built from its Go module by the dev command (``make test`` builds it once into
``.dev/tools``); the rendered objects are checked against the Kubernetes API schemas with
kubernetes-validate, strictly (unknown fields are errors).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes_validate import utils as k8s

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))  # the stdlib-only dev tooling is not a package

from devtool.bootstrap import HELM, go  # noqa: E402 - needs the path above

CHART = REPO / "deploy" / "helm" / "newsroom"
VALUES_FILES = sorted((CHART / "ci").glob("*.yaml"))
# the oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest schema
KUBE_VERSIONS = ("1.27.0", k8s.latest_version())
HTTP_APPS = ("gateway", "articles", "comments", "analytics")
WORKERS = ("articles-worker", "comments-worker", "analytics-worker")

Objects = list[dict[str, Any]]
Render = Callable[..., Objects]


@pytest.fixture(scope="module")
def helm() -> str:
    """The helm binary the dev command built."""
    if not HELM.exists():
        if go() is None:
            pytest.skip("no Go toolchain on this machine, so helm was not built")
        pytest.fail(f"{HELM} missing: run the tests with `make test` (it builds helm once)")
    return str(HELM)


def _helm(helm: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([helm, *args], capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def render(helm: str) -> Render:
    """``helm template`` with values files (and --set pairs); the objects it prints."""

    def run(*values: Path, sets: tuple[str, ...] = ()) -> Objects:
        args = ["template", "news", str(CHART), "--namespace", "newsroom"]
        args += [arg for path in values for arg in ("-f", str(path))]
        args += [arg for pair in sets for arg in ("--set", pair)]
        result = _helm(helm, *args)
        assert result.returncode == 0, result.stderr
        return [doc for doc in yaml.safe_load_all(result.stdout) if doc]

    return run


def _named(objects: Objects, kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def _container(workload: dict[str, Any]) -> dict[str, Any]:
    return dict(workload["spec"]["template"]["spec"]["containers"][0])


@pytest.mark.parametrize("values", [None, *VALUES_FILES], ids=lambda v: v.stem if v else "default")
def test_every_rendered_object_is_valid_kubernetes(render: Render, values: Path | None) -> None:
    objects = render(*([values] if values else []))
    assert objects
    for obj in objects:
        for version in KUBE_VERSIONS:
            k8s.validate(obj, version, strict=True)  # raises with the offending field


@pytest.mark.parametrize("values", [None, *VALUES_FILES], ids=lambda v: v.stem if v else "default")
def test_helm_lint_passes(helm: str, values: Path | None) -> None:
    args = ["lint", str(CHART), "--strict", *(["-f", str(values)] if values else [])]
    result = _helm(helm, *args)
    assert result.returncode == 0, result.stdout + result.stderr


def test_apps_are_probed_on_healthz_and_readyz_with_requests(render: Render) -> None:
    deployments = _named(render(), "Deployment")
    assert set(deployments) == {f"news-newsroom-{name}" for name in HTTP_APPS + WORKERS}
    for name in HTTP_APPS:
        container = _container(deployments[f"news-newsroom-{name}"])
        assert container["command"] == ["python", "-m", name]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    for name in WORKERS:
        container = _container(deployments[f"news-newsroom-{name}"])
        assert container["command"][:2] == ["python", "-m"]
        assert container["livenessProbe"]["httpGet"]["port"] == "metrics"
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])


def test_secrets_are_referenced_never_rendered(render: Render) -> None:
    objects = render(CHART / "ci" / "production-values.yaml")
    assert not [o for o in objects if o["kind"] == "Secret"]
    text = yaml.safe_dump_all(objects)
    assert "PRIVATE KEY" not in text
    gateway = _named(objects, "Deployment")["news-newsroom-gateway"]
    env = {e["name"]: e for e in _container(gateway)["env"]}
    for name in ("NEWSROOM_DATABASE_URL", "NEWSROOM_JWT_PRIVATE_KEY", "NEWSROOM_CSRF_SECRET"):
        assert env[name]["valueFrom"]["secretKeyRef"]["name"] == "newsroom-prod"
    assert env["NEWSROOM_REDIS_CLUSTER_NODES"]["value"].count(":6379") == 3


def test_every_process_gets_the_trace_endpoint_and_sample_ratio(render: Render) -> None:
    for values, endpoint, ratio in (
        ((), None, "0.1"),
        ((CHART / "ci" / "production-values.yaml",), "http://otel-collector", "0.05"),
    ):
        deployments = _named(render(*values), "Deployment")
        for name, deployment in deployments.items():
            env = {e["name"]: e.get("value") for e in _container(deployment)["env"]}
            assert env["NEWSROOM_TRACE_SAMPLE_RATIO"] == ratio, name
            assert (env.get("NEWSROOM_OTEL_ENDPOINT") or "").startswith(endpoint or ""), name
            assert ("NEWSROOM_OTEL_ENDPOINT" in env) is (endpoint is not None), name


def test_gateway_scales_on_cpu_and_consumers_on_lag(render: Render) -> None:
    hpas = _named(render(), "HorizontalPodAutoscaler")
    gateway = hpas["news-newsroom-gateway"]["spec"]["metrics"]
    assert gateway[0]["resource"]["name"] == "cpu"
    for name in ("comments-worker", "analytics-worker"):
        metric = hpas[f"news-newsroom-{name}"]["spec"]["metrics"][0]
        assert metric["type"] == "External"
        assert metric["external"]["metric"]["name"] == "newsroom_consumer_lag"
    assert "news-newsroom-articles-worker" not in hpas
    pdbs = _named(render(), "PodDisruptionBudget")
    assert set(pdbs) == {f"news-newsroom-{name}" for name in HTTP_APPS + WORKERS}


def test_migrations_and_topics_run_as_hooks_before_the_pods(render: Render) -> None:
    jobs = _named(render(), "Job")
    topics, migrate = jobs["news-newsroom-topics"], jobs["news-newsroom-migrate"]
    for job in (topics, migrate):
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    weights = [int(j["metadata"]["annotations"]["helm.sh/hook-weight"]) for j in (topics, migrate)]
    assert weights[0] < weights[1], "topics exist before anything migrates or starts"
    env = {e["name"]: e["value"] for e in _container(topics)["env"]}
    assert (env["REPLICATION"], env["MIN_ISR"]) == ("3", "2")
    assert not _named(render(CHART / "ci" / "managed-values.yaml"), "Job")


def test_more_consumers_than_partitions_is_refused(helm: str) -> None:
    result = _helm(helm, "template", "news", str(CHART), "--set", "kafka.topics.partitions=4")
    assert result.returncode != 0
    assert "exceeds kafka.topics.partitions" in result.stderr


def test_a_release_without_a_secret_reference_is_refused(helm: str) -> None:
    result = _helm(helm, "template", "news", str(CHART), "--set", "secrets.existingSecret=")
    assert result.returncode != 0
    assert "secrets.existingSecret is required" in result.stderr
