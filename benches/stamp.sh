#!/usr/bin/env bash
# Trust costs, as ratios measured in one run:
#  1. `vault stamp` of N changed orders (default 10,000) against a loopback TSA (`openssl ts
#     -reply` behind a small Python HTTP server): requests sent (must be 1) and wall time against a
#     `vault verify` of the same vault (target <= 2x).
#  2. Signing: `vault add` of 50 photos and a first `vault bundle` in a vault
#     with a signing key against one without (target <= 1.05x), median of ROUNDS runs each.
#   benches/stamp.sh VAULT_BINARY
set -euo pipefail
bin=$(realpath "${1:?usage: $0 VAULT_BINARY}")
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$root/bench-work}/stamp
n=${BENCH_ORDERS:-10000}
rounds=${BENCH_ROUNDS:-5}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export VAULT_NO_PROGRESS=1 HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# --- a loopback TSA -------------------------------------------------------------------------
mkdir tsa && (
  cd tsa
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt \
    -days 30 -subj "/CN=Bench Root" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout tsa.key -out tsa.csr -subj "/CN=Bench TSA" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n' > ext
  openssl x509 -req -in tsa.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out tsa.crt -days 30 -extfile ext 2>/dev/null
  printf '[tsa]\ndefault_tsa=g\n[g]\nserial=./ser\nsigner_cert=./tsa.crt\ncerts=./tsa.crt\nsigner_key=./tsa.key\nsigner_digest=sha256\ndefault_policy=1.2.3\ndigests=sha256\ness_cert_id_alg=sha256\n' > ts.cnf
  echo 01 > ser
)
cat > tsa/serve.py <<'PY'
import http.server, subprocess, sys, os
os.chdir(sys.argv[1])
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        q = self.rfile.read(int(self.headers['Content-Length']))
        open('q.tsq', 'wb').write(q)
        subprocess.run(['openssl', 'ts', '-reply', '-config', 'ts.cnf', '-queryfile', 'q.tsq', '-out', 'r.tsr'], capture_output=True)
        r = open('r.tsr', 'rb').read()
        with open('requests', 'a') as f: f.write('1\n')
        self.send_response(200); self.send_header('Content-Type', 'application/timestamp-reply')
        self.send_header('Content-Length', str(len(r))); self.end_headers(); self.wfile.write(r)
    def log_message(self, *a): pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
open('port', 'w').write(str(s.server_port)); s.serve_forever()
PY
python3 tsa/serve.py "$work/tsa" & server=$!
trap 'kill $server 2>/dev/null' EXIT
while [ ! -s tsa/port ]; do sleep 0.1; done
url="http://127.0.0.1:$(cat tsa/port)/"

# --- 1. stamp N orders vs verify -------------------------------------------------------------
echo "preparing $n orders ..." >&2
"$bin" -q init v
VAULT_DIR=v "$bin" -q key generate
python3 - "$n" <<'PY'
import os, sys
for o in range(int(sys.argv[1])):
    d = f"drop/{8000000000000000 + o}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/label.bin", "wb") as f:
        f.write(os.urandom(2048))
PY
VAULT_DIR=v "$bin" -q add --order-from '^(\d{16})/' drop
rm -rf drop
sync
t0=$(now); VAULT_DIR=v "$bin" -q verify; t1=$(now)
VAULT_DIR=v "$bin" -q stamp --tsa "$url" --tsa-ca tsa/ca.crt; t2=$(now)
t3=$(now); VAULT_DIR=v "$bin" -q verify; t4=$(now)
requests=$(wc -l < tsa/requests)
verify=$(echo "$t1 - $t0" | bc -l); stamp=$(echo "$t2 - $t1" | bc -l); verify2=$(echo "$t4 - $t3" | bc -l)
printf '| %s orders | verify %.2f s | stamp %.2f s (%d request(s)) | stamp/verify %.2fx | verify after stamping %.2f s |\n' \
  "$n" "$verify" "$stamp" "$requests" "$(echo "$stamp / $verify" | bc -l)" "$verify2"

# --- 2. signing overhead: add of 50 photos, first bundle -------------------------------------
. "$root/benches/photos.sh"
for mode in unsigned signed; do
  : > "add-$mode" ; : > "bundle-$mode"
done
for r in $(seq "$rounds"); do
  for mode in unsigned signed; do
    rm -rf "w-$mode" && "$bin" -q init "w-$mode"
    [ "$mode" = signed ] && VAULT_DIR="w-$mode" "$bin" -q key generate --by bench 2>/dev/null || true
    sync
    a=$(now); VAULT_DIR="w-$mode" "$bin" -q add --order 8123456789012345 photos; b=$(now)
    VAULT_DIR="w-$mode" "$bin" -q bundle 8123456789012345 -o "b-$mode-$r.zip"; c=$(now)
    echo "$b - $a" | bc -l >> "add-$mode"; echo "$c - $b" | bc -l >> "bundle-$mode"
    rm -f "b-$mode-$r.zip" "b-$mode-$r.zip.minisig"
  done
done
au=$(median < add-unsigned); as=$(median < add-signed)
bu=$(median < bundle-unsigned); bs=$(median < bundle-signed)
printf '| add 50 photos | unsigned %.3f s | signed %.3f s | %.3fx |\n' "$au" "$as" "$(echo "$as / $au" | bc -l)"
printf '| first bundle | unsigned %.3f s | signed %.3f s | %.3fx |\n' "$bu" "$bs" "$(echo "$bs / $bu" | bc -l)"
