#!/usr/bin/env bash
# Builds the Windows app and its installer from a staged source copy:
#   DIST/Mailshift.exe                  cgo + mingw-w64, GUI subsystem, icon,
#                                       manifest and version resources
#   DIST/Mailshift-VERSION-setup.exe    NSIS installer (per user or per machine)
# both signed by sign.sh when SIGN_CERT and SIGN_KEY are set.
# usage: build-windows.sh SRC DIST VERSION BUILD PUBLISHER
set -euo pipefail
src=$(cd "$1" && pwd) dist=$2 version=$3 build=$4 publisher=$5
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)
work=$dist/build/windows
rm -rf "$work" && mkdir -p "$work"

# Windows wants four numbers: major,minor,patch from the version, then Build.
IFS=. read -r major minor patch _ <<<"${version%%[-+]*}"
quad="${major:-0},${minor:-0},${patch:-0},${build:-0}"
dotted=${quad//,/.}

go run "$here/icogen" -in "$src/assets/icon.png" -out "$work/mailshift.ico"
sed -e "s/@DOTTED@/$dotted/" "$here/mailshift.manifest.in" >"$work/mailshift.manifest"
sed -e "s/@VERSION@/$version/g" -e "s/@QUAD@/$quad/g" -e "s/@PUBLISHER@/$publisher/g" \
  -e "s|@ICON@|$work/mailshift.ico|" -e "s|@MANIFEST@|$work/mailshift.manifest|" \
  "$here/mailshift.rc.in" >"$work/mailshift.rc"
# The .syso goes into the staged copy only: the go command links any
# *_windows_amd64.syso in the main package's directory.
x86_64-w64-mingw32-windres -O coff -i "$work/mailshift.rc" -o "$src/zz_rsrc_windows_amd64.syso"

echo "go build: windows/amd64 (cgo, x86_64-w64-mingw32-gcc)"
start=$SECONDS
(cd "$src" && CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
  go build -trimpath -buildvcs=false -tags release -ldflags="-H=windowsgui -s -w" -o "$dist/Mailshift.exe" .)
echo "go build: $((SECONDS - start)) s"
"$here/sign.sh" "$dist/Mailshift.exe"

setup="$dist/Mailshift-$version-setup.exe"
defs=(-DVERSION="$version" -DDOTTED="$dotted" -DPUBLISHER="$publisher" -DEXE="$dist/Mailshift.exe"
  -DICON="$work/mailshift.ico" -DOUTFILE="$setup")
if [ -n "${SIGN_CERT:-}" ] && [ -n "${SIGN_KEY:-}" ]; then
  defs+=(-DSIGN_SCRIPT="$here/sign.sh") # signs the uninstaller as NSIS writes it
fi
# -WX: any warning fails the build (the script also says !pragma warning error all).
makensis -WX -V2 -INPUTCHARSET UTF8 "${defs[@]}" "$here/mailshift.nsi" | tee "$work/makensis.log"
"$here/sign.sh" "$setup"
