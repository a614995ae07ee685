#!/usr/bin/env bash
# Hostile inputs: each is generated into a temporary folder and given to
# `jobspec validate --format json` (the release build) under `/usr/bin/time` and a timeout;
# prints a markdown table of input, size, exit code, wall time, peak RSS and the first finding.
# The table in docs/testing.md ("Hostile inputs") comes from this script.
# Usage: benches/hostile.sh [TIMEOUT_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${1:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet
bin=$PWD/target/release/jobspec

# gen NAME PYTHON: writes the bytes the Python expression `data` builds to $work/NAME.
gen() {
  python3 - "$work/$1" <<PY
import sys
$2
open(sys.argv[1], "wb").write(data if isinstance(data, bytes) else data.encode())
PY
}

job='job "web" {
  datacenters = ["dc1"]
  group "api" {
    task "server" {
      driver = "docker"
      config {
        image = "nginx:1.27"
      }
    }
  }
}
'

gen nested-blocks.nomad.hcl 'data = "a {\n" * 100_000 + "}\n" * 100_000'
gen nested-brackets.nomad.hcl 'data = "x = " + "[" * 100_000 + "]" * 100_000 + "\n"'
gen string-50mib.nomad.hcl 'data = "x = \"" + "a" * (50 << 20) + "\"\n"'
gen million-blocks.nomad.hcl 'data = "a {}\n" * 1_000_000'
gen million-blocks-8mib.nomad.hcl 'data = "job \"x\" {\n" + "meta {}\n" * 1_000_000 + "}\n"'
gen array-8mib.nomad.hcl 'data = "x = [" + "1," * 4_000_000 + "1]\n"'
gen array-under-limit.nomad.hcl 'data = "x = [" + "1," * 499_990 + "1]\n"'
gen attributes-under-limit.nomad.hcl 'data = "job \"x\" {\n  meta {\n" + "".join(f"    k{i} = 1\n" for i in range(249_990)) + "  }\n}\n"'
gen array-8mib.nomad.json 'data = "{\"Job\": {\"ID\": \"x\", \"Meta\": {\"a\": [" + "1," * 4_000_000 + "1]}}}\n"'
gen sidecars-1000.nomad.hcl 'data = "job \"x\" {\n  group \"g\" {\n    network {\n      mode = \"bridge\"\n    }\n" + "".join(f"    service {{\n      name = \"s{i}\"\n      port = \"{9000 + i}\"\n      connect {{\n        sidecar_service {{\n          proxy {{\n            upstreams {{\n              destination_name = \"d{i}\"\n              local_bind_port  = {20000 + i}\n            }}\n          }}\n        }}\n      }}\n    }}\n" for i in range(1000)) + "    task \"app\" {\n      driver = \"docker\"\n    }\n  }\n}\n"'
gen groups-50000.nomad.hcl 'data = "job \"x\" {\n" + "".join(f"  group \"g{i}\" {{}}\n" for i in range(49_999)) + "}\n"'
gen groups-30000.nomad.hcl 'data = "job \"x\" {\n" + "".join(f"  group \"g{i}\" {{}}\n" for i in range(30_000)) + "}\n"'
gen locals-chain-100000.nomad.hcl 'data = "locals {\n" + "".join(f"  l{i} = local.l{i + 1}\n" for i in range(100_000)) + "  l100000 = 1\n}\njob \"x\" {}\n"'
gen locals-cycle-100000.nomad.hcl 'data = "locals {\n" + "".join(f"  l{i} = local.l{(i + 1) % 100_000}\n" for i in range(100_000)) + "}\njob \"x\" {}\n"'
gen locals-doubling.nomad.hcl 'data = "locals {\n" + "".join(f"  l{i} = [local.l{i + 1}, local.l{i + 1}]\n" for i in range(40)) + "  l40 = \"x\"\n}\njob \"x\" {\n  meta = {\n    n = length(local.l0)\n  }\n}\n"'
gen range-billion.nomad.hcl 'data = "locals {\n  xs = range(1000000000)\n}\njob \"x\" {}\n"'
gen format-width.nomad.hcl 'data = "locals {\n  s = format(\"%999999999d\", 1)\n}\njob \"x\" {}\n"'
gen dynamic-million.nomad.hcl 'data = """job "x" {
  group "g" {
    dynamic "task" {
      for_each = range(1000)
      labels   = ["t${task.value}"]
      content {
        driver = "docker"
        dynamic "template" {
          for_each = range(1000)
          content {
            data        = "x"
            destination = "local/${template.value}"
          }
        }
      }
    }
  }
}
"""'
gen invalid-utf8.nomad.hcl 'data = b"job \"caf\xe9\" {}\n"'
gen nul-bytes.nomad.hcl 'data = b"job \"x\" {\0\0\0}\n"'
printf '\xef\xbb\xbf%s' "$job" > "$work/bom.nomad.hcl"
printf '%s' "$job" | sed 's/$/\r/' > "$work/crlf.nomad.hcl"
mkdir "$work/no-jobspecs"
touch "$work/no-jobspecs/README.md"
mkfifo "$work/fifo.nomad.hcl"

# run LABEL INPUT-DESCRIPTION FILE [ARGS...]: one table row.
run() {
  local label=$1 file=$2; shift 2
  local size=-
  if [[ -f "$file" ]]; then
    size=$(numfmt --to=iec-i --suffix=B "$(stat -c %s "$file")")
  fi
  local status=0
  timeout "$limit" /usr/bin/time -f '%e %M' -o "$work/time" "$bin" "$@" > "$work/out" 2> "$work/err" || status=$?
  local wall=timeout rss=-
  if [[ $status -ne 124 ]]; then
    read -r wall rss < <(tail -n 1 "$work/time")
    rss="$(( rss / 1024 )) MB"
    wall="${wall} s"
  fi
  local first
  first=$(python3 - "$work/out" "$work/err" <<'PY'
import json, sys
out = open(sys.argv[1], errors="replace").read()
err = open(sys.argv[2], errors="replace").read()
def human(text):
    # The human format (`validate`'s stdout, `render`'s stderr): the first code and message.
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    ok = len(lines) > 1 and lines[0].startswith("jobspec::")
    return [{"code": lines[0], "message": lines[1].lstrip("×! ")}] if ok else []
try:
    d = json.loads(out)["diagnostics"]
except ValueError:
    d = human(out) or human(err)
if d:
    print(f"`{d[0]['code']}`: {d[0]['message']}")
else:
    # A failure (exit 2) says why on stderr; a clean file has no finding.
    lines = err.replace(sys.argv[1].rsplit("/", 1)[0] + "/", "").splitlines()
    print(lines[0] if lines else "none")
PY
)
  first=${first//|/\\|}
  echo "| $label | $size | $status | $wall | $rss | ${first:0:110} |"
}

echo "Hostile inputs, $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), timeout ${limit} s"
echo
echo "| input | size | exit | wall | peak RSS | first finding |"
echo "|---|---|---|---|---|---|"
v=(validate --format json)
run "100 000 nested blocks" "$work/nested-blocks.nomad.hcl" "${v[@]}" "$work/nested-blocks.nomad.hcl"
run "100 000 nested brackets" "$work/nested-brackets.nomad.hcl" "${v[@]}" "$work/nested-brackets.nomad.hcl"
run "a 50 MiB string" "$work/string-50mib.nomad.hcl" "${v[@]}" "$work/string-50mib.nomad.hcl"
run "a million small blocks (\`a {}\`)" "$work/million-blocks.nomad.hcl" "${v[@]}" "$work/million-blocks.nomad.hcl"
run "a million \`meta {}\` blocks in a job" "$work/million-blocks-8mib.nomad.hcl" "${v[@]}" "$work/million-blocks-8mib.nomad.hcl"
run "an array of 4 million numbers (8 MiB)" "$work/array-8mib.nomad.hcl" "${v[@]}" "$work/array-8mib.nomad.hcl"
run "499 991 numbers in an array (just under the node limit)" "$work/array-under-limit.nomad.hcl" "${v[@]}" "$work/array-under-limit.nomad.hcl"
run "249 990 attributes in \`meta\` (just under the node limit)" "$work/attributes-under-limit.nomad.hcl" "${v[@]}" "$work/attributes-under-limit.nomad.hcl"
run "a JSON array of 4 million numbers (8 MiB)" "$work/array-8mib.nomad.json" "${v[@]}" "$work/array-8mib.nomad.json"
run "1000 Connect services in one group, to \`validate\`" "$work/sidecars-1000.nomad.hcl" "${v[@]}" "$work/sidecars-1000.nomad.hcl"
run "1000 Connect services in one group, to \`render\`" "$work/sidecars-1000.nomad.hcl" render "$work/sidecars-1000.nomad.hcl"
run "30 000 empty groups" "$work/groups-30000.nomad.hcl" "${v[@]}" "$work/groups-30000.nomad.hcl"
run "30 000 empty groups, human format" "$work/groups-30000.nomad.hcl" validate "$work/groups-30000.nomad.hcl"
run "49 999 empty groups (at the block limit)" "$work/groups-50000.nomad.hcl" "${v[@]}" "$work/groups-50000.nomad.hcl"
run "a chain of 100 000 locals" "$work/locals-chain-100000.nomad.hcl" "${v[@]}" "$work/locals-chain-100000.nomad.hcl"
run "a cycle of 100 000 locals" "$work/locals-cycle-100000.nomad.hcl" "${v[@]}" "$work/locals-cycle-100000.nomad.hcl"
run "40 locals, each doubling the last" "$work/locals-doubling.nomad.hcl" "${v[@]}" "$work/locals-doubling.nomad.hcl"
run "\`range(1000000000)\`" "$work/range-billion.nomad.hcl" "${v[@]}" "$work/range-billion.nomad.hcl"
run "\`format(\"%999999999d\", 1)\`" "$work/format-width.nomad.hcl" "${v[@]}" "$work/format-width.nomad.hcl"
run "\`dynamic\` 1000 × 1000 blocks" "$work/dynamic-million.nomad.hcl" "${v[@]}" "$work/dynamic-million.nomad.hcl"
run "invalid UTF-8 (Latin-1)" "$work/invalid-utf8.nomad.hcl" "${v[@]}" "$work/invalid-utf8.nomad.hcl"
run "NUL bytes" "$work/nul-bytes.nomad.hcl" "${v[@]}" "$work/nul-bytes.nomad.hcl"
run "a UTF-8 BOM (valid job)" "$work/bom.nomad.hcl" "${v[@]}" "$work/bom.nomad.hcl"
run "CRLF line endings (valid job)" "$work/crlf.nomad.hcl" "${v[@]}" "$work/crlf.nomad.hcl"
run "a directory, to \`parse\`" "$work/no-jobspecs" parse "$work/no-jobspecs"
run "a directory without jobspecs, to \`validate\`" "$work/no-jobspecs" "${v[@]}" "$work/no-jobspecs"
run "a FIFO with no writer" "$work/fifo.nomad.hcl" "${v[@]}" "$work/fifo.nomad.hcl"
run "\`/dev/zero\`" /dev/zero "${v[@]}" /dev/zero
# An endless standard input: `yes` feeds it until jobspec stops reading.
status=0
timeout "$limit" bash -c "yes '# x' | /usr/bin/time -f '%e %M' -o '$work/time' '$bin' validate --format json - > '$work/out' 2> '$work/err'" || status=$?
read -r wall rss < <(tail -n 1 "$work/time")
first=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["diagnostics"][0]; print("`" + d["code"] + "`: " + d["message"])' "$work/out")
echo "| endless standard input (\`yes\`) | - | $status | ${wall} s | $(( rss / 1024 )) MB | $first |"
