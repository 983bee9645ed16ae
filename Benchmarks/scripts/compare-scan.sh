#!/usr/bin/env bash
# Peer comparison for scanning a storage batch (issue #5): hashscan scan against hashdeep and a Python script
# (hashlib + Pillow + pdqhash over a multiprocessing pool), in ONE run on the SAME generated mixed corpus
# (photo-like JPEGs and PNGs, documents, large blobs), crypto only and crypto + PDQ, at 1 and 2 jobs; then the
# incremental rescan (state, second run reads nothing) beside the first run. Prints tables and PASS/FAIL.
#
#   Benchmarks/scripts/compare-scan.sh            # full: 120 images, 3,000 documents, 12 blobs; 3 repetitions
#   Benchmarks/scripts/compare-scan.sh --quick    # a smoke run: 30 images, 600 documents, 3 blobs, 1 repetition
#
# Options: --seed N  --images N  --small N  --large N  --repeat N  --corpus-dir DIR (kept)  --out DIR (kept)
#          --markdown FILE  --skip-build (use .build-scanbench/release/hashscan)  --venv DIR
set -euo pipefail

seed=42 images=120 small=3000 large=12 repeat=3 corpus_dir="" out_dir="" markdown="" skip_build=false
venv=/tmp/hashscan-imaging-venv
while (($#)); do
    case "$1" in
        --seed) seed=$2; shift 2 ;;
        --images) images=$2; shift 2 ;;
        --small) small=$2; shift 2 ;;
        --large) large=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --corpus-dir) corpus_dir=$2; shift 2 ;;
        --out) out_dir=$2; shift 2 ;;
        --markdown) markdown=$2; shift 2 ;;
        --skip-build) skip_build=true; shift ;;
        --venv) venv=$2; shift 2 ;;
        --quick) images=30 small=600 large=3 repeat=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare-scan: unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
helper="$root/Benchmarks/scripts/compare_scan.py"
log() { echo "== $*" >&2; }
die() { echo "compare-scan: $*" >&2; exit 1; }

if ! $skip_build; then
    log "building hashscan (release, scratch path .build-scanbench)"
    (cd "$root" && swift build -c release --scratch-path .build-scanbench --product hashscan) >&2
fi
hashscan="$root/.build-scanbench/release/hashscan"
[[ -x $hashscan ]] || die "no $hashscan: build it or drop --skip-build"

missing=()
command -v hashdeep >/dev/null || missing+=(hashdeep)
[[ -x /usr/bin/time ]] || missing+=(time)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
# shellcheck source=packages.sh
source "$root/Benchmarks/scripts/packages.sh"
install_missing_packages "${missing[@]}"
python="$venv/bin/python"
if ! "$python" -c 'import PIL, numpy, pdqhash' 2>/dev/null; then
    log "installing Pillow, numpy and pdqhash from PyPI into $venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet pillow numpy pdqhash >&2 || die "pip install pillow numpy pdqhash failed"
fi

cleanup=()
trap 'for path in "${cleanup[@]}"; do rm -rf -- "$path"; done' EXIT
if [[ -z $out_dir ]]; then out_dir=$(mktemp -d "${TMPDIR:-/tmp}/hashscan-scan.XXXXXX"); cleanup+=("$out_dir")
else mkdir -p "$out_dir"; out_dir=$(cd "$out_dir" && pwd); fi
# tmpfs when it has room: the figures are the tools' CPU cost, not this VM's disk.
corpus_base=${TMPDIR:-/tmp}
[[ -d /dev/shm ]] && (($(df -Pm /dev/shm | awk 'NR == 2 { print $4 }') > 4096)) && corpus_base=/dev/shm
if [[ -z $corpus_dir ]]; then corpus_dir=$(mktemp -d "$corpus_base/hashscan-scan-corpus.XXXXXX"); cleanup+=("$corpus_dir")
else mkdir -p "$corpus_dir"; corpus_dir=$(cd "$corpus_dir" && pwd); fi
rm -f "$out_dir/runs.tsv" "$out_dir"/*.out "$out_dir"/*.err

log "corpus: seed $seed, $images images, $small documents, $large blobs in $corpus_dir"
"$python" "$helper" gen "$corpus_dir" --seed "$seed" --images "$images" --small "$small" --large "$large"
# A list the scan loads: one entry per algorithm, matching nothing, so every file is hashed and written (--all).
printf 'md5:00000000000000000000000000000000\n' > "$out_dir/crypto.list"
printf 'md5:00000000000000000000000000000000\npdq:%064d\n' 0 > "$out_dir/pdq.list"
{
    echo "date=$(date -u +%F)"
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "hashdeep=$(hashdeep -V)"
    echo "python=$("$python" -c 'import sys; print(sys.version.split()[0])')"
    echo "pillow=$("$python" -c 'import PIL; print(PIL.__version__)')"
    echo "pdqhash=$("$venv/bin/pip" show pdqhash 2>/dev/null | awk '/^Version/ { print $2 }')"
    echo "hashscan_commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "files=$(find "$corpus_dir" -type f | wc -l)"
    echo "bytes=$(find "$corpus_dir" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')"
    echo "images=$(find "$corpus_dir" -type f \( -name '*.jpg' -o -name '*.png' \) | wc -l)"
    echo "repeat=$repeat"
    echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out_dir/meta.txt"
sed 's/^/   /' "$out_dir/meta.txt" >&2

steal_jiffies() { awk '$1 == "cpu" { print $9 }' /proc/stat; }
run_timed() {
    local name=$1 jobs=$2 repetition=$3; shift 3
    local steal_before; steal_before=$(steal_jiffies)
    local status=0
    /usr/bin/time -f '%e %U %S %M' -o "$out_dir/time.tmp" "$@" > "$out_dir/$name-j$jobs.out" 2> "$out_dir/$name-j$jobs.err" || status=$?
    # hashscan scan exits 1 on a match and 0 clean; anything else is a failed run.
    ((status <= 1)) || { cat "$out_dir/$name-j$jobs.err" >&2; die "$name (-j $jobs) failed with $status: $*"; }
    local figures steal; figures=$(tail -1 "$out_dir/time.tmp")
    steal=$(awk -v a="$steal_before" -v b="$(steal_jiffies)" 'BEGIN { printf "%.2f", (b - a) / 100 }')
    echo "$name $jobs $repetition $figures $steal" >> "$out_dir/runs.tsv"
    printf '   %-16s -j %s rep %s: wall %6ss user %6ss sys %5ss maxrss %7s KiB steal %5ss\n' "$name" "$jobs" "$repetition" $figures "$steal" >&2
}

log "timed runs: $repeat repetitions, interleaved, -j 1 and -j 2 (files warm in the page cache)"
find "$corpus_dir" -type f -print0 | xargs -0 cat > /dev/null
for ((repetition = 1; repetition <= repeat; repetition++)); do
    for jobs in 1 2; do
        run_timed hashscan-crypto "$jobs" "$repetition" "$hashscan" scan --no-progress --all -j "$jobs" --list "$out_dir/crypto.list" "$corpus_dir"
        run_timed hashdeep "$jobs" "$repetition" hashdeep -c md5,sha1,sha256 -r -j "$jobs" "$corpus_dir"
        run_timed python-crypto "$jobs" "$repetition" "$python" "$helper" peer "$corpus_dir" --procs "$jobs" --out "$out_dir/python-crypto-j$jobs.tsv"
        run_timed hashscan-pdq "$jobs" "$repetition" "$hashscan" scan --no-progress --all -j "$jobs" --pdq-convention full --list "$out_dir/pdq.list" "$corpus_dir"
        run_timed python-pdq "$jobs" "$repetition" "$python" "$helper" peer "$corpus_dir" --procs "$jobs" --pdq --out "$out_dir/python-pdq-j$jobs.tsv"
    done
done
for jobs in 1 2; do mv "$out_dir/python-pdq-j$jobs.tsv" "$out_dir/python-pdq-j$jobs.out"; done

log "correctness: hashscan's digests equal the Python peer's; PDQ (full convention) within the fast-path bound"
"$python" "$helper" check "$out_dir"

log "incremental: a first scan with --state, then a rescan of the unchanged tree (2 jobs, crypto + PDQ)"
rm -f "$out_dir/state.db"*
incremental() {
    local name=$1
    /usr/bin/time -f '%e' -o "$out_dir/time.tmp" "$hashscan" scan --no-progress -j 2 --pdq-convention full --list "$out_dir/pdq.list" \
        --state "$out_dir/state.db" --incremental "$corpus_dir" > "$out_dir/$name.out"
    echo "$name $(tail -1 "$out_dir/time.tmp") $(tail -1 "$out_dir/$name.out")" >> "$out_dir/incremental.txt"
}
rm -f "$out_dir/incremental.txt"
incremental first-run
incremental rescan
"$hashscan" state "$out_dir/state.db" >> "$out_dir/incremental.txt"

echo
echo "hashscan scan comparison, $(date -u +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo
report_args=("$out_dir")
[[ -n $markdown ]] && report_args+=(--markdown "$markdown")
"$python" "$helper" report "${report_args[@]}"
echo
echo "incremental (2 jobs, crypto + PDQ): wall seconds, then the summary record"
cat "$out_dir/incremental.txt"
