#!/usr/bin/env bash
# Peer comparison for hashscan's hashing (issue #2): hashscan, hashdeep, coreutils' md5sum/sha1sum/sha256sum
# and the OpenSSL ceiling, in ONE run on the SAME seeded corpus, with the page cache warm. Prints a table and
# PASS/FAIL per target of the issue. See Benchmarks/README.md.
#
#   Benchmarks/scripts/compare-hashing.sh                  # full: 8 x 128 MiB + 100,000 files of 4-64 KiB, 3 repetitions
#   Benchmarks/scripts/compare-hashing.sh --quick          # a smoke run: 4 x 32 MiB + 5,000 small files
#
# Options:
#   --seed N              corpus seed (42)
#   --large-files N       number of large files (8)          --large-mib N      size of each, MiB (128)
#   --small-files N       number of small files (100000)     --small-min-kib N / --small-max-kib N  (4 / 64)
#   --repeat N            timed repetitions, interleaved; the report takes the median (3)
#   --openssl-seconds N   seconds per `openssl speed` measurement (3)
#   --corpus-dir DIR      generate (or reuse, if made with the same arguments) the corpus here and keep it
#   --keep-corpus         keep the temporary corpus and print where it is
#   --out DIR             keep outputs, timings and the report here (default: a temporary folder, removed)
#   --markdown FILE       also write the report as Markdown
#   --skip-build          use the existing .build-bench/release/hashscan
#   --quick               --large-files 4 --large-mib 32 --small-files 5000 --openssl-seconds 1
set -euo pipefail

seed=42 large_files=8 large_mib=128 small_files=100000 small_min_kib=4 small_max_kib=64
repeat=3 openssl_seconds=3 corpus_dir="" keep_corpus=false out_dir="" markdown="" skip_build=false

while (($#)); do
    case "$1" in
        --seed) seed=$2; shift 2 ;;
        --large-files) large_files=$2; shift 2 ;;
        --large-mib) large_mib=$2; shift 2 ;;
        --small-files) small_files=$2; shift 2 ;;
        --small-min-kib) small_min_kib=$2; shift 2 ;;
        --small-max-kib) small_max_kib=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --openssl-seconds) openssl_seconds=$2; shift 2 ;;
        --corpus-dir) corpus_dir=$2; shift 2 ;;
        --keep-corpus) keep_corpus=true; shift ;;
        --out) out_dir=$2; shift 2 ;;
        --markdown) markdown=$2; shift 2 ;;
        --skip-build) skip_build=true; shift ;;
        --quick) large_files=4 large_mib=32 small_files=5000 openssl_seconds=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare-hashing: unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
helper="$root/Benchmarks/scripts/compare_hashing.py"
log() { echo "== $*" >&2; }
die() { echo "compare-hashing: $*" >&2; exit 1; }

# ------------------------------------------------------------------------------------------ build and peers
if ! $skip_build; then
    log "building hashscan (release, scratch path .build-bench)"
    (cd "$root" && swift build -c release --scratch-path .build-bench --product hashscan) >&2
fi
hashscan="$root/.build-bench/release/hashscan"
[[ -x $hashscan ]] || die "no $hashscan: build it or drop --skip-build"

missing=()
command -v hashdeep >/dev/null || missing+=(hashdeep)
[[ -x /usr/bin/time ]] || missing+=(time)
# shellcheck source=packages.sh
source "$root/Benchmarks/scripts/packages.sh"
install_missing_packages "${missing[@]}"
for tool in hashdeep md5sum sha1sum sha256sum openssl python3 xargs; do
    command -v "$tool" >/dev/null || die "$tool is needed"
done

# ------------------------------------------------------------------------------------------ work folders
cleanup=()
on_exit() { local path; for path in "${cleanup[@]}"; do rm -rf -- "$path"; done; }
trap on_exit EXIT
if [[ -z $out_dir ]]; then
    out_dir=$(mktemp -d "${TMPDIR:-/tmp}/hashscan-compare.XXXXXX"); cleanup+=("$out_dir")
else
    mkdir -p "$out_dir"; out_dir=$(cd "$out_dir" && pwd)
fi
if [[ -z $corpus_dir ]]; then
    # tmpfs when it has room: a disk's page cache can be reclaimed under the benchmark (this VM runs DAMON
    # proactive reclaim, which pages out file pages idle for seconds), and then storage is measured after all.
    corpus_base=${TMPDIR:-/tmp}
    need_mib=$((large_files * large_mib + small_files * (small_min_kib + small_max_kib) / 2048 + 1024))
    if [[ -d /dev/shm ]] && (($(df -Pm /dev/shm | awk 'NR == 2 { print $4 }') > need_mib)); then
        corpus_base=/dev/shm
    fi
    corpus_dir=$(mktemp -d "$corpus_base/hashscan-corpus.XXXXXX")
    if $keep_corpus; then log "corpus kept in $corpus_dir"; else cleanup+=("$corpus_dir"); fi
else
    mkdir -p "$corpus_dir"; corpus_dir=$(cd "$corpus_dir" && pwd)
fi
rm -f "$out_dir"/*.out "$out_dir"/*.err "$out_dir/runs.tsv" "$out_dir/openssl.tsv" "$out_dir/resident.tsv"

# ------------------------------------------------------------------------------------------ corpus
log "corpus: seed $seed, $large_files x $large_mib MiB, $small_files files of $small_min_kib-$small_max_kib KiB in $corpus_dir"
started=$SECONDS
python3 "$helper" gen "$corpus_dir" --seed "$seed" --large-files "$large_files" --large-mib "$large_mib" \
    --small-files "$small_files" --small-min-kib "$small_min_kib" --small-max-kib "$small_max_kib"
log "corpus ready in $((SECONDS - started)) s"
for set in large small; do
    find "$corpus_dir/$set" -type f -print0 | LC_ALL=C sort -z > "$out_dir/$set.list"
done
python3 "$helper" sample "$corpus_dir" --seed "$seed" --count 200 > "$out_dir/sample.list"

warm() { xargs -0 -a "$out_dir/$1.list" cat > /dev/null; }
# Share of the set's bytes in memory (fincore), to show whether "warm" stayed warm through the runs.
resident() {
    if ! command -v fincore > /dev/null; then echo "?"; return; fi
    xargs -0 -a "$out_dir/$1.list" fincore -b -n -o RES,SIZE \
        | awk '{ r += ($1 < $2 ? $1 : $2); t += $2 } END { printf "%.1f", t ? 100 * r / t : 0 }'
}

# ------------------------------------------------------------------------------------------ correctness first
log "correctness: hashscan vs md5sum/sha1sum/sha256sum on a seeded sample (all large files + 200 small)"
"$hashscan" hash --no-progress --stdin -0 < "$out_dir/sample.list" > "$out_dir/sample-hashscan.out" \
    || die "hashscan failed on the sample"
for algorithm in md5 sha1 sha256; do
    xargs -0 -a "$out_dir/sample.list" "${algorithm}sum" > "$out_dir/sample-${algorithm}sum.out"
done
python3 "$helper" check "$out_dir"

# ------------------------------------------------------------------------------------------ machine
{
    echo "date=$(date -u +%F)"
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "openssl=$(openssl version)"
    echo "hashdeep=$(hashdeep -V)"
    echo "coreutils=$(md5sum --version | head -1)"
    echo "hashscan_commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "corpus_fs=$(df -PT "$corpus_dir" | awk 'NR == 2 { print $2 }')"
} > "$out_dir/meta.txt"
sed 's/^/   /' "$out_dir/meta.txt" >&2

# ------------------------------------------------------------------------------------------ timed runs
# Each run: /usr/bin/time gives wall, user and sys (children included: xargs' md5sum processes) and max RSS.
# Output goes to a file so every tool pays for writing its lines; the last repetition's files are checked.
# Steal time (jiffies of the whole machine, /proc/stat) shows when the host gave our cores to someone else.
steal_jiffies() { awk '$1 == "cpu" { print $9 }' /proc/stat; }
run_timed() {
    local name=$1 set=$2 repetition=$3; shift 3
    local steal_before; steal_before=$(steal_jiffies)
    /usr/bin/time -f '%e %U %S %M' -o "$out_dir/time.tmp" "$@" > "$out_dir/$name-$set.out" 2> "$out_dir/$name-$set.err" \
        || { cat "$out_dir/$name-$set.err" >&2; die "$name on the $set set failed: $*"; }
    local figures steal; figures=$(tail -1 "$out_dir/time.tmp")
    steal=$(awk -v a="$steal_before" -v b="$(steal_jiffies)" 'BEGIN { printf "%.2f", (b - a) / 100 }')
    echo "$name $set $repetition $figures $steal" >> "$out_dir/runs.tsv"
    printf '   %-18s %-5s rep %s: wall %6ss user %6ss sys %5ss maxrss %7s KiB steal %5ss\n' \
        "$name" "$set" "$repetition" $figures "$steal" >&2
}

openssl_speed() {
    local algorithm=$1 repetition=$2 value
    value=$(openssl speed -evp "$algorithm" -bytes 16384 -seconds "$openssl_seconds" 2>/dev/null \
        | awk -v a="$algorithm" '$1 == a { sub(/k$/, "", $2); print $2 }')
    [[ -n $value ]] || die "could not read openssl speed -evp $algorithm"
    echo "$algorithm $repetition $value" >> "$out_dir/openssl.tsv"
    printf '   openssl speed %-6s rep %s: %s kB/s (16384-byte blocks)\n' "$algorithm" "$repetition" "$value" >&2
}

log "timed runs: $repeat repetitions, interleaved"
for ((repetition = 1; repetition <= repeat; repetition++)); do
    for algorithm in md5 sha1 sha256; do openssl_speed "$algorithm" "$repetition"; done
    for set in large small; do
        warm "$set"
        run_timed hashscan-j1 "$set" "$repetition" "$hashscan" hash --no-progress -j 1 "$corpus_dir/$set"
        run_timed hashscan-j2 "$set" "$repetition" "$hashscan" hash --no-progress -j 2 "$corpus_dir/$set"
        run_timed hashdeep-j1 "$set" "$repetition" hashdeep -c md5,sha1,sha256 -r -j1 "$corpus_dir/$set"
        run_timed hashdeep-jdefault "$set" "$repetition" hashdeep -c md5,sha1,sha256 -r "$corpus_dir/$set"
        for algorithm in md5 sha1 sha256; do
            run_timed "${algorithm}sum" "$set" "$repetition" xargs -0 -a "$out_dir/$set.list" "${algorithm}sum"
        done
        in_memory=$(resident "$set")
        echo "$set $repetition $in_memory" >> "$out_dir/resident.tsv"
        log "after the $set runs of repetition $repetition, $in_memory% of the $set set was still in memory"
    done
done
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out_dir/meta.txt"

# ------------------------------------------------------------------------------------------ peak memory
log "peak RSS: /usr/bin/time -v hashscan hash -j 2 over the small files"
warm small
/usr/bin/time -v "$hashscan" hash --no-progress -j 2 "$corpus_dir/small" > /dev/null 2> "$out_dir/peak-rss.err" \
    || { cat "$out_dir/peak-rss.err" >&2; die "hashscan failed in the peak RSS run"; }
awk -F': ' '/Maximum resident set size/ { print $2 }' "$out_dir/peak-rss.err" > "$out_dir/peak-rss.txt"
[[ -s $out_dir/peak-rss.txt ]] || die "no 'Maximum resident set size' in /usr/bin/time -v output"

# ------------------------------------------------------------------------------------------ check and report
log "correctness: every digest of the last repetition, hashscan -j 2 vs coreutils and hashdeep"
python3 "$helper" check "$out_dir"

echo
echo "hashscan hashing comparison, $(date -u +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(openssl version)"
echo
report_args=("$out_dir" --corpus "$corpus_dir")
[[ -n $markdown ]] && report_args+=(--markdown "$markdown")
python3 "$helper" report "${report_args[@]}"
