"""The docker-py side of DockerPyE2EIT: drives berthd with Debian's python3-docker (5.0.3) the way a
user's script does and prints what it saw as one JSON line after MARK; the Java test asserts on it.

usage: /usr/bin/python3 dockerpy_client.py unix:///path/to/sock SCENARIO RUN_ID

Every container it makes carries the label io.berth.it.client=docker-py and io.berth.it.run=RUN_ID,
and is removed (force) before it exits, whatever happened. An exception ends it with a non-zero status
and the traceback on stderr.
"""
import json
import sys
import time

import docker
import docker.errors

MARK = "@@py-result "


def text(b):
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else b


def system(client, out, labels, made):
    out["ping"] = client.ping()
    v = client.version()
    out["version"] = {"Version": v.get("Version"), "ApiVersion": v.get("ApiVersion"), "Os": v.get("Os")}
    out["clientApiVersion"] = client.api.api_version
    out["images"] = [{"id": i.id, "tags": i.tags} for i in client.images.list()]
    out["busyboxImage"] = client.images.get("busybox").id


def attached(client, out, labels, made):
    # run with remove=True: create, inspect, start, logs?follow=1, wait, delete; returns stdout only
    out["runOutput"] = text(client.containers.run(
        "busybox", ["sh", "-c", "echo hello-py; echo err >&2"], remove=True, labels=labels))
    # stderr too when asked
    out["runBoth"] = text(client.containers.run(
        "busybox", ["sh", "-c", "echo out-py; sleep 0.2; echo err-py >&2"], remove=True, stdout=True,
        stderr=True, labels=labels))
    # a non-zero exit raises ContainerError carrying the code and stderr
    try:
        client.containers.run("busybox", ["sh", "-c", "echo oops-py >&2; exit 3"], remove=True, labels=labels)
        out["runError"] = None
    except docker.errors.ContainerError as e:
        out["runError"] = {"exit_status": e.exit_status, "stderr": text(e.stderr)}
    # attach(stream=True) hijacks with Upgrade: tcp and reads the raw socket after the 101 (bytes that
    # came in the same segment as the 101 head would be lost); the process writes right after start
    out["attachStream"] = []
    for _ in range(5):
        c = client.containers.create("busybox", ["sh", "-c", "echo att-out; sleep 0.1; echo att-err >&2; sleep 0.2; echo att-late"],
                                     labels=labels)
        made.append(c)
        stream = c.attach(stdout=True, stderr=True, stream=True, logs=False)
        c.start()
        out["attachStream"].append(text(b"".join(stream)))
        out.setdefault("attachWait", []).append(c.wait(timeout=60)["StatusCode"])
        c.remove()
        made.remove(c)


def detached(client, out, labels, made):
    # run(detach=True) -> logs -> wait -> remove(force)
    det = client.containers.run("busybox", ["sh", "-c", "echo det-out; sleep 0.1; echo det-err >&2; sleep 0.5; exit 7"],
                                detach=True, labels=labels, name="py-det-" + labels["io.berth.it.run"])
    made.append(det)
    out["detachedName"] = det.name
    out["detachedWait"] = det.wait(timeout=60)
    out["detachedLogs"] = text(det.logs())
    out["detachedStdout"] = text(det.logs(stderr=False))
    out["detachedStderr"] = text(det.logs(stdout=False))
    det.reload()
    out["detachedStatus"] = det.status
    out["detachedExitCode"] = det.attrs["State"]["ExitCode"]
    det.remove(force=True)
    made.remove(det)
    try:
        client.containers.get(det.id)
        out["detachedGone"] = False
    except docker.errors.NotFound:
        out["detachedGone"] = True


def labelled(client, out, labels, made):
    # a running container (role a) and a created one (role b), found through label filters
    a = client.containers.run("busybox", ["sh", "-c", "echo up-py; sleep 300"], detach=True,
                              labels=dict(labels, role="a"))
    made.append(a)
    b = client.containers.create("busybox", ["true"], labels=dict(labels, role="b"))
    made.append(b)
    for _ in range(100):
        if b"up-py" in a.logs():
            break
        time.sleep(0.1)
    run_filter = "io.berth.it.run=" + labels["io.berth.it.run"]

    def ids(cs):
        return sorted(c.short_id for c in cs)

    out["short"] = {"a": a.short_id, "b": b.short_id}
    out["listAll"] = ids(client.containers.list(all=True, filters={"label": run_filter}))
    out["listRunning"] = ids(client.containers.list(filters={"label": run_filter}))
    out["listRoleB"] = ids(client.containers.list(all=True, filters={"label": [run_filter, "role=b"]}))
    out["listRoleKey"] = ids(client.containers.list(all=True, filters={"label": "role"}))
    out["listNoMatch"] = ids(client.containers.list(all=True, filters={"label": run_filter + "-nope"}))
    out["labelsOfA"] = client.containers.get(a.id).labels
    out["statusOfB"] = client.containers.get(b.id).status
    a.stop(timeout=1)
    a.reload()
    out["stoppedStatus"] = a.status
    for c in (a, b):
        c.remove(force=True)
        made.remove(c)


def built(client, out, labels, made):
    # images.build(fileobj=...): the classic POST /build with a Dockerfile alone; the JSON stream comes back as
    # the log generator, the image as an Image; a failing RUN raises BuildError with the daemon's message
    import io
    dockerfile = io.BytesIO(b"FROM busybox\nARG WHO=nobody\nRUN echo built-by-$WHO > /who\nCMD [\"cat\", \"/who\"]\n")
    tag = "py-built-" + labels["io.berth.it.run"] + ":1"
    image, logs = client.images.build(fileobj=dockerfile, tag=tag, buildargs={"WHO": "docker-py"}, rm=True)
    out["builtTags"] = image.tags
    out["builtLog"] = "".join(text(l.get("stream", "")) for l in logs)
    out["builtRun"] = text(client.containers.run(tag, remove=True, labels=labels))
    try:
        client.images.build(fileobj=io.BytesIO(b"FROM busybox\nRUN exit 4\n"), rm=True)
        out["buildError"] = None
    except docker.errors.BuildError as e:
        out["buildError"] = str(e.msg)
    client.images.remove(tag)


SCENARIOS = {"system": system, "attached": attached, "detached": detached, "labelled": labelled, "built": built}


def main():
    base_url, scenario, run = sys.argv[1], sys.argv[2], sys.argv[3]
    labels = {"io.berth.it.client": "docker-py", "io.berth.it.run": run}
    out = {"dockerPy": docker.__version__}
    made = []
    client = docker.DockerClient(base_url=base_url, version="auto", timeout=60)
    try:
        SCENARIOS[scenario](client, out, labels, made)
        out["leftAtEnd"] = len(client.containers.list(all=True, filters={"label": "io.berth.it.run=" + run}))
    finally:
        for c in made:
            try:
                c.remove(force=True)
            except Exception as e:  # noqa: BLE001 - clean-up goes on
                print("could not remove %s: %r" % (c.id, e), file=sys.stderr)
        client.close()
    print(MARK + json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
