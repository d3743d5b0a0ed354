#!/usr/bin/env bash
# Proves the Linux packages in DIST: the .deb's fields, contents and
# dependencies, that it would install here, that its binary runs and prints
# the version from a throwaway root, and that the tar.xz carries the same
# binary with its desktop entry and icon. Prints one line per proof.
# usage: check-linux.sh DIST VERSION
set -euo pipefail
dist=$1 version=$2
deb="$dist/mailshift_${version}_amd64.deb"
tarball="$dist/Mailshift-$version-linux-amd64.tar.xz"
work="$dist/check/linux"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL linux: $*" >&2; exit 1; }
ok() { echo "ok   linux: $*"; }
for t in dpkg-deb dpkg desktop-file-validate file; do
  command -v $t >/dev/null || fail "$t is missing: run .ci/deps package (Debian: dpkg-dev, desktop-file-utils, file)"
done
[ -f "$deb" ] && [ -f "$tarball" ] || fail "run make package first: $deb or $tarball is missing"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = mailshift ] || fail "Package is $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version is $(field Version), FyneApp.toml says $version"
[ "$(field Architecture)" = amd64 ] || fail "Architecture is $(field Architecture)"
depends=$(field Depends)
ok "control: mailshift $version amd64, Depends: $depends"

# Contents: exactly these files, owned by root, with these modes.
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $1, $2, $6}' | sort >"$work/contents"
cat >"$work/want" <<WANT
-rw-r--r-- root/root ./usr/share/applications/mailshift.desktop
-rw-r--r-- root/root ./usr/share/doc/mailshift/README
-rw-r--r-- root/root ./usr/share/icons/hicolor/256x256/apps/mailshift.png
-rwxr-xr-x root/root ./usr/bin/mailshift
WANT
sort -o "$work/want" "$work/want"
diff -u "$work/want" "$work/contents" || fail "dpkg-deb -c lists other files than expected"
ok "contents (dpkg-deb -c): /usr/bin/mailshift 0755, desktop entry, hicolor 256x256 icon, doc; all root:root"

# Dependencies: every shared library the binary links (NEEDED) or that GLFW
# dlopens (libX*.so.N named in the binary) belongs to a package in Depends.
dpkg -x "$deb" "$work/root"
bin="$work/root/usr/bin/mailshift"
libs=$( (objdump -p "$bin" | awk '/NEEDED/ {print $2}'; strings -n 6 "$bin" | grep -E '^libX[A-Za-z0-9_-]*\.so\.[0-9]+$') | sort -u)
for lib in $libs; do
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ && !found++ {print $NF}')
  [ -n "$path" ] || fail "$lib is not installed here: cannot tell its package"
  pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | sed -n 1p | cut -d: -f1) || true
  [ -n "$pkg" ] || pkg=$(dpkg -S "$path" | sed -n 1p | cut -d: -f1)
  grep -Eq "(^|, )$pkg( |,|$)" <<<"$depends" || fail "$lib comes from $pkg, which Depends does not name"
done
ok "Depends covers all $(wc -w <<<"$libs") libraries the binary links or dlopens: $(echo $libs)"

# dpkg --dry-run -i resolves Depends against this system (retry if apt holds the lock).
for try in 1 2 3 4 5; do
  if out=$(dpkg --dry-run -i "$deb" 2>&1); then break; fi
  grep -q "lock" <<<"$out" && [ $try -lt 5 ] || fail "dpkg --dry-run -i: $out"
  sleep 2
done
ok "dpkg --dry-run -i: dependencies satisfied on this system"

desktop-file-validate "$work/root/usr/share/applications/mailshift.desktop" || fail "desktop entry is invalid"
grep -qx 'Exec=mailshift' "$work/root/usr/share/applications/mailshift.desktop" &&
  grep -qx 'Icon=mailshift' "$work/root/usr/share/applications/mailshift.desktop" || fail "desktop entry does not name mailshift"
file -b "$work/root/usr/share/icons/hicolor/256x256/apps/mailshift.png" | grep 'PNG image data, 256 x 256' >/dev/null || fail "icon is not a 256x256 PNG"
ok "desktop entry passes desktop-file-validate (Exec=mailshift, Icon=mailshift); icon is a 256x256 PNG"

got=$(LANG=en_US.UTF-8 "$bin" --version) || fail "the installed binary failed to run --version"
[ "$got" = "mailshift $version" ] || fail "installed binary says '$got', want 'mailshift $version'"
ok "dpkg -x into a throwaway root: usr/bin/mailshift --version prints '$got'"

mkdir -p "$work/tar"
tar -C "$work/tar" -xJf "$tarball"
tbin=$(find "$work/tar" -path '*/usr/local/bin/mailshift' -type f)
[ -n "$tbin" ] || fail "tar.xz has no usr/local/bin/mailshift"
find "$work/tar" -path '*/usr/local/share/applications/*.desktop' | grep . >/dev/null || fail "tar.xz has no .desktop file"
find "$work/tar" -path '*/usr/local/share/pixmaps/*.png' | grep . >/dev/null || fail "tar.xz has no icon"
cmp -s "$tbin" "$bin" || fail "the tar.xz and the .deb carry different binaries"
[ "$(LANG=en_US.UTF-8 "$tbin" --version)" = "mailshift $version" ] || fail "tar.xz binary prints the wrong version"
ok "tar.xz: usr/local/bin/mailshift (same bytes as the .deb's), .desktop, icon, Makefile; --version prints 'mailshift $version'"
