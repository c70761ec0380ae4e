// Cases for TaskValidationTests: each is JSON merged into a valid task.

private let image = #""mesos":{"image":{"type":"DOCKER","docker":{"name":"busybox"}}}"#

let acceptedCases: [TaskFieldsCase] = [
    .init(name: "MESOS container without image", fields: #"{"container":{"type":"MESOS"}}"#),
    .init(
        name: "MESOS container with a Docker image, force pull",
        fields:
            #"{"container":{"type":"MESOS","mesos":{"image":{"type":"DOCKER","docker":{"name":"busybox"},"cached":false}}}}"#
    ),
    .init(
        name: "DOCKER container with host network and force_pull_image",
        fields: #"""
            {"container":{"type":"DOCKER","docker":{"image":"hello_world:latest","network":"HOST",
             "force_pull_image":true,"privileged":false,"parameters":[],"port_mappings":[]}}}
            """#),
    .init(
        name: "DOCKER container without network (HOST)",
        fields: #"{"container":{"type":"DOCKER","docker":{"image":"nginx"}}}"#),
    .init(
        name: "host path volume, relative container path, no image",
        fields: #"{"container":{"type":"MESOS","volumes":[{"container_path":"data","host_path":"/tmp","mode":"RW"}]}}"#),
    .init(
        name: "host path volume, absolute container path with an image",
        fields:
            #"{"container":{"type":"MESOS",\#(image),"volumes":[{"container_path":"/data","host_path":"/tmp","mode":"RO"}]}}"#
    ),
    .init(
        name: "linux_info with defaults",
        fields: #"{"container":{"type":"MESOS","linux_info":{"share_pid_namespace":false}}}"#),
    .init(name: "HTTP health check", fields: #"{"health_check":{"type":"HTTP","http":{"port":8080,"path":"/ok"}}}"#),
    .init(
        name: "TCP health check",
        fields: #"{"health_check":{"type":"TCP","tcp":{"port":8080},"consecutive_failures":0}}"#),
    .init(
        name: "COMMAND health check",
        fields:
            #"{"health_check":{"type":"COMMAND","command":{"value":"true"},"delay_seconds":0,"grace_period_seconds":0}}"#
    ),
    .init(name: "COMMAND check", fields: #"{"check":{"type":"COMMAND","command":{"command":{"value":"exit 0"}}}}"#),
    .init(name: "HTTP check", fields: #"{"check":{"type":"HTTP","http":{"port":80}}}"#),
    .init(name: "TCP check", fields: #"{"check":{"type":"TCP","tcp":{"port":80}}}"#),
    .init(
        name: "cpus and unlimited mem limits", fields: #"{"limits":{"cpus":{"value":2},"mem":{"value":"Infinity"}}}"#),
    .init(name: "limits equal to the requests", fields: #"{"limits":{"cpus":{"value":0.1},"mem":{"value":32}}}"#),
    .init(
        name: "fetcher uris", fields: #"{"command":{"uris":[{"value":"http://example.com/a.tgz","extract":true}]}}"#),
    .init(
        name: "executor with an image-less MESOS container", fields: #"{"executor":{"container":{"type":"MESOS"}}}"#,
        executor: true),
    .init(
        name: "executor with fetcher uris",
        fields: #"{"executor":{"command":{"uris":[{"value":"file:///tmp/exec"}]}}}"#, executor: true),
]

let refusedCases: [TaskFieldsCase] = containerRefusals + volumeRefusals + checkRefusals + otherRefusals

private let containerRefusals: [TaskFieldsCase] = [
    .init(name: "container without type", fields: #"{"container":{}}"#, message: "ContainerInfo.type is required"),
    .init(
        name: "APPC container type", fields: #"{"container":{"type":"APPC"}}"#,
        message: "ContainerInfo.type 'APPC' is not supported"),
    .init(
        name: "APPC image",
        fields: #"{"container":{"type":"MESOS","mesos":{"image":{"type":"APPC","appc":{"name":"x"}}}}}"#,
        message: "Only Docker images are supported"),
    .init(
        name: "image without type",
        fields: #"{"container":{"type":"MESOS","mesos":{"image":{"docker":{"name":"x"}}}}}"#,
        message: "Image.type is required"),
    .init(
        name: "Docker image without name",
        fields: #"{"container":{"type":"MESOS","mesos":{"image":{"type":"DOCKER"}}}}"#,
        message: "Image.docker.name is required"),
    .init(
        name: "Docker image credential",
        fields:
            #"{"container":{"type":"MESOS","mesos":{"image":{"type":"DOCKER","docker":{"name":"x","credential":{"principal":"p"}}}}}}"#,
        message: "Image.docker.credential is not supported"),
    .init(
        name: "DOCKER without docker", fields: #"{"container":{"type":"DOCKER"}}"#,
        message: "DockerInfo 'docker' is not set"),
    .init(
        name: "DOCKER without image", fields: #"{"container":{"type":"DOCKER","docker":{}}}"#,
        message: "DockerInfo.image is required"),
    .init(
        name: "docker parameters",
        fields:
            #"{"container":{"type":"DOCKER","docker":{"image":"x","parameters":[{"key":"cap-add","value":"ALL"}]}}}"#,
        message: "DockerInfo.parameters (cap-add) is not supported (see docs/containerizer.md)"),
    .init(
        name: "privileged", fields: #"{"container":{"type":"DOCKER","docker":{"image":"x","privileged":true}}}"#,
        message: "DockerInfo.privileged is not supported"),
    .init(
        name: "bridge network", fields: #"{"container":{"type":"DOCKER","docker":{"image":"x","network":"BRIDGE"}}}"#,
        message: "DockerInfo.network BRIDGE is not supported"),
    .init(
        name: "port mappings",
        fields:
            #"{"container":{"type":"DOCKER","docker":{"image":"x","port_mappings":[{"host_port":0,"container_port":80}]}}}"#,
        message: "DockerInfo.port_mappings is not supported"),
    .init(
        name: "volume driver",
        fields: #"{"container":{"type":"DOCKER","docker":{"image":"x","volume_driver":"rexray"}}}"#,
        message: "DockerInfo.volume_driver is not supported"),
    .init(
        name: "hostname", fields: #"{"container":{"type":"MESOS","hostname":"web"}}"#,
        message: "ContainerInfo.hostname is not supported: containers share the host's network"),
    .init(
        name: "network_infos", fields: #"{"container":{"type":"MESOS","network_infos":[{"name":"overlay"}]}}"#,
        message: "ContainerInfo.network_infos is not supported"),
    .init(
        name: "shared pid namespace",
        fields: #"{"container":{"type":"MESOS","linux_info":{"share_pid_namespace":true}}}"#,
        message: "ContainerInfo.linux_info.share_pid_namespace is not supported"),
    .init(
        name: "capabilities",
        fields: #"{"container":{"type":"MESOS","linux_info":{"bounding_capabilities":{"capabilities":["NET_RAW"]}}}}"#,
        message: "ContainerInfo.linux_info.bounding_capabilities is not supported"),
    .init(
        name: "rlimit_info", fields: #"{"container":{"type":"MESOS","rlimit_info":{"rlimits":[]}}}"#,
        message: "ContainerInfo.rlimit_info is not supported"),
    .init(
        name: "tty_info", fields: #"{"container":{"type":"MESOS","tty_info":{}}}"#,
        message: "ContainerInfo.tty_info is not supported"),
]

private func volume(_ fields: String, withImage: Bool = false) -> String {
    #"{"container":{"type":"MESOS",\#(withImage ? image + "," : "")"volumes":[\#(fields)]}}"#
}

private let volumeRefusals: [TaskFieldsCase] = [
    .init(
        name: "volume source",
        fields: volume(#"{"container_path":"d","mode":"RW","source":{"type":"DOCKER_VOLUME"}}"#),
        message: "volumes[0].source is not supported"),
    .init(
        name: "image volume", fields: volume(#"{"container_path":"d","mode":"RO","image":{"type":"DOCKER"}}"#),
        message: "volumes[0].image is not supported"),
    .init(
        name: "volume without host_path", fields: volume(#"{"container_path":"d","mode":"RW"}"#),
        message: "without host_path is not supported"),
    .init(
        name: "volume without container_path", fields: volume(#"{"host_path":"/tmp","mode":"RW"}"#),
        message: "container_path is required"),
    .init(
        name: "relative host path", fields: volume(#"{"container_path":"d","host_path":"tmp","mode":"RW"}"#),
        message: "host_path must be an absolute path"),
    .init(
        name: "absolute container path without an image",
        fields: volume(#"{"container_path":"/etc","host_path":"/tmp","mode":"RW"}"#),
        message: "must be relative (to the sandbox)"),
    .init(
        name: "container path escaping", fields: volume(#"{"container_path":"../x","host_path":"/tmp","mode":"RW"}"#),
        message: "must not contain '..'"),
    .init(
        name: "volume without mode", fields: volume(#"{"container_path":"d","host_path":"/tmp"}"#, withImage: true),
        message: "mode is required"),
    .init(
        name: "unknown volume mode", fields: volume(#"{"container_path":"d","host_path":"/tmp","mode":"RX"}"#),
        message: "mode 'RX' is unknown"),
]

private let checkRefusals: [TaskFieldsCase] = [
    .init(
        name: "health check without type", fields: #"{"health_check":{}}"#, message: "HealthCheck must specify 'type'"),
    .init(
        name: "DOCKER health check", fields: #"{"health_check":{"type":"DOCKER"}}"#,
        message: "HealthCheck type DOCKER is not supported"),
    .init(
        name: "HTTP health check without port", fields: #"{"health_check":{"type":"HTTP","http":{}}}"#,
        message: "HealthCheck 'http.port' is required"),
    .init(
        name: "TCP health check without tcp", fields: #"{"health_check":{"type":"TCP"}}"#,
        message: "HealthCheck 'tcp' is required for type TCP"),
    .init(
        name: "COMMAND health check without command", fields: #"{"health_check":{"type":"COMMAND"}}"#,
        message: "HealthCheck 'command' is required for type COMMAND"),
    .init(
        name: "negative delay",
        fields: #"{"health_check":{"type":"TCP","tcp":{"port":1},"delay_seconds":-1}}"#,
        message: "'delay_seconds' must be non-negative"),
    .init(
        name: "negative interval",
        fields: #"{"health_check":{"type":"TCP","tcp":{"port":1},"interval_seconds":-1}}"#,
        message: "'interval_seconds' must be non-negative"),
    .init(
        name: "negative timeout", fields: #"{"health_check":{"type":"TCP","tcp":{"port":1},"timeout_seconds":-1}}"#,
        message: "'timeout_seconds' must be non-negative"),
    .init(
        name: "negative grace period",
        fields: #"{"health_check":{"type":"TCP","tcp":{"port":1},"grace_period_seconds":-5}}"#,
        message: "'grace_period_seconds' must be non-negative"),
    .init(
        name: "negative consecutive failures",
        fields: #"{"health_check":{"type":"TCP","tcp":{"port":1},"consecutive_failures":-1}}"#,
        message: "'consecutive_failures' must be non-negative"),
    .init(
        name: "check command not nested", fields: #"{"check":{"type":"COMMAND","command":{"value":"true"}}}"#,
        message: "CheckInfo 'command.command' is required"),
    .init(
        name: "check with negative timeout", fields: #"{"check":{"type":"TCP","tcp":{"port":1},"timeout_seconds":-1}}"#,
        message: "CheckInfo 'timeout_seconds' must be non-negative"),
    .init(
        name: "HTTP check without port", fields: #"{"check":{"type":"HTTP","http":{}}}"#,
        message: "CheckInfo 'http.port' is required"),
]

private let otherRefusals: [TaskFieldsCase] = [
    .init(
        name: "disk limit", fields: #"{"limits":{"disk":{"value":10}}}"#,
        message: "Resource limits may only be set for 'cpus' and 'mem', not 'disk'"),
    .init(
        name: "cpus limit below request", fields: #"{"limits":{"cpus":{"value":0.05}}}"#,
        message: "is less than the task's 'cpus' request"),
    .init(
        name: "negative mem limit", fields: #"{"limits":{"mem":{"value":-1}}}"#,
        message: "The 'mem' limit must be a non-negative number"),
    .init(
        name: "mem limit without a mem request",
        fields:
            #"{"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.1}}],"limits":{"mem":{"value":64}}}"#,
        message: "A 'mem' limit requires the task to request 'mem'"),
    .init(
        name: "uri without value", fields: #"{"command":{"uris":[{"value":""}]}}"#,
        message: "CommandInfo.uris[0].value must not be empty"),
    .init(
        name: "command user", fields: #"{"command":{"user":"nobody"}}"#,
        message: "CommandInfo.user is not supported yet"),
    .init(
        name: "executor DOCKER container",
        fields: #"{"executor":{"container":{"type":"DOCKER","docker":{"image":"x"}}}}"#,
        executor: true, message: "ExecutorInfo.container of type DOCKER is not supported"),
    .init(
        name: "executor image", fields: #"{"executor":{"container":{"type":"MESOS",\#(image)}}}"#, executor: true,
        message: "ExecutorInfo.container.mesos.image is not supported"),
    .init(
        name: "executor volumes",
        fields:
            #"{"executor":{"container":{"type":"MESOS","volumes":[{"container_path":"d","host_path":"/tmp","mode":"RW"}]}}}"#,
        executor: true, message: "ExecutorInfo.container.volumes is not supported"),
    .init(
        name: "container on a task of a custom executor", fields: #"{"container":{"type":"MESOS",\#(image)}}"#,
        executor: true, message: "TaskInfo.container is not supported on a task with an ExecutorInfo"),
    .init(
        name: "limits on a task of a custom executor", fields: #"{"limits":{"cpus":{"value":1}}}"#,
        executor: true, message: "TaskInfo.limits is not supported on a task with an ExecutorInfo"),
    .init(
        name: "executor uri without value", fields: #"{"executor":{"command":{"uris":[{"value":" "}]}}}"#,
        executor: true,
        message: "CommandInfo.uris[0].value must not be empty"),
]
