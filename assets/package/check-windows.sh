#!/usr/bin/env bash
# Proves the Windows files in DIST: both are PE32+ amd64 GUI images with
# icon and version resources carrying VERSION (pecheck); the NSIS script
# compiles with no warning; a build signed with a throwaway self-signed
# certificate verifies with osslsigncode; then check-wine.sh runs them.
# usage: check-windows.sh DIST VERSION BUILD PUBLISHER
set -euo pipefail
dist=$1 version=$2 build=$3 publisher=$4
here=$(cd "$(dirname "$0")" && pwd)
exe="$dist/Mailshift.exe" setup="$dist/Mailshift-$version-setup.exe"
work="$dist/check/windows"
rm -rf "$work" && mkdir -p "$work"
work=$(cd "$work" && pwd)
fail() { echo "FAIL windows: $*" >&2; exit 1; }
ok() { echo "ok   windows: $*"; }
for t in makensis osslsigncode openssl file x86_64-w64-mingw32-gcc; do
  command -v $t >/dev/null || fail "$t is missing: run .ci/deps package (Debian: nsis, osslsigncode, openssl, file, gcc-mingw-w64-x86-64)"
done
[ -f "$exe" ] && [ -f "$setup" ] || fail "run make package first: $exe or $setup is missing"

for f in "$exe" "$setup"; do
  file -b "$f" | grep '^PE32+ executable (GUI) x86-64' >/dev/null || fail "$f: file says $(file -b "$f")"
done
ok "file: both are 'PE32+ executable (GUI) x86-64'"
go run "$here/pecheck" -version "$version" "$exe" "$setup" || fail "pecheck"

# The NSIS script compiles with no warning at all (makensis -WX turns any
# warning into an error; the script also says !pragma warning error all).
IFS=. read -r major minor patch _ <<<"${version%%[-+]*}"
dotted="${major:-0}.${minor:-0}.${patch:-0}.${build:-0}"
nsis_defs=(-DVERSION="$version" -DDOTTED="$dotted" -DPUBLISHER="$publisher" -DEXE="$(cd "$dist" && pwd)/Mailshift.exe"
  -DICON="$(cd "$dist" && pwd)/build/windows/mailshift.ico")
makensis -WX -V4 -INPUTCHARSET UTF8 "${nsis_defs[@]}" -DOUTFILE="$work/recompiled-setup.exe" "$here/mailshift.nsi" >"$work/makensis.log" 2>&1 ||
  { tail -20 "$work/makensis.log"; fail "makensis failed (a warning counts as an error)"; }
grep -Eiq '(^|[^_a-z])warnings? ?[0-9]*:' "$work/makensis.log" && { grep -Ei '(^|[^_a-z])warnings? ?[0-9]*:' "$work/makensis.log"; fail "makensis printed warnings"; }
ok "makensis -WX compiled mailshift.nsi with 0 warnings ($(makensis -VERSION), target amd64-unicode)"

# Unsigned by default, and it says so.
if osslsigncode verify -in "$exe" >/dev/null 2>&1; then fail "$exe carries a signature though no certificate was set"; fi
ok "dist files are unsigned (no SIGN_CERT/SIGN_KEY): osslsigncode verify finds no signature"

# Signed variant: a throwaway self-signed code-signing certificate.
openssl req -x509 -newkey rsa:3072 -nodes -days 2 -subj "/CN=Mailshift throwaway test signer/O=Mailshift package-check" \
  -addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=codeSigning" \
  -keyout "$work/test-key.pem" -out "$work/test-cert.pem" 2>/dev/null
SIGN_CERT="$work/test-cert.pem" SIGN_KEY="$work/test-key.pem" \
  "$here/build-windows.sh" "$dist/build/src" "$work/signed" "$version" "$build" "$publisher" >"$work/signed-build.log" 2>&1 ||
  { tail -20 "$work/signed-build.log"; fail "signed build failed"; }
grep -c '^signed: ' "$work/signed-build.log" | grep -x 3 >/dev/null || { cat "$work/signed-build.log"; fail "expected 3 signatures (app, uninstaller, setup)"; }
for f in "$work/signed/Mailshift.exe" "$work/signed/Mailshift-$version-setup.exe"; do
  osslsigncode verify -CAfile "$work/test-cert.pem" -in "$f" >"$work/verify.log" 2>&1 ||
    { cat "$work/verify.log"; fail "osslsigncode verify $f"; }
  grep -q 'Signature verification: ok' "$work/verify.log" || { cat "$work/verify.log"; fail "no 'Signature verification: ok' for $f"; }
done
go run "$here/pecheck" -version "$version" "$work/signed/Mailshift.exe" | grep 'Authenticode signature present' >/dev/null || fail "signed exe has no security directory"
ok "SIGN_CERT/SIGN_KEY build: Mailshift.exe, the uninstaller and setup.exe signed; osslsigncode verify: Signature verification: ok (both files)"

"$here/check-wine.sh" "$dist" "$version" "$work/signed/Mailshift-$version-setup.exe" "$work/test-cert.pem" "${nsis_defs[@]}"
