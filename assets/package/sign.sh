#!/usr/bin/env bash
# Signs a Windows executable in place with osslsigncode (Authenticode,
# SHA-256) when SIGN_CERT (PEM or DER certificate chain) and SIGN_KEY (its
# private key) are set; SIGN_PASS_FILE may name a file holding the key's
# passphrase. Otherwise it says plainly that the file stays unsigned.
# usage: sign.sh FILE.exe
set -euo pipefail
file=$1
if [ -z "${SIGN_CERT:-}" ] || [ -z "${SIGN_KEY:-}" ]; then
  echo "unsigned: set SIGN_CERT and SIGN_KEY to sign ($file)"
  exit 0
fi
command -v osslsigncode >/dev/null || { echo "sign: osslsigncode is missing: apt-get install osslsigncode" >&2; exit 1; }
args=(sign -certs "$SIGN_CERT" -key "$SIGN_KEY" -h sha256 -n Mailshift -i "${SIGN_URL:-https://github.com/mailshift/mailshift}")
[ -n "${SIGN_PASS_FILE:-}" ] && args+=(-readpass "$SIGN_PASS_FILE")
rm -f "$file.signing"
osslsigncode "${args[@]}" -in "$file" -out "$file.signing" >/dev/null
mv "$file.signing" "$file"
echo "signed: $file with $(openssl x509 -in "$SIGN_CERT" -noout -subject 2>/dev/null || echo "$SIGN_CERT")"
