"""The official `kubernetes` Python client (37.0.2) against `mesokube dev` (issue 4): CRUD, selectors,
pagination, watches that resume and recover from 410 Gone, and bad input answered with Status objects."""
import json
import threading
import time

import pytest
import requests
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from e2e_support.waiting import wait_until


@pytest.fixture
def api(dev_cluster):
    # Compaction every second keeping 20 revisions, so a watch from an old resourceVersion gets 410.
    cluster = dev_cluster(agents=1, extra_args=["--kube-compaction-interval", "1", "--kube-compaction-retain", "20"])
    kubeconfig = cluster.work_dir / "dev" / "kubeconfig"
    wait_until(kubeconfig.exists, 10, "kubeconfig written")
    api_client = config.new_client_from_config(config_file=str(kubeconfig))
    yield api_client
    api_client.close()


def make_configmap(name, labels=None, data=None):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels or {}), data=data or {"k": "v"})


def test_crud_of_core_and_apps_objects(api):
    core = client.CoreV1Api(api)
    created = core.create_namespaced_config_map("default", make_configmap("crud", {"app": "x"}))
    assert created.metadata.uid and created.metadata.resource_version
    read = core.read_namespaced_config_map("crud", "default")
    assert read.data == {"k": "v"}
    read.data["k"] = "changed"
    replaced = core.replace_namespaced_config_map("crud", "default", read)
    assert replaced.data["k"] == "changed"
    assert int(replaced.metadata.resource_version) > int(created.metadata.resource_version)
    patched = core.patch_namespaced_config_map("crud", "default", {"metadata": {"labels": {"patched": "yes"}}})
    assert patched.metadata.labels == {"app": "x", "patched": "yes"}
    core.delete_namespaced_config_map("crud", "default")
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_config_map("crud", "default")
    assert missing.value.status == 404
    assert json.loads(missing.value.body)["reason"] == "NotFound"

    apps = client.AppsV1Api(api)
    body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "py"},
            "spec": {"selector": {"matchLabels": {"app": "py"}},
                     "template": {"metadata": {"labels": {"app": "py"}},
                                  "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}
    deployment = apps.create_namespaced_deployment("default", body)
    assert deployment.spec.replicas == 1
    assert deployment.spec.template.spec.containers[0].image_pull_policy == "Always"
    scale = apps.patch_namespaced_deployment_scale("py", "default", {"spec": {"replicas": 4}})
    assert scale.spec.replicas == 4
    assert apps.read_namespaced_deployment("py", "default").metadata.generation == 2


def test_stale_update_is_a_conflict(api):
    core = client.CoreV1Api(api)
    first = core.create_namespaced_config_map("default", make_configmap("stale"))
    core.patch_namespaced_config_map("stale", "default", {"data": {"k": "newer"}})
    first.data["k"] = "older"
    with pytest.raises(ApiException) as conflict:
        core.replace_namespaced_config_map("stale", "default", first)
    assert conflict.value.status == 409
    status = json.loads(conflict.value.body)
    assert status["reason"] == "Conflict" and "the object has been modified" in status["message"]


def test_list_with_selectors_and_pagination(api):
    core = client.CoreV1Api(api)
    for index in range(7):
        core.create_namespaced_config_map(
            "default", make_configmap(f"page-{index}", {"batch": "p", "parity": "even" if index % 2 == 0 else "odd"}))
    even = core.list_namespaced_config_map("default", label_selector="batch=p,parity=even")
    assert sorted(item.metadata.name for item in even.items) == ["page-0", "page-2", "page-4", "page-6"]
    notin = core.list_namespaced_config_map("default", label_selector="batch in (p),parity notin (even)")
    assert len(notin.items) == 3
    by_name = core.list_namespaced_config_map("default", field_selector="metadata.name=page-3")
    assert [item.metadata.name for item in by_name.items] == ["page-3"]

    names, token, pages = [], None, 0
    while True:
        page = core.list_namespaced_config_map("default", label_selector="batch=p", limit=3, _continue=token)
        pages += 1
        names += [item.metadata.name for item in page.items]
        token = page.metadata._continue
        if not token:
            break
    assert pages == 3 and sorted(names) == [f"page-{i}" for i in range(7)]

    with pytest.raises(ApiException) as bad:
        core.list_namespaced_config_map("default", field_selector="data.k=v")
    assert bad.value.status == 400


def test_watch_resumes_and_handles_gone(api):
    core = client.CoreV1Api(api)
    listed = core.list_namespaced_config_map("default")
    start = listed.metadata.resource_version
    seen = []

    def produce():
        for index in range(3):
            core.create_namespaced_config_map("default", make_configmap(f"w-{index}", {"watch": "me"}))

    threading.Timer(1.0, produce).start()
    stream = watch.Watch()
    for event in stream.stream(core.list_namespaced_config_map, "default", label_selector="watch=me",
                               resource_version=start, timeout_seconds=20):
        seen.append((event["type"], event["object"].metadata.name))
        if len(seen) == 3:
            stream.stop()
    assert seen == [("ADDED", "w-0"), ("ADDED", "w-1"), ("ADDED", "w-2")]

    # Resume after the first event: only what came later is replayed.
    resumed = []
    first_rv = core.read_namespaced_config_map("w-0", "default").metadata.resource_version
    again = watch.Watch()
    for event in again.stream(core.list_namespaced_config_map, "default", label_selector="watch=me",
                              resource_version=first_rv, timeout_seconds=5):
        resumed.append(event["object"].metadata.name)
        if len(resumed) == 2:
            again.stop()
    assert resumed == ["w-1", "w-2"]

    # A resourceVersion older than the server keeps: 410 Gone, then re-list and watch from the new one.
    for index in range(30):
        core.create_namespaced_config_map("default", make_configmap(f"churn-{index}"))
    time.sleep(2.5)
    with pytest.raises(ApiException) as gone:
        for _ in watch.Watch().stream(core.list_namespaced_config_map, "default", resource_version="1",
                                      timeout_seconds=5):
            pass
    assert gone.value.status == 410
    fresh = core.list_namespaced_config_map("default", label_selector="watch=me")
    assert len(fresh.items) == 3


def raw(api, method, path, body=None, content_type="application/json"):
    configuration = api.configuration
    headers = {"Authorization": configuration.api_key["BearerToken"], "Content-Type": content_type}
    return requests.request(method, configuration.host + path, data=body, headers=headers,
                            verify=configuration.ssl_ca_cert, timeout=10)


def test_bad_input_gets_status_objects(api):
    invalid = raw(api, "POST", "/apis/apps/v1/namespaces/default/deployments", json.dumps({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bad"},
        "spec": {"replicas": -1, "selector": {"matchLabels": {"app": "a"}},
                 "template": {"metadata": {"labels": {"app": "b"}}, "spec": {"containers": [{"name": "c"}]}}}}))
    assert invalid.status_code == 422
    status = invalid.json()
    assert status["kind"] == "Status" and status["reason"] == "Invalid"
    fields = {cause["field"] for cause in status["details"]["causes"]}
    assert {"spec.replicas", "spec.template.metadata.labels", "spec.template.spec.containers[0].image"} <= fields

    unknown = raw(api, "GET", "/apis/example.com/v1/widgets")
    assert unknown.status_code == 404 and unknown.json()["reason"] == "NotFound"
    unknown_kind = raw(api, "GET", "/api/v1/namespaces/default/gizmos")
    assert unknown_kind.status_code == 404

    garbage = raw(api, "POST", "/api/v1/namespaces/default/configmaps", b"{not json")
    assert garbage.status_code == 400 and garbage.json()["kind"] == "Status"
    wrong_type = raw(api, "POST", "/api/v1/namespaces/default/configmaps", json.dumps([1, 2]))
    assert wrong_type.status_code == 400
    strict = raw(api, "POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", json.dumps(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "strict"}, "dataa": {}}))
    assert strict.status_code == 400 and 'unknown field "dataa"' in strict.json()["message"]
    type_meta = b"\x0a\x07apps/v1\x12\x0bStatefulSet"
    envelope = b"k8s\x00" + b"\x0a" + bytes([len(type_meta)]) + type_meta + b"\x12\x00"
    protobuf = raw(api, "POST", "/apis/apps/v1/namespaces/default/statefulsets", envelope,
                   content_type="application/vnd.kubernetes.protobuf")
    assert protobuf.status_code == 415 and "kubectl apply -f" in protobuf.json()["message"]
    # A decoded kind with a field number the server has no table entry for: 415 too, not a silent drop.
    type_meta = b"\x0a\x07apps/v1\x12\x0aDeployment"
    envelope = (b"k8s\x00" + b"\x0a" + bytes([len(type_meta)]) + type_meta
                + b"\x12\x05" + b"\x12\x03\xf8\x07\x01")
    unknown = raw(api, "POST", "/apis/apps/v1/namespaces/default/deployments", envelope,
                  content_type="application/vnd.kubernetes.protobuf")
    assert unknown.status_code == 415 and "field number 127" in unknown.json()["message"]
    junk = raw(api, "POST", "/api/v1/namespaces/default/configmaps", b"k8s\x00\xff\xff",
               content_type="application/vnd.kubernetes.protobuf")
    assert junk.status_code == 400 and junk.json()["kind"] == "Status"

    # Options with a fixed set of values are checked, not ignored.
    assert raw(api, "GET", "/api/v1/namespaces?includeObject=Everything").status_code == 400
    assert raw(api, "GET", "/api/v1/namespaces?resourceVersionMatch=Newest&resourceVersion=1").status_code == 400
    forced = raw(api, "PATCH", "/api/v1/namespaces/default?force=true", json.dumps({"metadata": {}}),
                 content_type="application/merge-patch+json")
    assert forced.status_code == 400 and "force" in forced.json()["message"]

    # None of it hurt the server.
    core = client.CoreV1Api(api)
    assert core.list_namespace().items


def test_yaml_bodies_dry_run_and_delete_collection(api):
    core = client.CoreV1Api(api)
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\n  labels: {batch: one}\ndata:\n  k: v\n"
    created = raw(api, "POST", "/api/v1/namespaces/default/configmaps", manifest, content_type="application/yaml")
    assert created.status_code == 201 and created.json()["data"] == {"k": "v"}
    broken = raw(api, "POST", "/api/v1/namespaces/default/configmaps", "metadata: [unclosed\n",
                 content_type="application/yaml")
    assert broken.status_code == 400 and broken.json()["kind"] == "Status"

    # A dry run answers with the object as it would be stored, and stores nothing.
    dry = core.create_namespaced_config_map("default", make_configmap("dry", {"batch": "one"}), dry_run="All")
    assert dry.metadata.uid and dry.metadata.creation_timestamp
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_config_map("dry", "default")
    assert missing.value.status == 404
    assert raw(api, "POST", "/api/v1/namespaces/default/configmaps?dryRun=Sometimes",
               json.dumps({"metadata": {"name": "x"}})).status_code == 400

    # Bad patches, as upstream: a JSON patch that is not a list is 400; one that cannot be applied
    # (an unknown op, a missing path) is 422.
    malformed = raw(api, "PATCH", "/api/v1/namespaces/default/configmaps/from-yaml", '{"op":"add"}',
                    content_type="application/json-patch+json")
    assert malformed.status_code == 400
    unknown_op = raw(api, "PATCH", "/api/v1/namespaces/default/configmaps/from-yaml", '[{"op":"jump"}]',
                     content_type="application/json-patch+json")
    assert unknown_op.status_code == 422
    failed = raw(api, "PATCH", "/api/v1/namespaces/default/configmaps/from-yaml",
                 '[{"op":"replace","path":"/data/absent","value":"x"}]', content_type="application/json-patch+json")
    assert failed.status_code == 422 and failed.json()["kind"] == "Status"
    renamed = raw(api, "PUT", "/api/v1/namespaces/default/configmaps/from-yaml",
                  json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other"}}))
    assert renamed.status_code == 400

    # deletecollection removes what the selector matches and nothing else.
    for name in ("one-a", "one-b"):
        core.create_namespaced_config_map("default", make_configmap(name, {"batch": "one"}))
    core.create_namespaced_config_map("default", make_configmap("two-a", {"batch": "two"}))
    core.delete_collection_namespaced_config_map("default", label_selector="batch=one")
    left = {item.metadata.name for item in core.list_namespaced_config_map("default").items}
    assert "two-a" in left and not {"from-yaml", "one-a", "one-b"} & left


PROTOBUF = "application/vnd.kubernetes.protobuf"


def pb_varint(number):
    number &= (1 << 64) - 1
    out = bytearray()
    while number >= 0x80:
        out.append((number & 0x7F) | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


def pb_bytes(field, payload):
    return pb_varint(field << 3 | 2) + pb_varint(len(payload)) + payload


def pb_int(field, value):
    return pb_varint(field << 3) + pb_varint(value)


def pb_envelope(api_version, kind, body):
    type_meta = pb_bytes(1, api_version.encode()) + pb_bytes(2, kind.encode())
    return b"k8s\x00" + pb_bytes(1, type_meta) + pb_bytes(2, body)


def test_protobuf_eviction_and_delete_options(api):
    # kubectl 1.37's drain posts its Eviction in JSON, but client-go typed clientsets configured for
    # protobuf send Eviction and DeleteOptions bodies like these (field numbers from upstream's protos).
    core = client.CoreV1Api(api)
    for name in ("evictee", "deletee"):
        core.create_namespaced_pod("default", client.V1Pod(
            metadata=client.V1ObjectMeta(name=name),
            spec=client.V1PodSpec(node_name="nowhere", containers=[client.V1Container(name="c", image="busybox")])))
    metadata = pb_bytes(1, b"evictee") + pb_bytes(3, b"default")
    eviction = pb_envelope("policy/v1", "Eviction", pb_bytes(1, metadata) + pb_bytes(2, pb_int(1, 0)))
    evicted = raw(api, "POST", "/api/v1/namespaces/default/pods/evictee/eviction", eviction, content_type=PROTOBUF)
    assert evicted.status_code == 201, evicted.text
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_pod("evictee", "default")
    assert gone.value.status == 404

    # A precondition on another uid is read from the protobuf DeleteOptions: 409, the pod stays.
    wrong = pb_envelope("v1", "DeleteOptions", pb_int(1, 0) + pb_bytes(2, pb_bytes(1, b"not-the-uid")))
    conflict = raw(api, "DELETE", "/api/v1/namespaces/default/pods/deletee", wrong, content_type=PROTOBUF)
    assert conflict.status_code == 409, conflict.text
    uid = core.read_namespaced_pod("deletee", "default").metadata.uid
    right = pb_envelope("v1", "DeleteOptions", pb_int(1, 0) + pb_bytes(2, pb_bytes(1, uid.encode())))
    deleted = raw(api, "DELETE", "/api/v1/namespaces/default/pods/deletee", right, content_type=PROTOBUF)
    assert deleted.status_code == 200, deleted.text
    with pytest.raises(ApiException):
        core.read_namespaced_pod("deletee", "default")
