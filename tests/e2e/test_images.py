"""OCI image tasks (issue 3, item 4): busybox images from a real loopback `docker-registry`, and imported.

The images are built by e2e_support/images.py from Debian's busybox-static; the registry is Debian's
docker-registry on a free 127.0.0.1 port (plain HTTP, so agents get `--insecure-registry`). Tasks run
through the real agent and runc; their output is read back through the agent's files API.
"""
import subprocess

import pytest
import requests

from e2e_support.cluster import mesokube_binary
from e2e_support.images import Registry, echo_image, httpd_image, wait_http
from e2e_support.ports import free_port_block
from e2e_support.waiting import wait_until

ECHO_MESSAGE = "e2e-echo-marker: pulled from the loopback registry"
SANDBOX_MOUNT = "/mnt/mesos/sandbox"


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """A real docker-registry holding e2e/echo (OCI manifest), e2e/echo-docker and hello_world:latest
    (Docker schema 2 manifests) and e2e/env (an image with its own env and working dir)."""
    with Registry(tmp_path_factory.mktemp("registry")) as running:
        running.push(echo_image("e2e/echo:latest", message=ECHO_MESSAGE))
        running.push(echo_image("e2e/echo-docker:latest", message=ECHO_MESSAGE), manifest_format="docker")
        running.push(httpd_image("hello_world:latest", default_port=9001), manifest_format="docker")
        running.push(echo_image("e2e/env:latest", working_dir="/srv/app",
                                env={"IMAGE_VAR": "from-image", "OVERRIDE": "image-value"}))
        yield running


def mesos_container(image: str) -> dict:
    return {"type": "MESOS", "mesos": {"image": {"type": "DOCKER", "docker": {"name": image}}}}


def docker_container(image: str, **docker_fields) -> dict:
    return {"type": "DOCKER", "docker": {"image": image, **docker_fields}}


def image_task(task_id: str, container: dict, cmd=None, shell: bool = False, **extra) -> dict:
    """A command task in `container`; cmd None with shell False runs the image's entrypoint + cmd."""
    spec = dict(id=task_id, cmd=cmd, shell=shell, cpus=0.1, mem=64, **extra)
    spec.setdefault("task_extra", {})["container"] = container
    return spec


def sandbox_of(cluster, framework_id: str, update: dict) -> tuple:
    """(agent client, sandbox directory) of the command task that produced `update`."""
    agent = cluster.agent_by_id(update["agent_id"])
    task_id = update["task_id"]
    sandbox = wait_until(lambda: agent.executor_directory(framework_id, task_id), 30, f"sandbox of {task_id}")
    return agent, sandbox


def stdout_of(cluster, framework_id: str, update: dict, needle: str) -> str:
    agent, sandbox = sandbox_of(cluster, framework_id, update)
    return agent.wait_for_file_text(f"{sandbox}/stdout", needle)


def test_pulled_mesos_image_task_prints_its_output(dev_cluster, scheduler, registry):
    cluster = dev_cluster(agents=1, extra_args=["--insecure-registry", registry.address])
    image = registry.qualified("e2e/echo:latest")
    tasks = [
        # no command value: the image's entrypoint with its cmd, and its Env (ECHO_MESSAGE)
        image_task("pull-entrypoint", mesos_container(image)),
        # MESOS type, shell false with a value: the value replaces the entrypoint
        image_task("pull-replaced", mesos_container(image), cmd="/bin/echo", args=["echo", "entrypoint-replaced"]),
    ]
    framework = scheduler(cluster, name="image-pull", init=[{"cmd": "launch", "tasks": tasks}])
    framework_id = framework.registered_framework_id()

    entry = framework.wait_update("pull-entrypoint", "TASK_FINISHED", timeout=120)
    text = stdout_of(cluster, framework_id, entry, ECHO_MESSAGE)
    assert f"args=[from-image-cmd] pwd=/ sandbox={SANDBOX_MOUNT}" in text, text

    replaced = framework.wait_update("pull-replaced", "TASK_FINISHED", timeout=120)
    text = stdout_of(cluster, framework_id, replaced, "entrypoint-replaced")
    assert ECHO_MESSAGE not in text, text

    # Both tasks used one stored image: the agent's store names it once, with the registry's manifest digest.
    listed = subprocess.run([str(mesokube_binary()), "image", "list",
                             "--work-dir", str(cluster.work_dir / "dev" / "agent-0")],
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed
    rows = [line.split() for line in listed.stdout.splitlines() if line.startswith(image)]
    assert len(rows) == 1 and registry.pushed["e2e/echo:latest"] in rows[0], listed.stdout


def test_docker_task_runs_the_image_entrypoint_from_the_default_registry(dev_cluster, scheduler, registry):
    port = free_port_block(10)
    cluster = dev_cluster(agents=1, resources=f"cpus:2;mem:2048;disk:4096;ports:[{port}-{port + 9}]",
                          extra_args=["--registry", registry.address, "--insecure-registry", registry.address])
    tasks = [
        # hello_world:latest, unqualified: the default registry. Its entrypoint serves HTTP on $PORT0.
        image_task("hello-world", docker_container("hello_world:latest"), ports=[[port, port]]),
        # DOCKER type, shell false with a value: the value is appended after the image's entrypoint.
        image_task("docker-args", docker_container("e2e/echo-docker"), cmd="appended-arg"),
    ]
    framework = scheduler(cluster, name="image-docker", init=[{"cmd": "launch", "tasks": tasks}])
    framework_id = framework.registered_framework_id()

    running = framework.wait_update("hello-world", "TASK_RUNNING", timeout=120)
    body = wait_http(f"http://127.0.0.1:{port}/", timeout=60, contains="hello from hello_world:latest")
    assert "hello from hello_world:latest" in body
    stdout_of(cluster, framework_id, running, f"serving /www on port {port}")

    docker_args = framework.wait_update("docker-args", "TASK_FINISHED", timeout=120)
    text = stdout_of(cluster, framework_id, docker_args, ECHO_MESSAGE)
    assert "args=[appended-arg]" in text, text

    mark = framework.mark()
    framework.send({"cmd": "kill", "task_id": "hello-world"})
    framework.wait_update("hello-world", "TASK_KILLED", since=mark, timeout=60)
    wait_until(lambda: not _answers(f"http://127.0.0.1:{port}/"), 30, "httpd gone after the kill")


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
        return True
    except requests.RequestException:
        return False


def test_imported_images_run_without_a_registry(dev_cluster, scheduler, tmp_path):
    # No registry flags and no registry running: the images can only come from the agent's store.
    cluster = dev_cluster(agents=1)
    agent_work_dir = cluster.work_dir / "dev" / "agent-0"
    assert agent_work_dir.is_dir(), f"dev agent work dir {agent_work_dir} missing"
    docker_save = echo_image("e2e/imported:1.0", message="imported-from-docker-save").write_docker_archive(
        tmp_path / "imported-docker.tar")
    oci_layout = echo_image("e2e/unused-name:0", message="imported-from-oci-layout").write_oci_layout(
        tmp_path / "imported-oci.tar")
    for archive, name in ((docker_save, None), (oci_layout, "e2e/imported-oci:2.0")):
        argv = [str(mesokube_binary()), "image", "import", str(archive), "--work-dir", str(agent_work_dir)]
        if name:
            argv += ["--name", name]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{argv} -> {result.returncode}\n{result.stdout}\n{result.stderr}"
    listed = subprocess.run([str(mesokube_binary()), "image", "list", "--work-dir", str(agent_work_dir)],
                            capture_output=True, text=True, timeout=60)
    assert "e2e/imported:1.0" in listed.stdout and "e2e/imported-oci:2.0" in listed.stdout, listed

    tasks = [
        # MESOS type: the image's script as the executable (its ECHO_MESSAGE comes from the image's Env)
        image_task("imported-docker-save", mesos_container("e2e/imported:1.0"), cmd="/bin/e2e-echo",
                   args=["e2e-echo", "imported-arg"]),
        # DOCKER type: the value goes after the image's entrypoint
        image_task("imported-oci", docker_container("e2e/imported-oci:2.0"), cmd="imported-arg"),
    ]
    framework = scheduler(cluster, name="image-import", init=[{"cmd": "launch", "tasks": tasks}])
    framework_id = framework.registered_framework_id()
    for task_id, message in (("imported-docker-save", "imported-from-docker-save"),
                             ("imported-oci", "imported-from-oci-layout")):
        finished = framework.wait_update(task_id, "TASK_FINISHED", timeout=120)
        text = stdout_of(cluster, framework_id, finished, message)
        assert "args=[imported-arg]" in text, text


def test_unknown_image_fails_and_unsupported_docker_options_are_refused(dev_cluster, scheduler, registry):
    cluster = dev_cluster(agents=1, extra_args=["--insecure-registry", registry.address])
    missing = registry.qualified("e2e/no-such-image:latest")
    tasks = [
        image_task("unknown-image", mesos_container(missing), cmd="echo never", shell=True),
        image_task("docker-parameters", docker_container(registry.qualified("e2e/echo-docker"),
                                                         parameters=[{"key": "memory-swap", "value": "1g"}]),
                   cmd="never"),
        image_task("docker-privileged", docker_container(registry.qualified("e2e/echo-docker"), privileged=True),
                   cmd="never"),
    ]
    framework = scheduler(cluster, name="image-bad", init=[{"cmd": "launch", "tasks": tasks}])

    failed = framework.wait_update("unknown-image", "TASK_FAILED", timeout=120)
    assert failed["reason"] == "REASON_CONTAINER_LAUNCH_FAILED", failed
    assert "e2e/no-such-image" in (failed["message"] or ""), failed

    parameters = framework.wait_update("docker-parameters", "TASK_ERROR")
    assert parameters["reason"] == "REASON_TASK_INVALID", parameters
    assert "parameters" in (parameters["message"] or "") and "not supported" in parameters["message"], parameters

    privileged = framework.wait_update("docker-privileged", "TASK_ERROR")
    assert privileged["reason"] == "REASON_TASK_INVALID", privileged
    assert "privileged" in (privileged["message"] or "") and "not supported" in privileged["message"], privileged


def test_image_env_working_dir_and_the_sandbox_mount(dev_cluster, scheduler, registry):
    cluster = dev_cluster(agents=1, extra_args=["--insecure-registry", registry.address])
    command = ('echo "sandbox=$MESOS_SANDBOX pwd=$(pwd) image_var=$IMAGE_VAR override=$OVERRIDE task_var=$TASK_VAR";'
               ' echo written-inside-the-container > "$MESOS_SANDBOX/inside.txt";'
               ' echo to-stderr >&2')
    task = image_task("env-sandbox", mesos_container(registry.qualified("e2e/env:latest")), cmd=command, shell=True,
                      env={"TASK_VAR": "from-task", "OVERRIDE": "task-value"})
    framework = scheduler(cluster, name="image-env", init=[{"cmd": "launch", "tasks": [task]}])
    framework_id = framework.registered_framework_id()

    finished = framework.wait_update("env-sandbox", "TASK_FINISHED", timeout=120)
    agent, sandbox = sandbox_of(cluster, framework_id, finished)
    text = agent.wait_for_file_text(f"{sandbox}/stdout", "sandbox=")
    # The image's Env and WorkingDir apply, the task's environment wins over the image's.
    assert (f"sandbox={SANDBOX_MOUNT} pwd=/srv/app image_var=from-image override=task-value task_var=from-task"
            in text), text
    assert "to-stderr" in agent.wait_for_file_text(f"{sandbox}/stderr", "to-stderr")
    # What the task wrote to $MESOS_SANDBOX is in the host sandbox.
    assert "written-inside-the-container" in agent.read_file(f"{sandbox}/inside.txt")
    assert f"{sandbox}/inside.txt" in [entry["path"] for entry in agent.browse(sandbox)]
