"""Small OCI images built from Debian's `busybox-static`, and a real registry (Debian's `docker-registry`).

No public registry is reachable from the test machines, so the suite makes its own images and serves them
on loopback. Everything here is stdlib + requests.

Images
------
`busybox_image(name, entrypoint=..., cmd=..., env=..., working_dir=..., files=...)` returns a `BuiltImage`:
one gzip layer holding /bin/busybox, a symlink per busybox applet (sh, echo, cat, ls, sleep, httpd, env,
...), /etc/passwd and /etc/group, /tmp and the working directory, plus any extra `files`; and an image
config with Entrypoint/Cmd/Env/WorkingDir. The build is deterministic (fixed mtimes, sorted entries), so
the same arguments always give the same digests. A BuiltImage can be

- written as an OCI image-layout tar (`write_oci_layout(path)`: oci-layout, index.json, blobs/sha256/...),
- written as a `docker save` tar (`write_docker_archive(path)`: manifest.json, <config hex>.json,
  <layer id>/layer.tar uncompressed, repositories),
- pushed to a registry (`push(registry_address)` or `Registry.push(image)`), as an OCI manifest or a
  Docker schema 2 manifest (`manifest_format="oci" | "docker"`).

Ready-made variants:

- `echo_image(name)`: the entrypoint `/bin/e2e-echo` prints `ECHO_MESSAGE` (from the image's Env) on its
  first line, then `args=[...] pwd=... sandbox=$MESOS_SANDBOX`, and exits 0. Cmd is `["from-image-cmd"]`.
- `httpd_image(name, default_port)`: the entrypoint `/bin/serve-http` runs busybox httpd in the
  foreground on `$PORT0` when the platform assigned a host port (Marathon on the host network), else on
  `$HTTP_PORT` (the image's Env: `default_port`), serving /www (index.html says `hello from NAME`).
- `EXAMPLE_IMAGES` / `example_images()`: the names the shared examples use (`nginx` on 80,
  `hello_world:latest` and `hello-world:latest` on 9001), for later issues (pods, Marathon apps).

Registry
--------
`Registry(work_dir).start()` runs `/usr/bin/docker-registry serve CONFIG` on a free 127.0.0.1 port with
filesystem storage under `work_dir`, waits until `GET /v2/` answers, and `stop()` ends it (it is also a
context manager). `registry.address` is `127.0.0.1:PORT`: pass it to agents as `--insecure-registry`
(and `--registry` for unqualified names). `registry.push(image, name=None)` uploads the blobs (POST
/v2/<repo>/blobs/uploads/, then PUT <location>&digest=...) and PUTs the manifest with its media type.
"""
import gzip
import hashlib
import io
import json
import platform
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import urljoin

import requests

from .ports import free_port
from .processes import ManagedProcess
from .waiting import StopWaiting, wait_until

BUSYBOX = Path("/bin/busybox")
DOCKER_REGISTRY = Path("/usr/bin/docker-registry")
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
FIXED_MTIME = 1_700_000_000  # every tar entry: identical inputs give identical digests

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"

# A file in an image: its bytes, or (bytes, mode); a str value is UTF-8 text.
FileContent = Union[bytes, str, Tuple[Union[bytes, str], int]]


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _hex(digest: str) -> str:
    return digest.split(":", 1)[1]


def oci_architecture() -> str:
    """The host's architecture in OCI terms (busybox-static is the host's binary)."""
    machine = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386"}.get(machine, machine)


def split_name(name: str) -> Tuple[str, str]:
    """`[REGISTRY/]REPO[:TAG]` → (`[REGISTRY/]REPO`, TAG), with Docker's rule that a port only sits in the first
    component: `127.0.0.1:5000/e2e/echo` has tag `latest`."""
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        return name[: -(len(last) - last.index(":"))], last.split(":", 1)[1]
    return name, "latest"


def busybox_applets() -> List[str]:
    """The applets the installed busybox-static provides (`busybox --list`)."""
    if not BUSYBOX.exists():
        raise AssertionError(f"{BUSYBOX} is missing: apt-get install -y busybox-static")
    listed = subprocess.run([str(BUSYBOX), "--list"], check=True, capture_output=True, text=True).stdout.split()
    return sorted(set(listed) - {"busybox"})


# --- layers ---------------------------------------------------------------------------------------


class _LayerWriter:
    """An uncompressed, deterministic tar in memory; parent directories are added as needed."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.buffer, mode="w", format=tarfile.GNU_FORMAT)
        self.seen: set = set()

    def _info(self, path: str, kind: bytes, mode: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(path)
        info.type = kind
        info.mode = mode
        info.mtime = FIXED_MTIME
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    def directory(self, path: str, mode: int = 0o755) -> None:
        path = path.strip("/")
        if not path or path in self.seen:
            return
        self.directory(path.rsplit("/", 1)[0] if "/" in path else "")
        self.seen.add(path)
        self.tar.addfile(self._info(path, tarfile.DIRTYPE, mode))

    def file(self, path: str, data: bytes, mode: int = 0o644) -> None:
        path = path.strip("/")
        self._parent(path)
        info = self._info(path, tarfile.REGTYPE, mode)
        info.size = len(data)
        self.seen.add(path)
        self.tar.addfile(info, io.BytesIO(data))

    def symlink(self, path: str, target: str) -> None:
        path = path.strip("/")
        self._parent(path)
        info = self._info(path, tarfile.SYMTYPE, 0o777)
        info.linkname = target
        self.seen.add(path)
        self.tar.addfile(info)

    def _parent(self, path: str) -> None:
        if "/" in path:
            self.directory(path.rsplit("/", 1)[0])

    def close(self) -> bytes:
        self.tar.close()
        return self.buffer.getvalue()


def busybox_layer(files: Optional[Mapping[str, FileContent]] = None, directories: Sequence[str] = ()) -> bytes:
    """An uncompressed layer tar: /bin/busybox, a /bin symlink per applet (and /usr/bin/env), /etc/passwd,
    /etc/group, /tmp (1777), /root, /proc, /sys, /dev, the given extra directories and `files`."""
    layer = _LayerWriter()
    for directory in ("bin", "dev", "etc", "proc", "root", "sys", "usr/bin", "usr/sbin", "var", "mnt", *directories):
        layer.directory(directory)
    layer.directory("tmp", 0o1777)
    layer.file("bin/busybox", BUSYBOX.read_bytes(), 0o755)
    for applet in busybox_applets():
        layer.symlink(f"bin/{applet}", "busybox")
    layer.symlink("usr/bin/env", "/bin/busybox")
    layer.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
    layer.file("etc/group", b"root:x:0:\nnogroup:x:65534:\n")
    for path, content in sorted((files or {}).items()):
        data, mode = content if isinstance(content, tuple) else (content, 0o644)
        layer.file(path, data.encode() if isinstance(data, str) else data, mode)
    return layer.close()


def gzip_bytes(data: bytes) -> bytes:
    """gzip with a zero timestamp and no file name, so the compressed digest is stable too."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as stream:
        stream.write(data)
    return out.getvalue()


# --- images ---------------------------------------------------------------------------------------


@dataclass
class BuiltImage:
    """One single-layer image: its name, config and layer, in every form the tests hand out."""

    name: str  # [REGISTRY/]REPO[:TAG]
    config: Dict
    layer_tar: bytes  # uncompressed (its digest is the config's diff_id; docker save stores this)
    layer_gzip: bytes = field(default=b"")

    def __post_init__(self) -> None:
        if not self.layer_gzip:
            self.layer_gzip = gzip_bytes(self.layer_tar)

    # --- blobs ----------------------------------------------------------------------------------

    @property
    def repository(self) -> str:
        return split_name(self.name)[0]

    @property
    def tag(self) -> str:
        return split_name(self.name)[1]

    @property
    def config_bytes(self) -> bytes:
        return json.dumps(self.config, sort_keys=True, separators=(",", ":")).encode()

    @property
    def config_digest(self) -> str:
        return sha256_digest(self.config_bytes)

    @property
    def diff_id(self) -> str:
        return sha256_digest(self.layer_tar)

    @property
    def layer_digest(self) -> str:
        return sha256_digest(self.layer_gzip)

    def manifest_bytes(self, manifest_format: str = "oci") -> bytes:
        """The image manifest (OCI, or Docker schema 2 with `manifest_format="docker"`)."""
        if manifest_format not in ("oci", "docker"):
            raise ValueError(f"manifest_format must be 'oci' or 'docker', not {manifest_format!r}")
        oci = manifest_format == "oci"
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST if oci else DOCKER_MANIFEST,
            "config": {"mediaType": OCI_CONFIG if oci else DOCKER_CONFIG, "digest": self.config_digest,
                       "size": len(self.config_bytes)},
            "layers": [{"mediaType": OCI_LAYER_GZIP if oci else DOCKER_LAYER_GZIP, "digest": self.layer_digest,
                        "size": len(self.layer_gzip)}],
        }
        return json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()

    def manifest_digest(self, manifest_format: str = "oci") -> str:
        return sha256_digest(self.manifest_bytes(manifest_format))

    def blobs(self, manifest_format: str = "oci") -> Dict[str, bytes]:
        """digest → content of the manifest, the config and the (gzip) layer."""
        manifest = self.manifest_bytes(manifest_format)
        return {sha256_digest(manifest): manifest, self.config_digest: self.config_bytes,
                self.layer_digest: self.layer_gzip}

    # --- archives -------------------------------------------------------------------------------

    def write_oci_layout(self, path: Path, name: Optional[str] = None) -> Path:
        """An OCI image-layout tar (oci-layout, index.json, blobs/sha256/<hex>); the index names the image
        (`io.containerd.image.name` = full name, `org.opencontainers.image.ref.name` = tag)."""
        name = name or self.name
        manifest = self.manifest_bytes("oci")
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [{
            "mediaType": OCI_MANIFEST, "digest": sha256_digest(manifest), "size": len(manifest),
            "annotations": {"io.containerd.image.name": name,
                            "org.opencontainers.image.ref.name": split_name(name)[1]}}]}
        entries = [("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode()),
                   ("index.json", json.dumps(index, sort_keys=True).encode())]
        entries += [(f"blobs/sha256/{_hex(d)}", data) for d, data in sorted(self.blobs("oci").items())]
        return _write_tar(Path(path), entries, directories=["blobs", "blobs/sha256"])

    def write_docker_archive(self, path: Path, name: Optional[str] = None) -> Path:
        """A `docker save` tar: manifest.json (Config, RepoTags, Layers), <config hex>.json,
        <layer id>/layer.tar (uncompressed), and the legacy `repositories` file."""
        name = name or self.name
        repository, tag = split_name(name)
        config_file = f"{_hex(self.config_digest)}.json"
        layer_id = _hex(self.diff_id)
        manifest = [{"Config": config_file, "RepoTags": [f"{repository}:{tag}"], "Layers": [f"{layer_id}/layer.tar"]}]
        entries = [("manifest.json", json.dumps(manifest).encode()),
                   ("repositories", json.dumps({repository: {tag: layer_id}}).encode()),
                   (config_file, self.config_bytes),
                   (f"{layer_id}/VERSION", b"1.0"),
                   (f"{layer_id}/layer.tar", self.layer_tar)]
        return _write_tar(Path(path), entries, directories=[layer_id])

    def push(self, registry_address: str, name: Optional[str] = None, manifest_format: str = "oci") -> str:
        """Pushes to a plain-HTTP registry at `registry_address`; returns the manifest digest."""
        return push_image(f"http://{registry_address}", self, name=name, manifest_format=manifest_format)


def _write_tar(path: Path, entries: Sequence[Tuple[str, bytes]], directories: Sequence[str] = ()) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
        for directory in directories:
            info = tarfile.TarInfo(directory)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, FIXED_MTIME
            tar.addfile(info)
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, FIXED_MTIME
            tar.addfile(info, io.BytesIO(data))
    return path


def busybox_image(name: str, entrypoint: Optional[Sequence[str]] = None, cmd: Optional[Sequence[str]] = None,
                  env: Optional[Mapping[str, str]] = None, working_dir: str = "/",
                  files: Optional[Mapping[str, FileContent]] = None, user: str = "",
                  exposed_ports: Sequence[int] = (), labels: Optional[Mapping[str, str]] = None) -> BuiltImage:
    """A busybox image with this config. PATH is set unless `env` gives one; `working_dir` exists in the
    rootfs. Entrypoint/Cmd absent (None) are left out of the config, as in real images."""
    variables = {"PATH": DEFAULT_PATH, **(env or {})}
    container_config: Dict = {"Env": [f"{k}={v}" for k, v in variables.items()], "WorkingDir": working_dir}
    if entrypoint is not None:
        container_config["Entrypoint"] = list(entrypoint)
    if cmd is not None:
        container_config["Cmd"] = list(cmd)
    if user:
        container_config["User"] = user
    if exposed_ports:
        container_config["ExposedPorts"] = {f"{p}/tcp": {} for p in exposed_ports}
    if labels:
        container_config["Labels"] = dict(labels)
    layer = busybox_layer(files, directories=[working_dir] if working_dir.strip("/") else [])
    config = {
        "architecture": oci_architecture(), "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "config": container_config,
        "rootfs": {"type": "layers", "diff_ids": [sha256_digest(layer)]},
        "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "mesokube e2e busybox image"}],
    }
    return BuiltImage(name=name, config=config, layer_tar=layer)


ECHO_SCRIPT = """#!/bin/sh
# The e2e echo image's entrypoint: a marker line, then what the container was given.
echo "${ECHO_MESSAGE:-hello from the e2e echo image}"
echo "args=[$*] pwd=$(pwd) sandbox=${MESOS_SANDBOX:-none}"
"""

SERVE_HTTP_SCRIPT = """#!/bin/sh
# The e2e httpd image's entrypoint: busybox httpd in the foreground, serving /www, on $PORT0 when the
# platform assigned a host port, else on $HTTP_PORT (the image's default). Extra arguments go to httpd.
port="${PORT0:-${HTTP_PORT:-80}}"
echo "serving /www on port $port"
exec /bin/httpd -f -v -p "$port" -h /www "$@"
"""


def echo_image(name: str = "e2e/echo:latest", message: str = "hello from the e2e echo image",
               working_dir: str = "/", env: Optional[Mapping[str, str]] = None) -> BuiltImage:
    """Entrypoint /bin/e2e-echo (prints `message`, then `args=[...] pwd=... sandbox=...`), Cmd
    ["from-image-cmd"], Env ECHO_MESSAGE=message."""
    return busybox_image(name, entrypoint=["/bin/e2e-echo"], cmd=["from-image-cmd"],
                         env={"ECHO_MESSAGE": message, **(env or {})}, working_dir=working_dir,
                         files={"bin/e2e-echo": (ECHO_SCRIPT, 0o755)})


def httpd_image(name: str = "hello_world:latest", default_port: int = 80,
                index_html: Optional[str] = None) -> BuiltImage:
    """Entrypoint /bin/serve-http: busybox httpd on $PORT0 or else `default_port` ($HTTP_PORT), serving
    /www/index.html (default text: `hello from NAME`)."""
    page = index_html if index_html is not None else f"<html><body>hello from {name}</body></html>\n"
    return busybox_image(name, entrypoint=["/bin/serve-http"], cmd=[], env={"HTTP_PORT": str(default_port)},
                         working_dir="/www", exposed_ports=[default_port],
                         files={"bin/serve-http": (SERVE_HTTP_SCRIPT, 0o755), "www/index.html": page})


# The names the shared examples run (../shared/examples): name → the port its HTTP server listens on.
EXAMPLE_IMAGES: Dict[str, int] = {"nginx:latest": 80, "hello_world:latest": 9001, "hello-world:latest": 9001}


def example_images() -> List[BuiltImage]:
    """httpd images under the examples' names, each serving on the example's port (or $PORT0)."""
    return [httpd_image(name, default_port=port) for name, port in EXAMPLE_IMAGES.items()]


# --- registry -------------------------------------------------------------------------------------


def push_image(base_url: str, image: BuiltImage, name: Optional[str] = None, manifest_format: str = "oci",
               session: Optional[requests.Session] = None, timeout: float = 60.0) -> str:
    """Pushes `image` as repository[:tag] `name` (default: the image's name without a registry part that
    the caller already put in base_url) to the registry at `base_url` (`http://HOST:PORT`), using the
    distribution API: each blob unless the registry has it (HEAD), via POST /v2/<repo>/blobs/uploads/ and
    PUT <Location>&digest=<digest>; then PUT /v2/<repo>/manifests/<tag> with the manifest's media type.
    Returns the manifest digest (checked against the registry's Docker-Content-Digest)."""
    http = session or requests.Session()
    repository, tag = split_name(name or image.name)
    host = base_url.split("://", 1)[1].rstrip("/")
    if repository.startswith(host + "/"):
        repository = repository[len(host) + 1:]
    base = base_url.rstrip("/")
    manifest = image.manifest_bytes(manifest_format)
    for digest, data in ((image.config_digest, image.config_bytes), (image.layer_digest, image.layer_gzip)):
        head = http.head(f"{base}/v2/{repository}/blobs/{digest}", timeout=timeout)
        if head.status_code == 200:
            continue
        started = http.post(f"{base}/v2/{repository}/blobs/uploads/", timeout=timeout)
        assert started.status_code == 202, f"start upload to {repository}: {started.status_code} {started.text[:300]}"
        location = urljoin(base + "/", started.headers["Location"])
        separator = "&" if "?" in location else "?"
        done = http.put(f"{location}{separator}digest={digest}", data=data, timeout=timeout,
                        headers={"Content-Type": "application/octet-stream", "Content-Length": str(len(data))})
        assert done.status_code == 201, f"upload {digest} to {repository}: {done.status_code} {done.text[:300]}"
    media_type = OCI_MANIFEST if manifest_format == "oci" else DOCKER_MANIFEST
    put = http.put(f"{base}/v2/{repository}/manifests/{tag}", data=manifest, timeout=timeout,
                   headers={"Content-Type": media_type})
    assert put.status_code == 201, f"PUT manifest {repository}:{tag}: {put.status_code} {put.text[:300]}"
    digest = sha256_digest(manifest)
    answered = put.headers.get("Docker-Content-Digest")
    assert answered in (None, digest), f"registry stored manifest {answered}, expected {digest}"
    return digest


class Registry:
    """Debian's real `docker-registry` (distribution 2.x) on a free 127.0.0.1 port, storage in `work_dir`."""

    def __init__(self, work_dir: Path, port: Optional[int] = None):
        self.work_dir = Path(work_dir)
        self.port = port or free_port()
        self.process: Optional[ManagedProcess] = None
        self.session = requests.Session()
        self.pushed: Dict[str, str] = {}  # "repo:tag" → manifest digest, for every push through this object

    @property
    def address(self) -> str:
        """`127.0.0.1:PORT`, for `--registry` / `--insecure-registry` and fully qualified image names."""
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.address}"

    def qualified(self, name: str) -> str:
        """`127.0.0.1:PORT/name`."""
        return f"{self.address}/{name}"

    def config_text(self) -> str:
        storage = self.work_dir / "storage"
        return (f"version: 0.1\n"
                f"log:\n  level: info\n  accesslog:\n    disabled: false\n"
                f"storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n"
                f"http:\n  addr: {self.address}\n  headers:\n    X-Content-Type-Options: [nosniff]\n")

    def start(self, timeout: float = 30.0) -> "Registry":
        if not DOCKER_REGISTRY.exists():
            raise AssertionError(f"{DOCKER_REGISTRY} is missing: apt-get install -y docker-registry")
        (self.work_dir / "storage").mkdir(parents=True, exist_ok=True)
        config = self.work_dir / "config.yml"
        config.write_text(self.config_text())
        self.process = ManagedProcess("docker-registry", [str(DOCKER_REGISTRY), "serve", str(config)],
                                      self.work_dir / "registry.log", cwd=self.work_dir).start()

        def answers() -> bool:
            if not self.process.alive():
                raise StopWaiting(f"docker-registry exited early:\n{self.logs()}")
            return self.session.get(f"{self.base_url}/v2/", timeout=3).status_code == 200
        wait_until(answers, timeout, f"docker-registry at {self.base_url}/v2/")
        return self

    def push(self, image: BuiltImage, name: Optional[str] = None, manifest_format: str = "oci") -> str:
        """Pushes `image` under `name` (default: its own name; a leading `127.0.0.1:PORT/` is dropped) and
        returns the manifest digest (also kept in `self.pushed["repo:tag"]`)."""
        digest = push_image(self.base_url, image, name=name, manifest_format=manifest_format, session=self.session)
        repository, tag = split_name(name or image.name)
        if repository.startswith(self.address + "/"):
            repository = repository[len(self.address) + 1:]
        self.pushed[f"{repository}:{tag}"] = digest
        return digest

    def manifest(self, repository: str, reference: str) -> requests.Response:
        accept = ", ".join([OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX])
        return self.session.get(f"{self.base_url}/v2/{repository}/manifests/{reference}",
                                headers={"Accept": accept}, timeout=10)

    def logs(self, lines: int = 60) -> str:
        return self.process.log_tail(lines) if self.process is not None else ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate(grace=5)
            self.process = None

    def __enter__(self) -> "Registry":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def wait_http(url: str, timeout: float = 30.0, contains: Optional[str] = None) -> str:
    """GETs `url` until it answers 200 (and holds `contains`); returns the body."""
    def probe() -> Optional[str]:
        response = requests.get(url, timeout=3)
        if response.status_code == 200 and (contains is None or contains in response.text):
            return response.text
        return None
    return wait_until(probe, timeout, f"HTTP 200 from {url}")


__all__ = ["BuiltImage", "Registry", "busybox_image", "busybox_layer", "echo_image", "httpd_image",
           "example_images", "EXAMPLE_IMAGES", "push_image", "split_name", "wait_http"]
