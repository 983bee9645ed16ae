#!/usr/bin/env bash
# Compiled-list measurements for issue #4, in ONE run on seeded data: PDQ multi-index queries against FAISS
# (IndexBinaryFlat and IndexBinaryMultiHash from PyPI faiss-cpu, one thread each) on the same raw hashes, with
# exactness checked against a linear scan and FAISS flat; clustered and biased PDQ data; SHA-256 exact lookups
# at 100M entries; `hashscan lists compile` of 100 MB and 1 GB VICS files. Prints a table and PASS/FAIL per
# target. See Benchmarks/README.md.
#
#   Benchmarks/scripts/compare-lists.sh            # full: 10M PDQ x 3 data sets, 100M SHA-256, VICS 100 MB + 1 GB (~35-45 min)
#   Benchmarks/scripts/compare-lists.sh --quick    # smoke run: 1M PDQ, 2M SHA-256, VICS 10 + 100 MB (~4 min after the builds)
#
# Options:
#   --seed N              data seed (42)
#   --pdq-count N         PDQ entries (10000000)       --sha-count N   SHA-256 entries (100000000)
#   --sha-residency "…"   residencies of the SHA-256 lookups ("mapped resident": in place, and copied into huge pages)
#   --queries N           PDQ queries of each kind in the data (10000)
#   --other-limit N       queries of each kind run on the clustered and biased data (2000)
#   --faiss-limit N       queries FAISS answers per kind and repetition (300); hashscan answers all --queries
#   --linear-limit N      queries of each kind checked against the linear scan (100)
#   --repeat N            interleaved repetitions (3)
#   --vics-mb "A B"       VICS file sizes in MB ("100 1000")   --vics-every K  keep every K-th media (100)
#   --data-dir DIR        where data and compiled lists go (default: a folder in /dev/shm, removed at the end)
#   --keep-data           keep the data folder
#   --venv DIR            Python venv with faiss-cpu and numpy (/tmp/hashscan-lists-venv; created when missing)
#   --out DIR             keep outputs and the report here (default: a temporary folder, removed)
#   --markdown FILE       also write the report as Markdown
#   --skip-build          use the existing binaries (.build-listbench-bench/release/ListBench, .build-listbench/release/hashscan)
#   --listbench PATH      use this ListBench binary            --hashscan PATH   use this hashscan binary
#   --skip-multihash --skip-clustered --skip-sha --skip-vics   leave a part out
#   --skip-pdq            leave out every PDQ part (then no Python venv is needed: the report uses python3's stdlib)
#   --quick               --pdq-count 1000000 --sha-count 2000000 --queries 3000 --other-limit 1000 --faiss-limit 200 --repeat 2
#                         --vics-mb "10 100"
set -euo pipefail

seed=42 pdq_count=10000000 sha_count=100000000 queries=10000 other_limit=2000 faiss_limit=300 linear_limit=100 repeat=3
vics_mb="100 1000" vics_every=100 data_dir="" keep_data=false venv=/tmp/hashscan-lists-venv out_dir="" markdown=""
sha_residency="mapped resident"
skip_build=false listbench="" hashscan="" skip_multihash=false skip_clustered=false skip_sha=false skip_vics=false skip_pdq=false

while (($#)); do
    case "$1" in
        --seed) seed=$2; shift 2 ;;
        --pdq-count) pdq_count=$2; shift 2 ;;
        --sha-count) sha_count=$2; shift 2 ;;
        --queries) queries=$2; shift 2 ;;
        --other-limit) other_limit=$2; shift 2 ;;
        --faiss-limit) faiss_limit=$2; shift 2 ;;
        --linear-limit) linear_limit=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --vics-mb) vics_mb=$2; shift 2 ;;
        --vics-every) vics_every=$2; shift 2 ;;
        --data-dir) data_dir=$2; shift 2 ;;
        --keep-data) keep_data=true; shift ;;
        --venv) venv=$2; shift 2 ;;
        --out) out_dir=$2; shift 2 ;;
        --markdown) markdown=$2; shift 2 ;;
        --skip-build) skip_build=true; shift ;;
        --listbench) listbench=$2; shift 2 ;;
        --hashscan) hashscan=$2; shift 2 ;;
        --skip-multihash) skip_multihash=true; shift ;;
        --skip-clustered) skip_clustered=true; shift ;;
        --skip-sha) skip_sha=true; shift ;;
        --sha-residency) sha_residency=$2; shift 2 ;;
        --skip-vics) skip_vics=true; shift ;;
        --skip-pdq) skip_pdq=true skip_multihash=true skip_clustered=true; shift ;;
        --quick) pdq_count=1000000 sha_count=2000000 queries=3000 faiss_limit=200 repeat=2 vics_mb="10 100"; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare-lists: unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
helper="$root/Benchmarks/scripts/compare_lists.py"
log() { echo "== $*" >&2; }
die() { echo "compare-lists: $*" >&2; exit 1; }

# ------------------------------------------------------------------------------------------ build and peers
if ! $skip_build; then
    log "building ListBench and hashscan (release)"
    (cd "$root" && swift build -c release --package-path Benchmarks --scratch-path .build-listbench-bench --product ListBench) >&2
    (cd "$root" && swift build -c release --scratch-path .build-listbench --product hashscan) >&2
fi
[[ -n $listbench ]] || listbench="$root/.build-listbench-bench/release/ListBench"
[[ -n $hashscan ]] || hashscan="$root/.build-listbench/release/hashscan"
[[ -x $listbench ]] || die "no $listbench: build it or drop --skip-build"
[[ -x $hashscan ]] || $skip_vics || die "no $hashscan: build it or drop --skip-build"
if [[ ! -x /usr/bin/time ]]; then
    [[ $(id -u) == 0 ]] || die "/usr/bin/time is missing: apt-get install time"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends time >&2 \
        || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends time >&2; }
fi
python="$venv/bin/python"
if $skip_pdq; then
    python=python3
elif ! "$python" -c 'import faiss, numpy' 2>/dev/null; then
    log "creating $venv with faiss-cpu and numpy (PyPI)"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet faiss-cpu numpy >&2
fi

# ------------------------------------------------------------------------------------------ work folders
cleanup=()
on_exit() { local path; for path in "${cleanup[@]}"; do rm -rf -- "$path"; done; }
trap on_exit EXIT
if [[ -z $out_dir ]]; then
    out_dir=$(mktemp -d "${TMPDIR:-/tmp}/hashscan-lists.XXXXXX"); cleanup+=("$out_dir")
else
    mkdir -p "$out_dir"; out_dir=$(cd "$out_dir" && pwd)
fi
if [[ -z $data_dir ]]; then
    # tmpfs: the page cache of a disk file can be reclaimed under the benchmark (see docs/performance.md).
    data_dir=$(mktemp -d /dev/shm/hashscan-lists.XXXXXX)
    if $keep_data; then log "data kept in $data_dir"; else cleanup+=("$data_dir"); fi
else
    mkdir -p "$data_dir"; data_dir=$(cd "$data_dir" && pwd)
fi
rm -f "$out_dir"/*.jsonl "$out_dir"/*.txt "$out_dir"/*.json "$out_dir"/*.err
{
    echo "date=$(date -u +%F)"
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "memory=$(free -g | awk '/^Mem:/ { print $2 " GiB" }')"
    $skip_pdq || echo "faiss=$("$python" -c 'import faiss; print(faiss.__version__)')"
    echo "hashscan_commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "thp=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"
} > "$out_dir/meta.txt"
sed 's/^/   /' "$out_dir/meta.txt" >&2
swift_log="$out_dir/swift.jsonl"

# ------------------------------------------------------------------------------------------ PDQ data and lists
datasets=(random)
$skip_clustered || datasets+=(clustered biased)
$skip_pdq && datasets=()
for dataset in "${datasets[@]}"; do
    log "PDQ $dataset: generating $pdq_count hashes + 2 x $queries queries (seed $seed)"
    "$python" "$helper" gen "$data_dir/pdq-$dataset" --kind "$dataset" --count "$pdq_count" --queries "$queries" --seed "$seed"
    log "PDQ $dataset: compiling"
    "$listbench" pdq-compile --data "$data_dir/pdq-$dataset" --out "$data_dir/pdq-$dataset.hsl" --dataset "$dataset" >> "$swift_log"
done

# ------------------------------------------------------------------------------------------ exactness first
if ! $skip_pdq; then
log "exactness: linear scan of $linear_limit queries of each kind (reference), hashscan, FAISS flat"
for dataset in "${datasets[@]}"; do
    "$listbench" pdq-linear --data "$data_dir/pdq-$dataset" --limit "$linear_limit" --results "$out_dir/linear-$dataset.txt"
    limit=$queries
    [[ $dataset == random ]] || limit=$other_limit
    "$listbench" pdq-query --list "$data_dir/pdq-$dataset.hsl" --data "$data_dir/pdq-$dataset" --dataset "$dataset" \
        --threads "" --repeat 1 --limit "$limit" --stats 300 --results "$out_dir/hashscan-$dataset.txt" >> "$swift_log"
done
"$python" "$helper" faiss "$data_dir/pdq-random" --index flat --limit "$faiss_limit" \
    --results "$out_dir/faiss-flat-results.txt" --timing "$out_dir/faiss-flat-0.timing.json"
: > "$out_dir/exactness.jsonl"
for dataset in "${datasets[@]}"; do
    extra=()
    [[ $dataset == random ]] && extra=(--faiss "$out_dir/faiss-flat-results.txt")
    "$python" "$helper" check "$data_dir/pdq-$dataset" --swift "$out_dir/hashscan-$dataset.txt" \
        --linear "$out_dir/linear-$dataset.txt" "${extra[@]}" --out "$out_dir/exact-$dataset.json" \
        || die "EXACTNESS FAILURE on $dataset data (see above)"
    "$python" -c "import json,sys; r=json.load(open(sys.argv[1])); r['dataset']=sys.argv[2]; print(json.dumps(r))" \
        "$out_dir/exact-$dataset.json" "$dataset" >> "$out_dir/exactness.jsonl"
done

# ------------------------------------------------------------------------------------------ timed, interleaved
log "PDQ timed runs: $repeat repetitions, interleaved (hashscan mapped, resident, FAISS flat)"
for ((repetition = 1; repetition <= repeat; repetition++)); do
    for residency in mapped resident; do
        "$listbench" pdq-query --list "$data_dir/pdq-random.hsl" --data "$data_dir/pdq-random" --dataset random \
            --residency "$residency" --threads 1,2 --repeat 1 --min-seconds 2 >> "$swift_log"
    done
    "$python" "$helper" faiss "$data_dir/pdq-random" --index flat --limit "$faiss_limit" \
        --timing "$out_dir/faiss-flat-$repetition.timing.json"
    for dataset in "${datasets[@]:1}"; do
        for residency in mapped resident; do
            "$listbench" pdq-query --list "$data_dir/pdq-$dataset.hsl" --data "$data_dir/pdq-$dataset" --dataset "$dataset" \
                --residency "$residency" --threads 1 --repeat 1 --min-seconds 2 --limit "$other_limit" >> "$swift_log"
        done
    done
done
fi
if ! $skip_multihash; then
    # What Meta's HMA builds: 16 maps of 16 bits, nflip 0 (exact only up to radius 15: recall measured); and the
    # same index with nflip 1, which the pigeonhole needs for radius 31 (16 chunks: one within floor(31/16) = 1).
    for nflip in 0 1; do
        log "FAISS IndexBinaryMultiHash(256, 16, 16) nflip=$nflip (build + $repeat repetitions)"
        "$python" "$helper" faiss "$data_dir/pdq-random" --index multihash --nflip "$nflip" --limit "$faiss_limit" \
            --repeat "$repeat" --results "$out_dir/faiss-multihash-$nflip-results.txt" --timing "$out_dir/faiss-multihash-$nflip.timing.json"
        "$python" "$helper" recall --exact "$out_dir/faiss-flat-results.txt" --results "$out_dir/faiss-multihash-$nflip-results.txt" \
            > "$out_dir/recall-multihash-$nflip.json"
        cat "$out_dir/recall-multihash-$nflip.json" >&2
    done
fi

# ------------------------------------------------------------------------------------------ SHA-256
if ! $skip_sha; then
    log "SHA-256: compiling $sha_count entries (bulk API), peak RSS with /usr/bin/time -v"
    /usr/bin/time -v "$listbench" sha-compile --count "$sha_count" --seed "$seed" --out "$data_dir/sha.hsl" \
        >> "$swift_log" 2> "$out_dir/sha-compile.err" || { cat "$out_dir/sha-compile.err" >&2; die "sha-compile failed"; }
    grep -E "Maximum resident|Elapsed" "$out_dir/sha-compile.err" | sed 's/^\s*/   /' >&2
    log "SHA-256: lookups ($repeat repetitions)"
    lookups=$((sha_count < 4000000 ? sha_count : 4000000))
    for residency in $sha_residency; do
        log "SHA-256: lookups, list $residency"
        "$listbench" sha-query --list "$data_dir/sha.hsl" --count "$sha_count" --seed "$seed" --lookups "$lookups" \
            --threads 1,2 --repeat "$repeat" --residency "$residency" >> "$swift_log"
    done
    rm -f "$data_dir/sha.hsl"
fi

# ------------------------------------------------------------------------------------------ VICS
if ! $skip_vics; then
    : > "$out_dir/vics.jsonl"
    for mb in $vics_mb; do
        media=$((mb * 1000000 / 292))
        log "VICS: generating ~$mb MB ($media media, every ${vics_every}th category 1)"
        "$listbench" vics-gen --media "$media" --every "$vics_every" --out "$data_dir/vics-$mb.json" > "$out_dir/vics-gen-$mb.json"
        bytes=$(stat -c %s "$data_dir/vics-$mb.json")
        for ((repetition = 1; repetition <= repeat; repetition++)); do
            /usr/bin/time -v "$hashscan" lists compile "$data_dir/vics-$mb.json" --name vics --output "$data_dir/vics-$mb.hsl" \
                > /dev/null 2> "$out_dir/vics-$mb.err" || { cat "$out_dir/vics-$mb.err" >&2; die "lists compile failed"; }
            "$python" - "$out_dir/vics-$mb.err" "$mb" "$bytes" "$media" "$vics_every" "$repetition" >> "$out_dir/vics.jsonl" <<'EOF'
import json, re, sys
text = open(sys.argv[1]).read()
def field(name):
    return re.search(re.escape(name) + r": (.*)", text).group(1).strip()
wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
seconds = sum(float(part) * 60 ** index for index, part in enumerate(reversed(wall)))
entries = re.search(r"compiled (\d+) entries", text)
print(json.dumps({"name": f"{sys.argv[2]}MB" if int(sys.argv[2]) < 1000 else f"{int(sys.argv[2]) // 1000}GB",
                  "bytes": int(sys.argv[3]), "media": int(sys.argv[4]), "every": int(sys.argv[5]), "repetition": int(sys.argv[6]),
                  "entries": int(entries.group(1)) if entries else 0, "wall": seconds,
                  "cpu": float(field("User time (seconds)")) + float(field("System time (seconds)")),
                  "max_rss_kib": int(field("Maximum resident set size (kbytes)"))}))
EOF
            tail -1 "$out_dir/vics.jsonl" | sed 's/^/   /' >&2
        done
        rm -f "$data_dir/vics-$mb.json" "$data_dir/vics-$mb.hsl"
    done
fi

echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out_dir/meta.txt"

# ------------------------------------------------------------------------------------------ report
echo
echo "hashscan compiled-list comparison, $(date -u +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo
report_args=("$out_dir")
[[ -n $markdown ]] && report_args+=(--markdown "$markdown")
"$python" "$helper" report "${report_args[@]}"
