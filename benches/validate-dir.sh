#!/usr/bin/env bash
# End-to-end benchmark: `jobspec validate DIR` over 500 generated Connect-heavy jobspecs,
# beside HashiCorp's own HCL2 parser (its wasm build, @cdktf/hcl2json) parsing the same files,
# measured in the same run. Usage: benches/validate-dir.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-500}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet
python3 benches/gen_jobs.py "$work/jobs" "$n"
du -sh "$work/jobs" | cut -f1 | sed 's/^/size: /'

time_cmd() { # label, command...; best of 5 wall times in ms
  local label=$1; shift
  local best=999999
  for _ in 1 2 3 4 5; do
    local start end
    start=$(date +%s%N)
    "$@" > /dev/null 2>&1 || true
    end=$(date +%s%N)
    local ms=$(( (end - start) / 1000000 ))
    (( ms < best )) && best=$ms
  done
  echo "$label: ${best} ms (best of 5)"
  echo "$best" > "$work/$label.ms"
}

time_cmd jobspec ./target/release/jobspec validate --format json "$work/jobs"
./target/release/jobspec validate --format json "$work/jobs" | python3 -c 'import json,sys; print("summary:", json.load(sys.stdin)["summary"])'

# The peer: @cdktf/hcl2json (HashiCorp's HCL2 parser compiled to wasm), when npm can fetch it.
if command -v npm > /dev/null && (cd "$work" && npm install --silent --no-audit --no-fund @cdktf/hcl2json > /dev/null 2>&1); then
  cat > "$work/peer.mjs" <<'JS'
import { parse } from "@cdktf/hcl2json";
import { readdirSync, readFileSync } from "node:fs";
const dir = process.argv[2];
for (const f of readdirSync(dir)) await parse(f, readFileSync(`${dir}/${f}`, "utf8"));
JS
  time_cmd hcl2json node "$work/peer.mjs" "$work/jobs"
  awk -v a="$(cat "$work/hcl2json.ms")" -v b="$(cat "$work/jobspec.ms")" 'BEGIN { printf "ratio: jobspec is %.1fx faster than hcl2json\n", a / b }'
else
  echo "hcl2json: not measured (npm could not install @cdktf/hcl2json)"
fi
