#!/usr/bin/env bash
# Run every fuzz target for MINUTES each (default 10), on stable Rust without sanitizers
# (`-s none`), with the corpus in fuzz/corpus/<target>/. New inputs the fuzzer keeps go to
# fuzz/corpus-new/<target>/ (git-ignored); a crash stops that target and is left in
# fuzz/artifacts/<target>/ (copy it into fuzz/corpus/<target>/crash-<what> once fixed).
#   fuzz/run.sh [MINUTES] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
minutes=${1:-10}; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(chat tracking kind metadata dc_jpeg chat_zip bundle ledger minisig tsp blacklist)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for t in "${targets[@]}"; do
  mkdir -p "corpus-new/$t"
  echo "== $t: ${minutes} min"
  cargo fuzz run -s none "$t" "corpus-new/$t" "corpus/$t" -- \
    -max_total_time=$((minutes * 60)) -rss_limit_mb=2048 -timeout=10 -max_len=262144 2>&1 |
    grep -E "^#[0-9]+.*(DONE|pulse)|Done [0-9]+ runs|ERROR|panicked|SUMMARY" | tail -3
done
