#!/bin/sh
# Writes a root filesystem tar for a "busybox" image, built from Debian's busybox-static package
# (no registry is reachable here): /bin/busybox plus a symlink for each applet, /etc/passwd and
# /etc/group with root, nobody and a user 1000, and the usual empty directories.
# Usage: scripts/busybox-rootfs.sh OUTPUT.tar
set -eu
out=${1:?usage: $0 OUTPUT.tar}
bb=$(command -v busybox || true)
[ -n "$bb" ] || { echo "$0: busybox not found; install Debian's busybox-static" >&2; exit 1; }
if ! file -L "$bb" 2>/dev/null | grep -q 'statically linked' && ldd "$bb" >/dev/null 2>&1; then
    echo "$0: $bb is not statically linked; install Debian's busybox-static" >&2; exit 1
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/etc" "$root/root" "$root/home/user" \
         "$root/tmp" "$root/var/tmp" "$root/var/log" "$root/proc" "$root/sys" "$root/dev" "$root/mnt"
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 755 "$root"
chmod 700 "$root/root"
cp "$bb" "$root/bin/busybox"
chmod 755 "$root/bin/busybox"
"$bb" --list-full | while read -r applet; do
    case "$applet" in bin/busybox) continue ;; esac
    dir=$(dirname "$applet")
    mkdir -p "$root/$dir"
    [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
tty:x:5:
user:x:1000:
nogroup:x:65534:
GROUP
chown -R 1000:1000 "$root/home/user"
# a fixed mtime makes the tar, and so the image id, the same on every machine with the same busybox
find "$root" -exec touch -h -d '2024-01-01 00:00:00 UTC' {} +
tar --numeric-owner --sort=name -C "$root" -cf "$out" .
