"""Service discovery objects and scheduled Jobs: the Endpoints and EndpointSlice controllers following a
Deployment's pods, and the CronJob controller starting Jobs, through the real kubectl against
`mesokube dev --agents 3` with images from a loopback registry."""
import calendar
import re
import time

import yaml

from e2e_support.kube import Kubectl
from e2e_support.waiting import wait_until


def running_pods(kube: Kubectl, selector: str) -> list:
    pods = kube.json("get", "pods", "-l", selector)["items"]
    return [p for p in pods if p["status"].get("phase") == "Running" and "deletionTimestamp" not in p["metadata"]
            and p["status"].get("podIP")]


def endpoint_addresses(kube: Kubectl, service: str) -> tuple:
    """(ready ip:port set, not-ready ip set) of the service's Endpoints."""
    endpoints = kube.json("get", "endpoints", service)
    ready, not_ready = set(), set()
    for subset in endpoints.get("subsets") or []:
        ports = [p["port"] for p in subset.get("ports", [])]
        ready |= {f"{a['ip']}:{port}" for a in subset.get("addresses", []) for port in ports}
        not_ready |= {a["ip"] for a in subset.get("notReadyAddresses", [])}
    return ready, not_ready


def slice_endpoints(kube: Kubectl, service: str) -> dict:
    """ip → ready condition over the service's EndpointSlices."""
    slices = kube.json("get", "endpointslices", "-l", f"kubernetes.io/service-name={service}")["items"]
    return {e["addresses"][0]: e["conditions"].get("ready") for s in slices for e in s.get("endpoints") or []}


def service(name: str, target_port) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"tier": "front"}, "ports": [{"name": "http", "port": 80, "targetPort": target_port}]}}


def test_endpoints_and_slices_follow_a_deployment_and_readiness(pod_cluster):
    _, kube = pod_cluster
    container = {"name": "nginx", "image": "nginx", "ports": [{"name": "web", "containerPort": 80}],
                 "resources": {"requests": {"cpu": "50m"}}}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "front"},
                  "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "front"}},
                           "template": {"metadata": {"labels": {"app": "front", "tier": "front"}},
                                        "spec": {"containers": [container]}}}}
    kube.out("apply", "-f", "-", input=yaml.safe_dump_all([deployment, service("front", 80),
                                                             service("front-named", "web")]))
    pods = wait_until(lambda: (lambda found: found if len(found) == 3 else None)(running_pods(kube, "app=front")),
                      120, "three running pods")
    ips = {p["status"]["podIP"] for p in pods}

    wanted = {f"{ip}:80" for ip in ips}
    wait_until(lambda: endpoint_addresses(kube, "front") == (wanted, set()), 60, "Endpoints with the three pods")
    wait_until(lambda: endpoint_addresses(kube, "front-named") == (wanted, set()), 60, "named targetPort resolved")
    table = kube.out("get", "endpoints", "front")
    assert all(address in table for address in wanted), table
    wait_until(lambda: slice_endpoints(kube, "front") == {ip: True for ip in ips}, 60, "slices with ready pods")
    slices = kube.json("get", "endpointslices", "-l", "kubernetes.io/service-name=front")["items"]
    assert all(s["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
               and s["metadata"]["ownerReferences"][0]["kind"] == "Service" and s["addressType"] == "IPv4"
               for s in slices), slices
    assert {(p["port"], p["protocol"]) for s in slices for p in s["ports"]} == {(80, "TCP")}

    kube.out("scale", "deployment", "front", "--replicas=1")
    remaining = wait_until(lambda: (lambda found: found if len(found) == 1 else None)(running_pods(kube, "app=front")),
                           90, "one pod left")
    survivor = remaining[0]["status"]["podIP"]
    wait_until(lambda: endpoint_addresses(kube, "front") == ({f"{survivor}:80"}, set()), 60, "Endpoints shrunk")
    wait_until(lambda: slice_endpoints(kube, "front") == {survivor: True}, 60, "slices shrunk")

    # A pod whose readiness probe fails is listed, but not ready.
    unready = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "unready", "labels": {"tier": "front"}},
               "spec": {"containers": [{**container, "readinessProbe": {"exec": {"command": ["false"]},
                                                                         "periodSeconds": 1}}]}}
    kube.out("apply", "-f", "-", input=yaml.safe_dump(unready))
    pod = wait_until(lambda: (lambda found: found[0] if found else None)(
        [p for p in running_pods(kube, "tier=front") if p["metadata"]["name"] == "unready"]), 90, "the unready pod")
    ip = pod["status"]["podIP"]
    wait_until(lambda: endpoint_addresses(kube, "front") == ({f"{survivor}:80"}, {ip}), 60, "a not-ready address")
    wait_until(lambda: slice_endpoints(kube, "front") == {survivor: True, ip: False}, 60, "ready=false in its slice")


def owned_jobs(kube: Kubectl, cronjob: dict) -> list:
    return [j for j in kube.json("get", "jobs")["items"]
            if any(o["uid"] == cronjob["metadata"]["uid"] for o in j["metadata"].get("ownerReferences", []))]


def completed(job: dict) -> bool:
    return any(c["type"] == "Complete" and c["status"] == "True" for c in job.get("status", {}).get("conditions", []))


def test_a_cronjob_starts_a_job_every_minute_and_manual_runs_and_bad_schedules(pod_cluster):
    _, kube = pod_cluster
    refused = kube.run("create", "cronjob", "bad", "--image=nginx", "--schedule=61 * * * *", check=False)
    assert refused.returncode != 0
    assert 'spec.schedule: Invalid value: "61 * * * *"' in refused.stderr, refused.stderr

    cronjob = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick"},
               "spec": {"schedule": "*/1 * * * *", "jobTemplate": {"spec": {"template": {"spec": {
                   "restartPolicy": "Never", "containers": [{
                       "name": "hi", "image": "nginx", "command": ["sh", "-c", "echo hi"],
                       "resources": {"requests": {"cpu": "50m"}}}]}}}}}}
    kube.out("apply", "-f", "-", input=yaml.safe_dump(cronjob))
    created = kube.json("get", "cronjob", "tick")

    # A manual run from the template does not wait for the schedule.
    kube.out("create", "job", "manual", "--from=cronjob/tick")
    wait_until(lambda: completed(kube.json("get", "job", "manual")), 90, "the manual job to complete")

    scheduled = wait_until(lambda: [j for j in owned_jobs(kube, created) if re.fullmatch(r"tick-\d+", j["metadata"]["name"])],
                           75, "a scheduled job")
    job = scheduled[0]
    minutes = int(job["metadata"]["name"].split("-")[1])
    assert job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"].endswith("Z")
    wait_until(lambda: completed(kube.json("get", "job", job["metadata"]["name"])), 90, "the scheduled job to complete")
    status = wait_until(lambda: (lambda s: s if s.get("lastSuccessfulTime") else None)(
        kube.json("get", "cronjob", "tick").get("status", {})), 60, "lastSuccessfulTime")
    assert status["lastScheduleTime"]
    assert minutes * 60 <= calendar.timegm(time.strptime(status["lastScheduleTime"], "%Y-%m-%dT%H:%M:%SZ"))
