#!/usr/bin/env bash
# End-to-end tour of vault on the example evidence in examples/evidence/.
# Builds the binary, makes a throw-away vault, files the evidence the ways a seller would, and
# shows what is stored and that it verifies. Nothing outside ./target and the temp dir is touched.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

if [ -z "${VAULT_BIN:-}" ]; then
  echo "==> building vault (cargo build --release)"
  # shellcheck disable=SC2086 # e.g. CARGO_FLAGS='--features turbojpeg' to use libjpeg-turbo
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" ${CARGO_FLAGS:-}
  VAULT_BIN="${CARGO_TARGET_DIR:-$root/target}/release/vault"
fi
VAULT_BIN="$(cd "$(dirname "$VAULT_BIN")" && pwd)/$(basename "$VAULT_BIN")"
work=$(mktemp -d "${TMPDIR:-/tmp}/vault-quickstart.XXXXXX")
export VAULT_DIR="$work/vault"
order=8123456789012345
run() { printf '\n$ vault %s\n' "$*"; "$VAULT_BIN" "$@"; }

echo "==> vault at $VAULT_DIR"
run init

echo; echo "==> after packing: file the photos under the order"
run add --order "$order" --by packer-3 --note "packed at station 3" "$here"/evidence/$order/IMG_000*.jpg

echo; echo "==> a cron job pipes a carrier snapshot in from standard input"
printf '\n$ curl ... | vault add --order %s --kind tracking --name tracking-2026-11-25.json -\n' "$order"
"$VAULT_BIN" add --order "$order" --kind tracking --name tracking-2026-11-25.json - < "$here/evidence/$order/tracking-2026-11-25.json"

echo; echo "==> a drop folder: the order comes from the folder name (everything already filed is a duplicate)"
cp -r "$here/evidence" "$work/drop"
run add --order-from '^(\d{16})/' --move "$work/drop"

run list
run show "$order"
run verify

echo; echo "==> a dispute opens: build the evidence bundle and check it as the arbitrator would"
(cd "$work" && run bundle "$order" && run verify-bundle "$order"-evidence-*.zip)

echo
echo "==> the JSON contract, for scripts: one document per line"
run --json list
echo
echo "Done. The vault is at $VAULT_DIR (a temp dir; delete it when you are done)."
echo "Look inside: ls $VAULT_DIR/objects/sha256/*/ and cat $VAULT_DIR/orders/*/$order/ledger.jsonl"
echo "The bundle is $(ls "$work"/*.zip); unzip it and open data/report.html in a browser."
