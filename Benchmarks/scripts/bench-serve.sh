#!/usr/bin/env bash
# HTTP match service measurements for issue #6, in ONE run on seeded data: `hashscan serve` over loopback with wrk
# (Debian's package), against a 10M-entry compiled PDQ list. Routes: POST /v1/match/hashes (one PDQ hash a request,
# rotating through pre-generated bodies, a share of them near list entries) with the list mapped and resident,
# POST /v1/match (about 100 KB synthetic JPEGs, a share of them listed), and GET /healthz (the HTTP floor of the
# same server and client). Peer in the same run: a plain Python http.server answering /v1/match/hashes by a numpy
# brute-force Hamming scan of the same 10M hashes. /v1/match/hashes runs twice: one hash a request, and the same
# hashes in batches of --batch (what an upload service that queues a few uploads sends). Prints a table and PASS/FAIL
# against the target (>= 10,000 lookups/s with p99 < 10 ms), for each of the two.
#
#   Benchmarks/scripts/bench-serve.sh            # full: 4 connection counts x 15 s a run (~30 min with the build)
#   Benchmarks/scripts/bench-serve.sh --quick    # 2 connection counts x 6 s, 100 JPEGs
#
# Options:
#   --seed N              data seed (42)
#   --pdq-count N         list entries (10000000)       --bodies N   /v1/match/hashes bodies (4096)
#   --near-share F        share of the bodies near a list entry (0.1)
#   --batch N             hashes a batch body (8; 0: no batch runs)
#   --jpegs N             JPEGs (300)                   --jpeg-share F   share of them put in the list (0.3)
#   --connections "A B"   wrk connection counts ("2 4 16 64"); wrk always runs 2 threads
#   --duration S          seconds a wrk run (15)
#   --residency "…"       list residencies for /v1/match/hashes ("mapped resident")
#   --port N              first port (18080; the numpy peer gets N+1)
#   --skip-peer           leave the numpy peer out          --skip-jpeg   leave /v1/match out
#   --data-dir DIR        where data and the compiled list go (default: a folder in /dev/shm when it has room)
#   --keep-data           keep the data folder (a second run with the same seed reuses it)
#   --venv DIR            Python venv with numpy and Pillow (/tmp/hashscan-imaging-venv; created when missing)
#   --out DIR             keep outputs and the report here (default: a temporary folder, removed)
#   --markdown FILE       also write the report as Markdown
#   --skip-build          use the existing binary (.build-servebench/release/hashscan)
#   --hashscan PATH       use this hashscan binary
#   --quick               --connections "2 16" --duration 6 --jpegs 100
set -euo pipefail

seed=42 pdq_count=10000000 bodies=4096 batch=8 near_share=0.1 jpegs=300 jpeg_share=0.3 connections="2 4 16 64" duration=15
residencies="mapped resident" port=18080 skip_peer=false skip_jpeg=false data_dir="" keep_data=false
venv=/tmp/hashscan-imaging-venv out_dir="" markdown="" skip_build=false hashscan=""

while (($#)); do
    case "$1" in
        --seed) seed=$2; shift 2 ;;
        --pdq-count) pdq_count=$2; shift 2 ;;
        --bodies) bodies=$2; shift 2 ;;
        --near-share) near_share=$2; shift 2 ;;
        --batch) batch=$2; shift 2 ;;
        --jpegs) jpegs=$2; shift 2 ;;
        --jpeg-share) jpeg_share=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --residency) residencies=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --skip-peer) skip_peer=true; shift ;;
        --skip-jpeg) skip_jpeg=true; shift ;;
        --data-dir) data_dir=$2; shift 2 ;;
        --keep-data) keep_data=true; shift ;;
        --venv) venv=$2; shift 2 ;;
        --out) out_dir=$2; shift 2 ;;
        --markdown) markdown=$2; shift 2 ;;
        --skip-build) skip_build=true; shift ;;
        --hashscan) hashscan=$2; shift 2 ;;
        --quick) connections="2 16" duration=6 jpegs=100; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-serve: unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
helper="$root/Benchmarks/scripts/bench_serve.py"
log() { echo "== $*" >&2; }
die() { echo "bench-serve: $*" >&2; exit 1; }

# ------------------------------------------------------------------------------------------ build and tools
if ! $skip_build; then
    log "building hashscan (release)"
    (cd "$root" && swift build -c release --scratch-path .build-servebench --product hashscan) >&2
fi
[[ -n $hashscan ]] || hashscan="$root/.build-servebench/release/hashscan"
[[ -x $hashscan ]] || die "no $hashscan: build it or drop --skip-build"
for tool in wrk curl; do
    command -v "$tool" > /dev/null && continue
    [[ $(id -u) == 0 ]] || die "$tool is missing: apt-get install $tool"
    log "installing $tool (Debian package)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$tool" >&2 \
        || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$tool" >&2; }
done
python="$venv/bin/python"
if ! "$python" -c 'import numpy, PIL; assert hasattr(numpy, "bitwise_count")' 2>/dev/null; then
    log "creating $venv with numpy and Pillow (PyPI)"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --upgrade numpy pillow >&2
fi

# ------------------------------------------------------------------------------------------ work folders, cleanup
cleanup=() pids=()
on_exit() {
    local pid path
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
    for path in "${cleanup[@]}"; do rm -rf -- "$path"; done
}
trap on_exit EXIT
trap 'exit 130' INT TERM
if [[ -z $out_dir ]]; then
    out_dir=$(mktemp -d "${TMPDIR:-/tmp}/hashscan-serve.XXXXXX"); cleanup+=("$out_dir")
else
    mkdir -p "$out_dir"; out_dir=$(cd "$out_dir" && pwd)
fi
if [[ -z $data_dir ]]; then
    # tmpfs when it has room for the source (~0.7 GB), raw hashes (0.3 GB) and compiled list (~1.5 GB) for 10M
    # entries: the page cache of a disk file can be reclaimed under the benchmark (see docs/performance.md).
    need_kb=$((pdq_count / 1000 * 300 + 200000))
    base=/dev/shm
    [[ $(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }') -gt $need_kb ]] 2>/dev/null || base=${TMPDIR:-/tmp}
    data_dir=$(mktemp -d "$base/hashscan-serve.XXXXXX")
    if $keep_data; then log "data kept in $data_dir"; else cleanup+=("$data_dir"); fi
else
    mkdir -p "$data_dir"; data_dir=$(cd "$data_dir" && pwd)
fi
rm -f "$out_dir"/runs.jsonl "$out_dir"/*.txt "$out_dir"/*.err "$out_dir"/*.lua
{
    echo "date=$(date -u +%F)"
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "memory=$(free -g | awk '/^Mem:/ { print $2 " GiB" }')"
    echo "wrk=$(wrk -v 2>&1 | head -1 | awk '{ print $2 }')"
    echo "hashscan_commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "data_fs=$(df -P "$data_dir" | awk 'NR == 2 { print $1 }')"
    echo "duration=$duration"
    echo "bodies=$bodies"
    echo "jpegs=$jpegs"
} > "$out_dir/meta.txt"
sed 's/^/   /' "$out_dir/meta.txt" >&2

# ------------------------------------------------------------------------------------------ data and list
log "generating $pdq_count PDQ hashes and $bodies request bodies (seed $seed)"
"$python" "$helper" gen-list "$data_dir" --count "$pdq_count" --queries "$bodies" --near-share "$near_share" --seed "$seed"
if ((batch > 0)); then "$python" "$helper" gen-batch "$data_dir" --size "$batch"; fi
echo "batch=$batch" >> "$out_dir/meta.txt"
echo "near=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["near"])' "$data_dir/list-manifest.json")" >> "$out_dir/meta.txt"
list_source="$data_dir/list-with-jpegs.txt"
cp "$data_dir/list.txt" "$list_source.tmp"
if ! $skip_jpeg; then
    log "generating $jpegs JPEGs and hashing them with hashscan"
    "$python" "$helper" gen-jpegs "$data_dir" --count "$jpegs" --seed "$seed"
    "$hashscan" hash --algorithms pdq "$data_dir/jpegs" > "$out_dir/jpeg-hashes.jsonl"
    # add-jpegs appends to DIR/list.txt: point it at the copy through a scratch folder
    mkdir -p "$data_dir/with-jpegs"
    mv "$list_source.tmp" "$data_dir/with-jpegs/list.txt"
    "$python" "$helper" add-jpegs "$data_dir/with-jpegs" --hashes "$out_dir/jpeg-hashes.jsonl" --share "$jpeg_share" --seed "$seed" \
        2> >(tee "$out_dir/add-jpegs.err" >&2)
    mv "$data_dir/with-jpegs/list.txt" "$list_source"
    rmdir "$data_dir/with-jpegs"
    find "$data_dir/jpegs" -name '*.jpg' | sort > "$out_dir/jpeg-files.txt"
    {
        echo "jpeg_kb=$("$python" -c 'import json,sys; b=json.load(open(sys.argv[1]))["bytes"]; print(round(sum(b)/len(b)/1000))' "$data_dir/jpegs/manifest.json")"
        echo "jpegs_listed=$(sed -n 's/^add-jpegs: \([0-9]*\) of.*/\1/p' "$out_dir/add-jpegs.err")"
    } >> "$out_dir/meta.txt"
else
    mv "$list_source.tmp" "$list_source"
fi
log "compiling the list"
compiled="$data_dir/bench.hsl"
"$hashscan" lists compile "$list_source" --name bench --version "$(date -u +%F)" -o "$compiled" 2> "$out_dir/compile.err" \
    || { cat "$out_dir/compile.err" >&2; die "lists compile failed"; }
sed 's/^/   /' "$out_dir/compile.err" >&2
rm -f "$list_source"
{
    echo "list_entries=$(wc -l < "$data_dir/list.txt" | awk -v extra="$(grep -s jpegs_listed= "$out_dir/meta.txt" | cut -d= -f2)" '{ print $1 + extra }')"
    echo "list_bytes=$(stat -c %s "$compiled")"
} >> "$out_dir/meta.txt"

# ------------------------------------------------------------------------------------------ keys, wrk script
keys="$out_dir/keys.jsonl"
rm -f "$keys"
match_key=$("$hashscan" serve keygen --id bench --scopes match --keys-file "$keys")
admin_key=$("$hashscan" serve keygen --id bench-admin --scopes admin --keys-file "$keys")
lua="$out_dir/bench.lua"
cat > "$lua" <<'EOF'
-- args: path, kind (lines | files | none), source file, bearer key ("-": none)
local requests, counter = {}, 0
function setup(thread)
  thread:set("thread_id", thread_number or 0)
  thread_number = (thread_number or 0) + 1
end
function init(args)
  local path, kind, source, key = args[1], args[2], args[3], args[4]
  local headers = {}
  if key ~= "-" then headers["Authorization"] = "Bearer " .. key end
  if kind == "lines" then
    headers["Content-Type"] = "application/json"
    for line in io.lines(source) do requests[#requests + 1] = wrk.format("POST", path, headers, line) end
  elseif kind == "files" then
    headers["Content-Type"] = "application/octet-stream"
    for name in io.lines(source) do
      local file = assert(io.open(name, "rb"))
      requests[#requests + 1] = wrk.format("POST", path, headers, file:read("*a"))
      file:close()
    end
  else
    requests[1] = wrk.format("GET", path, headers)
  end
  counter = ((thread_id or 0) * 7919) % #requests
end
function request()
  counter = counter % #requests + 1
  return requests[counter]
end
function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format('BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"non2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, e.status, e.connect + e.read + e.write + e.timeout))
end
EOF

verdicts() {  # verdicts with a match so far, from /metrics
    curl -sf -H "Authorization: Bearer $admin_key" "http://127.0.0.1:$1/metrics" \
        | awk '/^hashscan_verdicts_total\{match="true"\}/ { print $2; found = 1 } END { if (!found) print 0 }'
}

# run_wrk SERVER ROUTE-LABEL PORT PATH KIND SOURCE KEY CONNECTIONS [TIMEOUT [LOOKUPS-A-REQUEST]]
run_wrk() {
    local server=$1 label=$2 port=$3 path=$4 kind=$5 source=$6 key=$7 conns=$8 timeout=${9:-5s} per_request=${10:-1} before after
    log "wrk: $server $label, $conns connections, $duration s"
    before=0; [[ $server == hashscan* ]] && before=$(verdicts "$port")
    wrk -t 2 -c "$conns" -d "${duration}s" --timeout "$timeout" --latency -s "$lua" "http://127.0.0.1:$port" \
        -- "$path" "$kind" "$source" "$key" > "$out_dir/wrk-last.txt" 2>&1 || { cat "$out_dir/wrk-last.txt" >&2; die "wrk failed"; }
    after=""; [[ $server == hashscan* ]] && after=$(verdicts "$port")
    sed -n '/Thread Stats/,/Requests\/sec/p' "$out_dir/wrk-last.txt" | sed 's/^/   /' >&2
    "$python" - "$out_dir/wrk-last.txt" "$server" "$label" "$conns" "$before" "$after" "$per_request" >> "$out_dir/runs.jsonl" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
run = json.loads(text.split("BENCH_JSON ", 1)[1].splitlines()[0])
run.update(server=sys.argv[2], route=sys.argv[3], connections=int(sys.argv[4]))
run["rps"] = run["requests"] / (run["duration_us"] / 1e6)
run["lookups"] = run["rps"] * int(sys.argv[7])
run["matched"] = (float(sys.argv[6]) - float(sys.argv[5])) / (run["duration_us"] / 1e6) if sys.argv[6] else None
print(json.dumps(run))
EOF
}

start_server() {  # start_server PORT EXTRA-ARGS...: starts hashscan serve, waits for /readyz
    local port=$1; shift
    "$hashscan" serve --list "$compiled" --listen "127.0.0.1:$port" --keys "$keys" "$@" 2> "$out_dir/serve-$port.err" &
    server_pid=$!; pids+=("$server_pid")
    for _ in $(seq 1 600); do
        curl -sf "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && { sed 's/^/   /' "$out_dir/serve-$port.err" >&2; return 0; }
        kill -0 "$server_pid" 2>/dev/null || { cat "$out_dir/serve-$port.err" >&2; die "hashscan serve exited"; }
        sleep 0.2
    done
    die "hashscan serve not ready after 120 s"
}
stop_server() { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; }

echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out_dir/meta.txt"
log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------------------------------------ hashscan serve
first=true
for residency in $residencies; do
    extra=(--resident-lists)
    [[ $residency == mapped ]] && extra=(--no-resident-lists)
    log "hashscan serve, list $residency"
    start_server "$port" "${extra[@]}"
    # sanity: one body of each route answers 200 (the wrk runs count every non-2xx answer)
    head -1 "$data_dir/bodies-hashes.txt" > "$out_dir/one-body.json"
    curl -sf -H "Authorization: Bearer $match_key" -H 'Content-Type: application/json' --data-binary "@$out_dir/one-body.json" \
        -o /dev/null "http://127.0.0.1:$port/v1/match/hashes" || die "/v1/match/hashes did not answer 200"
    if ! $skip_jpeg; then
        curl -sf -H "Authorization: Bearer $match_key" --data-binary "@$(head -1 "$out_dir/jpeg-files.txt")" \
            -o /dev/null "http://127.0.0.1:$port/v1/match" || die "/v1/match did not answer 200"
    fi
    for conns in $connections; do
        if $first; then
            run_wrk "hashscan ($residency)" "GET /healthz" "$port" /healthz none - - "$conns"
        fi
        run_wrk "hashscan ($residency)" "POST /v1/match/hashes" "$port" /v1/match/hashes lines "$data_dir/bodies-hashes.txt" "$match_key" "$conns"
        if ((batch > 0)); then
            run_wrk "hashscan ($residency)" "POST /v1/match/hashes (batch of $batch)" "$port" /v1/match/hashes lines \
                "$data_dir/bodies-batch-$batch.txt" "$match_key" "$conns" 5s "$batch"
        fi
        if $first && ! $skip_jpeg; then
            run_wrk "hashscan ($residency)" "POST /v1/match" "$port" /v1/match files "$out_dir/jpeg-files.txt" "$match_key" "$conns" 10s
        fi
    done
    stop_server
    first=false
done

# ------------------------------------------------------------------------------------------ the numpy peer
if ! $skip_peer; then
    peer_port=$((port + 1))
    log "peer: Python http.server + numpy brute force, 10M-row Hamming scan per request"
    "$python" "$helper" peer-numpy "$data_dir" --port "$peer_port" 2> "$out_dir/peer.err" &
    peer_pid=$!; pids+=("$peer_pid")
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$peer_port/healthz" > /dev/null 2>&1 && break; sleep 0.2; done
    run_wrk "python http.server + numpy" "POST /v1/match/hashes" "$peer_port" /v1/match/hashes lines "$data_dir/bodies-hashes.txt" - 2 30s
    kill "$peer_pid" 2>/dev/null; wait "$peer_pid" 2>/dev/null || true
fi

echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out_dir/meta.txt"
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------------------------------------ report
echo
echo "hashscan serve over loopback, $(date -u +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo
report_args=("$out_dir")
[[ -n $markdown ]] && report_args+=(--markdown "$markdown")
"$python" "$helper" report "${report_args[@]}"
