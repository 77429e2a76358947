#!/usr/bin/env bash
# Daily tracking follow-up: fetch each parcel's tracking from a carrier API and file the snapshot
# under its order. Every snapshot is kept; `vault show ORDER` merges them into one timeline.
#
#   track-daily.sh ORDER TRACKING_NUMBER [ORDER TRACKING_NUMBER ...]
#
# Environment:
#   TRACKING_API_URL     the API's URL, with {number} where the tracking number goes, e.g.
#                        https://api.example-tracker.com/v1/track?number={number}
#   TRACKING_API_HEADER  optional header, e.g. "Authorization: Bearer KEY" or "17token: KEY"
#   VAULT                the vault binary (default: vault on PATH); VAULT_DIR as usual
#
# Exit 0 when every parcel was fetched and filed, 1 when any failed (each failure is named on
# stderr). A failed fetch files nothing: the response is checked before it reaches the vault.
set -uo pipefail
: "${TRACKING_API_URL:?set TRACKING_API_URL (with {number})}"
VAULT=${VAULT:-vault}
[ $# -ge 2 ] && [ $(($# % 2)) -eq 0 ] || { echo "usage: $0 ORDER TRACKING_NUMBER [ORDER TRACKING_NUMBER ...]" >&2; exit 2; }
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
status=0
while [ $# -ge 2 ]; do
  order=$1 number=$2
  shift 2
  url=${TRACKING_API_URL//\{number\}/$number}
  headers=()
  [ -n "${TRACKING_API_HEADER:-}" ] && headers=(-H "$TRACKING_API_HEADER")
  if ! curl -fsS --max-time 60 --retry 2 "${headers[@]}" -o "$tmp" "$url"; then
    echo "track-daily: $order $number: fetching $url failed; nothing filed" >&2
    status=1
    continue
  fi
  if [ ! -s "$tmp" ]; then
    echo "track-daily: $order $number: empty response; nothing filed" >&2
    status=1
    continue
  fi
  name="tracking-$number-$(date -u +%Y%m%dT%H%M%SZ).json"
  if ! "$VAULT" add -q --order "$order" --kind tracking --name "$name" - < "$tmp"; then
    echo "track-daily: $order $number: vault add failed" >&2
    status=1
  fi
done
exit "$status"
