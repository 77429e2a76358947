#!/usr/bin/env bash
# Do two builds of vault make the same bundles? For refactors that must not change behaviour:
#   benches/same-bundle.sh OLD_VAULT_BINARY NEW_VAULT_BINARY
# One vault is filed by the old binary (the example evidence, a tracking snapshot, a chat export,
# an open dispute); then each binary bundles it under the same SOURCE_DATE_EPOCH, plainly and for
# Stripe and eBay, with the thumbnail cache cleared before each run so that neither reuses the
# other's derived files. Prints "same" or the differing zip entries; exits 1 on any difference.
set -euo pipefail
old=$(realpath "$1"); new=$(realpath "$2")
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/vault-same.XXXXXX")
trap 'rm -rf "$work"' EXIT
export VAULT_DIR="$work/vault" VAULT_NO_PROGRESS=1 SOURCE_DATE_EPOCH=1764547200 TZ=UTC
order=8123456789012345
ev="$here/examples/evidence/$order"
"$old" -q init
"$old" -q add --order "$order" --by packer-3 --note "packed at station 3" "$ev"/*
"$old" -q add --order "$order" "$here"/tests/fixtures/tracking/cainiao-detail.json
"$old" -q dispute open "$order" --platform stripe --reason not-received \
  --opened-at 2026-11-20T10:00:00+08:00 --due 2026-11-27T10:00:00+08:00 --amount 81.20 --currency USD
status=0
for platform in "" stripe ebay; do
  for side in old new; do
    rm -rf "$VAULT_DIR/cache"
    bin=$old; [ "$side" = new ] && bin=$new
    args=(bundle "$order" -o "$work/$side-${platform:-plain}.zip")
    [ -n "$platform" ] && args+=(--platform "$platform")
    "$bin" -q "${args[@]}"
  done
  a="$work/old-${platform:-plain}.zip"; b="$work/new-${platform:-plain}.zip"
  if cmp -s "$a" "$b"; then
    echo "${platform:-plain}: same ($(sha256sum < "$a" | cut -c1-16))"
  else
    status=1
    echo "${platform:-plain}: DIFFERENT"
    mkdir -p "$work/a" "$work/b"
    (cd "$work/a" && rm -rf ./* && unzip -q "$a"); (cd "$work/b" && rm -rf ./* && unzip -q "$b")
    diff -rq "$work/a" "$work/b" || true
  fi
done
exit $status
