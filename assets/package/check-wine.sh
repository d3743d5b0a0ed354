#!/usr/bin/env bash
# Runs the Windows files under Wine (Debian wine64) in a throwaway prefix and
# HOME: Mailshift.exe --version; setup.exe per user as an upgrade over an
# older install (same mode and folder, version replaced), per machine, and
# their uninstallers; the signed setup's installed files verify.
# usage: check-wine.sh DIST VERSION SIGNED_SETUP TEST_CERT NSIS_DEFINES...
set -euo pipefail
dist=$1 version=$2 signed_setup=$3 cert=$4
shift 4
nsis_defs=("$@")
here=$(cd "$(dirname "$0")" && pwd)
dist=$(cd "$dist" && pwd)
exe="$dist/Mailshift.exe" setup="$dist/Mailshift-$version-setup.exe"
work="$dist/check/wine"
fail() { echo "FAIL wine: $*" >&2; exit 1; }
ok() { echo "ok   wine: $*"; }
wine=$(command -v wine64 || echo /usr/lib/wine/wine64)
[ -x "$wine" ] || fail "wine64 is missing: run .ci/deps package (Debian: wine64)"
wineserver="$(dirname "$(readlink -f "$wine")")/wineserver"
rm -rf "$work" && mkdir -p "$work/home/Desktop"
export WINEPREFIX="$work/prefix" HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" \
  XDG_DATA_HOME="$work/home/.local/share" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
unset DISPLAY WAYLAND_DISPLAY
trap '"$wineserver" -k 2>/dev/null || true' EXIT
w() { timeout 120 "$wine" "$@"; }
settle() { timeout 120 "$wineserver" -w; }
unix() { local p=${1#?:\\}; echo "$WINEPREFIX/drive_c/${p//\\//}"; }
regval() { w reg query "$1" /v "$2" 2>/dev/null | tr -d '\r' | sed -n "s/^ *$2 *REG_[A-Z_]* *//p"; }
UKEY='Software\Microsoft\Windows\CurrentVersion\Uninstall\io.mailshift.app'

w wineboot --init >"$work/wineboot.log" 2>&1 || { tail "$work/wineboot.log"; fail "wineboot"; }
settle
winever=$(w --version)

# 1. The binary as built, on this Wine, with nothing added.
if out=$(w "$exe" --version 2>&1); then
  [ "$out" = "mailshift $version" ] || fail "Mailshift.exe --version printed '$out'"
  ok "$winever runs Mailshift.exe --version as is: '$out', exit 0"
elif grep -q 'bcryptprimitives.dll not found' <<<"$out"; then
  echo "WINE: Mailshift.exe cannot start under $winever as is: $(head -1 <<<"$out") — Go 1.26's runtime calls ProcessPrng in bcryptprimitives.dll at start-up and this Wine has no such DLL. Every Wine step below runs with a test-only stand-in DLL (assets/package/wineshim) in the throwaway prefix; nothing shipped contains it."
else
  fail "Mailshift.exe --version failed in an unexpected way: $out"
fi

# 2. With the stand-in for the missing DLL, the real binary runs.
x86_64-w64-mingw32-gcc -shared -O2 -o "$work/bcryptprimitives.dll" "$here/wineshim/bcryptprimitives.c" -ladvapi32
cp "$work/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"
out=$(w "$exe" --version 2>&1) || fail "Mailshift.exe --version with the stand-in DLL: $out"
[ "$out" = "mailshift $version" ] || fail "Mailshift.exe --version printed '$out'"
ok "Mailshift.exe --version under $winever (stand-in bcryptprimitives.dll): '$out', exit 0"

# installed CONTEXT DIR STARTMENU DESKTOP: the install is complete and registered.
installed() {
  local key="$1\\$UKEY" dir=$2
  [ "$(regval "$key" DisplayVersion)" = "$version" ] || fail "$key DisplayVersion is '$(regval "$key" DisplayVersion)', want $version"
  for v in DisplayName Publisher DisplayIcon UninstallString QuietUninstallString EstimatedSize; do
    [ -n "$(regval "$key" $v)" ] || fail "$key has no $v"
  done
  [ "$(regval "$key" InstallLocation)" = "$dir" ] || fail "InstallLocation is '$(regval "$key" InstallLocation)', want $dir"
  for f in "$dir\\Mailshift.exe" "$dir\\Uninstall.exe" "$3\\Mailshift.lnk" "$4\\Mailshift.lnk"; do
    [ -f "$(unix "$f")" ] || fail "$f is missing after install"
  done
  local got
  got=$(w "$(unix "$dir\\Mailshift.exe")" --version 2>&1) && [ "$got" = "mailshift $version" ] || fail "installed exe: $got"
}
# uninstalled CONTEXT DIR STARTMENU DESKTOP: the registered uninstaller removes it all.
uninstalled() {
  local key="$1\\$UKEY" quiet
  quiet=$(regval "$key" QuietUninstallString)
  local cmd=${quiet%%\" *} args=${quiet#*\" }
  # shellcheck disable=SC2086 # the flags are words
  w "${cmd#\"}" $args >/dev/null 2>&1 || fail "uninstaller: $quiet"
  settle
  w reg query "$key" >/dev/null 2>&1 && fail "$key still exists after uninstall"
  for f in "$2\\Mailshift.exe" "$2\\Uninstall.exe" "$3\\Mailshift.lnk" "$4\\Mailshift.lnk"; do
    [ -e "$(unix "$f")" ] && fail "$f is still there after uninstall"
  done
  [ -d "$(unix "$2")" ] && fail "$2 is still there after uninstall"
  return 0
}

user=$(basename "$(dirname "$(find "$WINEPREFIX/drive_c/users" -mindepth 2 -maxdepth 2 -name AppData | grep -v /Public/ | sed -n 1p)")")
udir="C:\\users\\$user\\AppData\\Local\\Programs\\Mailshift"
umenu="C:\\users\\$user\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs"
udesk="C:\\users\\$user\\Desktop"

# 3. Upgrade in place: an older per-user install, then this setup with no mode
# flag (Wine's user is an admin, so a fresh install would default to per machine).
makensis -WX -V1 "${nsis_defs[@]/#-DVERSION=*/-DVERSION=0.0.9}" -DOUTFILE="$work/Mailshift-0.0.9-setup.exe" "$here/mailshift.nsi"
w "$work/Mailshift-0.0.9-setup.exe" /S /CurrentUser || fail "installing 0.0.9"
settle
[ "$(regval "HKCU\\$UKEY" DisplayVersion)" = 0.0.9 ] || fail "0.0.9 per-user install did not register"
w "$setup" /S || fail "upgrading to $version"
settle
installed HKCU "$udir" "$umenu" "$udesk"
w reg query "HKLM\\$UKEY" >/dev/null 2>&1 && fail "the upgrade made a second, per-machine install"
ok "setup.exe /S over a per-user 0.0.9: upgraded in place to $version (same folder $udir, one Programs and Features entry, DisplayName/DisplayVersion/Publisher/DisplayIcon/UninstallString/EstimatedSize set, Start-menu and desktop shortcuts, installed exe prints its version)"
uninstalled HKCU "$udir" "$umenu" "$udesk"
ok "per-user uninstall (QuietUninstallString): files, shortcuts and the registry entry are gone"

# 4. Per machine.
mdir='C:\Program Files\Mailshift'
mmenu='C:\ProgramData\Microsoft\Windows\Start Menu\Programs'
mdesk='C:\users\Public\Desktop'
w "$setup" /S /AllUsers || fail "per-machine install"
settle
installed HKLM "$mdir" "$mmenu" "$mdesk"
ok "setup.exe /S /AllUsers: installed in $mdir, registered under HKLM, all-users shortcuts"
uninstalled HKLM "$mdir" "$mmenu" "$mdesk"
ok "per-machine uninstall: files, shortcuts and the registry entry are gone"

# 5. The signed setup installs files that carry their own signatures.
w "$signed_setup" /S /CurrentUser || fail "installing the signed setup"
settle
for f in Mailshift.exe Uninstall.exe; do
  osslsigncode verify -CAfile "$cert" -in "$(unix "$udir\\$f")" 2>&1 | grep 'Signature verification: ok' >/dev/null || fail "installed $f is not signed"
done
uninstalled HKCU "$udir" "$umenu" "$udesk"
ok "signed setup: the installed Mailshift.exe and Uninstall.exe verify with osslsigncode"
"$wineserver" -k 2>/dev/null || true
rm -rf "$WINEPREFIX" # ~700 MB; kept only when a check failed
