#!/usr/bin/env bash
# Builds the Linux packages from a staged source copy:
#   DIST/Mailshift-VERSION-linux-amd64.tar.xz   `fyne package -os linux -release`
#   DIST/mailshift_VERSION_amd64.deb            the same binary, desktop entry and
#                                               icon, Depends from dpkg-shlibdeps
# `fyne package` bumps Build in FyneApp.toml: it does so in the staged copy,
# and this script fails if the working tree's FyneApp.toml changed.
# usage: build-linux.sh SRC DIST VERSION FYNE MAINTAINER HOMEPAGE REPO
set -euo pipefail
src=$(cd "$1" && pwd) dist=$2 version=$3 fyne=$4 maintainer=$5 homepage=$6 repo=$7
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)
work=$dist/build/linux
rm -rf "$work" && mkdir -p "$work"
before=$(sha256sum <"$repo/FyneApp.toml")

echo "fyne package: linux/amd64 (release)"
start=$SECONDS
(cd "$src" && rm -f Mailshift.tar.xz && "$fyne" package -os linux -release)
echo "fyne package: $((SECONDS - start)) s"
[ "$(sha256sum <"$repo/FyneApp.toml")" = "$before" ] || { echo "FyneApp.toml in $repo changed during packaging" >&2; exit 1; }
tarball="$dist/Mailshift-$version-linux-amd64.tar.xz"
mv "$src/Mailshift.tar.xz" "$tarball"

# The .deb reuses the tarball's binary, desktop entry and icon.
mkdir -p "$work/tar"
tar -C "$work/tar" -xJf "$tarball"
bin=$(find "$work/tar" -path '*/usr/local/bin/*' -type f | sed -n 1p)
desktop=$(find "$work/tar" -path '*/usr/local/share/applications/*.desktop' | sed -n 1p)
icon=$(find "$work/tar" -path '*/usr/local/share/*' -name '*.png' | sed -n 1p)
[ -n "$bin" ] && [ -n "$desktop" ] && [ -n "$icon" ] || { echo "unexpected layout in $tarball" >&2; exit 1; }

# Staged where dpkg-shlibdeps expects a package tree: debian/PACKAGE.
root=$work/shlibs/debian/mailshift
install -Dm755 "$bin" "$root/usr/bin/mailshift"
install -d "$root/usr/share/applications"
sed -e 's|^Exec=.*|Exec=mailshift|' -e 's|^Icon=.*|Icon=mailshift|' "$desktop" >"$root/usr/share/applications/mailshift.desktop"
chmod 644 "$root/usr/share/applications/mailshift.desktop"
install -Dm644 "$icon" "$root/usr/share/icons/hicolor/256x256/apps/mailshift.png"
install -d "$root/usr/share/doc/mailshift"
printf 'Mailshift %s\n%s\n' "$version" "$homepage" >"$root/usr/share/doc/mailshift/README"
chmod 644 "$root/usr/share/doc/mailshift/README"

# dpkg-shlibdeps reads a source package's debian/control: give it a minimal one.
printf 'Source: mailshift\n\nPackage: mailshift\nArchitecture: amd64\n' >"$work/shlibs/debian/control"
depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O debian/mailshift/usr/bin/mailshift 2> >(grep -v "should already be installed" >&2) | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }
# GLFW dlopens these X libraries at run time (cursors, monitors, input,
# video modes), so dpkg-shlibdeps cannot see them; check-linux.sh proves
# every libX*.so the binary names is covered.
depends="$depends, libxcursor1, libxrandr2, libxinerama1, libxi6, libxxf86vm1, libx11-xcb1, libxrender1"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
install -d "$root/DEBIAN"
sed -e "s|@VERSION@|$version|" -e "s|@MAINTAINER@|$maintainer|" -e "s|@SIZE@|$size|" \
  -e "s|@DEPENDS@|$depends|" -e "s|@HOMEPAGE@|$homepage|" "$here/deb-control.in" >"$root/DEBIAN/control"
deb="$dist/mailshift_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb"
echo "Depends: $depends"
