#!/usr/bin/env bash
# The default (pure-Rust) build against the opt-in libjpeg-turbo build, in one run: builds both,
# then benches/ab.sh with turbojpeg as "old" and the default as "new" (first bundle of 50 12-MP
# photos, cached bundle, Stripe platform bundle, add, verify). Target: new/old <= 1.2 for the
# first bundle and the Stripe bundle.
#   benches/jpeg.sh [TRIALS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --release --locked --quiet
cargo build --release --locked --quiet --features turbojpeg --target-dir target/turbojpeg
exec bash benches/ab.sh target/turbojpeg/release/vault target/release/vault "${1:-5}"
