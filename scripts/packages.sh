#!/bin/sh
# Installs the Debian packages berth and its tests need, when they are missing (run as root).
set -eu
need=""
command -v busybox >/dev/null 2>&1 || need="$need busybox-static"
command -v curl >/dev/null 2>&1 || need="$need curl"
command -v ip >/dev/null 2>&1 || need="$need iproute2"
# the bridge network driver's firewall (iptables-restore; on Debian 12 it drives nf_tables)
command -v iptables-restore >/dev/null 2>&1 || need="$need iptables"
command -v make >/dev/null 2>&1 || need="$need make"
command -v cc >/dev/null 2>&1 || need="$need gcc libc6-dev"
command -v mvn >/dev/null 2>&1 || need="$need maven"
command -v tmux >/dev/null 2>&1 || need="$need tmux"
# the registry client's tests: a real registry, htpasswd for its Basic auth, openssl for its token signing key
command -v docker-registry >/dev/null 2>&1 || need="$need docker-registry"
command -v htpasswd >/dev/null 2>&1 || need="$need apache2-utils"
command -v openssl >/dev/null 2>&1 || need="$need openssl"
# docker-py for DockerPyE2EIT: Debian's python3-docker, used through /usr/bin/python3 (not a pyenv one)
/usr/bin/python3 -c 'import docker' >/dev/null 2>&1 || need="$need python3-docker"
# ImageArchiveE2EIT: Debian's dockerd (save/load round trips; scripts/bench.sh --dockerd uses it too),
# skopeo and umoci (they read berth's archives)
[ -x /usr/sbin/dockerd ] || need="$need docker.io"
command -v skopeo >/dev/null 2>&1 || need="$need skopeo"
command -v umoci >/dev/null 2>&1 || need="$need umoci"
if [ -n "$need" ]; then
    echo "installing:$need"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # installing docker.io must not start a dockerd on the host's default socket: while the packages
    # install, a policy-rc.d forbids starting services (unless the machine already has one)
    norc=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && norc=1
    fi
    # shellcheck disable=SC2086
    apt-get install -y -qq $need >/dev/null || { [ -z "$norc" ] || rm -f /usr/sbin/policy-rc.d; exit 1; }
    [ -z "$norc" ] || rm -f /usr/sbin/policy-rc.d
fi
