#!/usr/bin/env bash
# Peer comparison for hashscan's image path (issue #3): decode + PDQ end to end, against Python (Pillow +
# PyPI pdqhash, plain and tuned) and the JPEG decode floor (djpeg, and TurboJPEG in one process), in ONE run
# on the SAME seeded corpus, at 1 and 2 jobs; then the fast-path fidelity study (exact vs fast PDQ on large
# JPEGs). Prints tables and PASS/FAIL per target. See Benchmarks/README.md.
#
#   Benchmarks/scripts/compare-imaging.sh                  # full: 160 images + 48 large JPEGs, 3 repetitions
#   Benchmarks/scripts/compare-imaging.sh --quick          # a smoke run (~1.5 min, corpora and PDQ core included)
#
# Options:
#   --seed N              corpus seed (42)
#   --images N            images in the speed corpus (160; 12% PNG)     --max-side N   largest side (4000)
#   --large-images N      JPEGs in the fidelity corpus, up to 6000x4000 (48; 0 skips the fidelity study)
#   --repeat N            timed repetitions, interleaved (3)
#   --corpus-dir DIR      generate (or reuse, if made with the same arguments) the speed corpus here and keep it
#   --large-dir DIR       the same for the fidelity corpus
#   --out DIR             keep outputs, timings and the report here (default: a temporary folder, removed)
#   --markdown FILE       also write the report as Markdown
#   --skip-build          use the existing .build-imgbench/release/hashscan
#   --skip-microbench     do not run the ImagingBenchmarks "PDQ core" micro-benchmark (target 4)
#   --venv DIR            Python venv for Pillow, numpy and pdqhash (/tmp/hashscan-imaging-venv)
#   --quick               --images 40 --max-side 3264 --large-images 12 --repeat 1
set -euo pipefail

seed=42 images=160 max_side=4000 large_images=48 repeat=3 corpus_dir="" large_dir="" out_dir="" markdown=""
skip_build=false skip_microbench=false venv=/tmp/hashscan-imaging-venv

while (($#)); do
    case "$1" in
        --seed) seed=$2; shift 2 ;;
        --images) images=$2; shift 2 ;;
        --max-side) max_side=$2; shift 2 ;;
        --large-images) large_images=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --corpus-dir) corpus_dir=$2; shift 2 ;;
        --large-dir) large_dir=$2; shift 2 ;;
        --out) out_dir=$2; shift 2 ;;
        --markdown) markdown=$2; shift 2 ;;
        --skip-build) skip_build=true; shift ;;
        --skip-microbench) skip_microbench=true; shift ;;
        --venv) venv=$2; shift 2 ;;
        --quick) images=40 max_side=3264 large_images=12 repeat=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare-imaging: unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
helper="$root/Benchmarks/scripts/compare_imaging.py"
log() { echo "== $*" >&2; }
die() { echo "compare-imaging: $*" >&2; exit 1; }

# ------------------------------------------------------------------------------------------ build and peers
if ! $skip_build; then
    log "building hashscan (release, scratch path .build-imgbench)"
    (cd "$root" && swift build -c release --scratch-path .build-imgbench --product hashscan) >&2
fi
hashscan="$root/.build-imgbench/release/hashscan"
[[ -x $hashscan ]] || die "no $hashscan: build it or drop --skip-build"

missing=()
command -v djpeg >/dev/null || missing+=(libjpeg-turbo-progs)
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
for tool in djpeg xargs; do command -v "$tool" >/dev/null || die "$tool is needed"; done

# ------------------------------------------------------------------------------------------ work folders
cleanup=()
on_exit() { local path; for path in "${cleanup[@]}"; do rm -rf -- "$path"; done; }
trap on_exit EXIT
if [[ -z $out_dir ]]; then
    out_dir=$(mktemp -d "${TMPDIR:-/tmp}/hashscan-imaging.XXXXXX"); cleanup+=("$out_dir")
else
    mkdir -p "$out_dir"; out_dir=$(cd "$out_dir" && pwd)
fi
# tmpfs when it has room (see compare-hashing.sh: this VM's proactive reclaim pages out idle file pages).
corpus_base=${TMPDIR:-/tmp}
[[ -d /dev/shm ]] && (($(df -Pm /dev/shm | awk 'NR == 2 { print $4 }') > 4096)) && corpus_base=/dev/shm
for var in corpus_dir large_dir; do
    if [[ -z ${!var} ]]; then
        printf -v "$var" '%s' "$(mktemp -d "$corpus_base/hashscan-images.XXXXXX")"; cleanup+=("${!var}")
    else
        mkdir -p "${!var}"; printf -v "$var" '%s' "$(cd "${!var}" && pwd)"
    fi
done
rm -f "$out_dir"/*.out "$out_dir"/*.err "$out_dir/runs.tsv" "$out_dir/pdq-core.txt" "$out_dir/floor-loops.tsv"

# ------------------------------------------------------------------------------------------ corpora
log "speed corpus: seed $seed, $images images (12% PNG), sides up to $max_side, in $corpus_dir"
started=$SECONDS
"$python" "$helper" gen "$corpus_dir" --seed "$seed" --images "$images" --max-side "$max_side"
find "$corpus_dir" -type f \( -name '*.jpg' -o -name '*.png' \) -print0 | LC_ALL=C sort -z > "$out_dir/all.list"
find "$corpus_dir" -type f -name '*.jpg' -print0 | LC_ALL=C sort -z > "$out_dir/jpeg.list"
if ((large_images > 0)); then
    log "fidelity corpus: $large_images JPEGs up to 6000x4000 in $large_dir"
    "$python" "$helper" gen-large "$large_dir" --seed "$seed" --images "$large_images"
fi
log "corpora ready in $((SECONDS - started)) s"

{
    echo "date=$(date -u +%F)"
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "libjpeg_turbo=$(dpkg-query -W -f='${Version}' libturbojpeg0 2>/dev/null || echo '?')"
    echo "pillow=$("$python" -c 'import PIL; print(PIL.__version__)') (libjpeg-turbo $("$python" -c 'from PIL import features; print(features.version("jpg"))'))"
    echo "pdqhash=$("$venv/bin/pip" show pdqhash 2>/dev/null | awk '/^Version/ { print $2 }')"
    echo "python=$("$python" -c 'import sys; print(sys.version.split()[0])')"
    echo "hashscan_commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "default_mode=$("$hashscan" hash --help 2>&1 | grep -q -- '--exact-decode' && echo hashscan-fast || echo hashscan-ref)"
    echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "corpus_fs=$(df -PT "$corpus_dir" | awk 'NR == 2 { print $2 }')"
} > "$out_dir/meta.txt"
sed 's/^/   /' "$out_dir/meta.txt" >&2
# The fast path is either opt-in (--jpeg-fast-path) or the default (then --exact-decode turns it off).
if grep -q 'default_mode=hashscan-fast' "$out_dir/meta.txt"; then
    exact_flags=(--exact-decode); fast_flags=()
else
    exact_flags=(); fast_flags=(--jpeg-fast-path)
fi

# ------------------------------------------------------------------------------------------ timed runs
steal_jiffies() { awk '$1 == "cpu" { print $9 }' /proc/stat; }
run_timed() {
    local name=$1 set=$2 jobs=$3 repetition=$4; shift 4
    local steal_before; steal_before=$(steal_jiffies)
    /usr/bin/time -f '%e %U %S %M' -o "$out_dir/time.tmp" "$@" > "$out_dir/$name-$set-j$jobs.out.tmp" 2> "$out_dir/$name-$set-j$jobs.err" \
        || { cat "$out_dir/$name-$set-j$jobs.err" >&2; die "$name ($set, -j $jobs) failed: $*"; }
    local figures steal; figures=$(tail -1 "$out_dir/time.tmp")
    steal=$(awk -v a="$steal_before" -v b="$(steal_jiffies)" 'BEGIN { printf "%.2f", (b - a) / 100 }')
    echo "$name $set $jobs $repetition $figures $steal" >> "$out_dir/runs.tsv"
    printf '   %-14s %-4s -j %s rep %s: wall %6ss user %6ss sys %5ss maxrss %7s KiB steal %5ss\n' \
        "$name" "$set" "$jobs" "$repetition" $figures "$steal" >&2
}
# Every tool writes its output to a file (peers: path, hash, quality lines); the last repetition's are kept.
finish_outputs() { local f; for f in "$out_dir"/*.out.tmp; do mv "$f" "${f%.tmp}"; done; }
warm() { xargs -0 -a "$out_dir/$1.list" cat > /dev/null; }

log "timed runs: $repeat repetitions, interleaved, -j 1 and -j 2"
for ((repetition = 1; repetition <= repeat; repetition++)); do
    warm all
    for jobs in 1 2; do
        run_timed hashscan-ref all "$jobs" "$repetition" "$hashscan" hash --no-progress --algorithms pdq "${exact_flags[@]}" -j "$jobs" "$corpus_dir"
        run_timed hashscan-fast all "$jobs" "$repetition" "$hashscan" hash --no-progress --algorithms pdq "${fast_flags[@]}" -j "$jobs" "$corpus_dir"
        run_timed hashscan-full all "$jobs" "$repetition" "$hashscan" hash --no-progress --algorithms pdq --pdq-convention full "${exact_flags[@]}" -j "$jobs" "$corpus_dir"
        run_timed py-plain all "$jobs" "$repetition" "$python" "$helper" peer "$out_dir/all.list" --mode plain --procs "$jobs" --out "$out_dir/py-plain-j$jobs.out"
        run_timed py-tuned all "$jobs" "$repetition" "$python" "$helper" peer "$out_dir/all.list" --mode tuned --procs "$jobs" --out "$out_dir/py-tuned-j$jobs.out"
        # JPEGs only: the decode floors and hashscan on exactly the files they cover.
        run_timed hashscan-fast jpeg "$jobs" "$repetition" "$hashscan" hash --no-progress --algorithms pdq "${fast_flags[@]}" -j "$jobs" --stdin -0 < "$out_dir/jpeg.list"
        run_timed djpeg-floor jpeg "$jobs" "$repetition" xargs -0 -a "$out_dir/jpeg.list" -n 1 -P "$jobs" djpeg -scale 1/8 -grayscale -outfile /dev/null
    done
    # The per-stage split (one job).
    run_timed hashscan-ref jpeg 1 "$repetition" "$hashscan" hash --no-progress --algorithms pdq "${exact_flags[@]}" -j 1 --stdin -0 < "$out_dir/jpeg.list"
    run_timed hashscan-md5 jpeg 1 "$repetition" "$hashscan" hash --no-progress --algorithms md5 -j 1 --stdin -0 < "$out_dir/jpeg.list"
    run_timed tj-floor-8 jpeg 1 "$repetition" "$python" "$helper" floor "$out_dir/jpeg.list" --scale 8 --out "$out_dir/tj-floor-8.txt" --timings "$out_dir/floor-loops.tsv" --name tj-floor-8
    run_timed tj-floor-512 jpeg 1 "$repetition" "$python" "$helper" floor "$out_dir/jpeg.list" --scale auto512 --out "$out_dir/tj-floor-512.txt" --timings "$out_dir/floor-loops.tsv" --name tj-floor-512
    run_timed tj-floor-rgb jpeg 1 "$repetition" "$python" "$helper" floor "$out_dir/jpeg.list" --scale 1 --rgb --out "$out_dir/tj-floor-rgb.txt" --timings "$out_dir/floor-loops.tsv" --name tj-floor-rgb
    finish_outputs
done
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out_dir/meta.txt"
for jobs in 1 2; do
    for name in py-plain py-tuned; do [[ -f $out_dir/$name-all-j$jobs.out ]] && rm -f "$out_dir/$name-all-j$jobs.out"; done
    for name in hashscan-ref hashscan-fast hashscan-full; do
        [[ -f $out_dir/$name-all-j$jobs.out ]] && mv "$out_dir/$name-all-j$jobs.out" "$out_dir/$name-j$jobs.out"
    done
done

# ------------------------------------------------------------------------------------------ correctness
log "correctness: hashscan's exact PDQ vs pdqhash on the same files (full convention: all; reference: a sample)"
"$python" "$helper" check "$out_dir"

# ------------------------------------------------------------------------------------------ PDQ core (target 4)
if ! $skip_microbench; then
    log "PDQ core micro-benchmark (ImagingBenchmarks, filter 'PDQ core'; the first run builds the benchmark package)"
    if (cd "$root/Benchmarks" && swift package --disable-sandbox benchmark --target ImagingBenchmarks \
            --filter 'PDQ core.*' --no-progress --format markdown) > "$out_dir/microbench.txt" 2> "$out_dir/microbench.err"; then
        "$python" - "$out_dir/microbench.txt" > "$out_dir/pdq-core.txt" <<'EOF' || log "could not read the PDQ core figures"
import re, sys
text = open(sys.argv[1]).read()
# ordo-one/benchmark markdown: a table per benchmark; the "Time (wall clock)" row has p0 ... p100 columns.
for block in re.split(r"\n(?=#+ )", text):
    if "PDQ core" not in block:
        continue
    name = block.splitlines()[0].lstrip("# ").strip()
    for line in block.splitlines():
        if line.startswith("| Time (wall clock)"):
            unit = re.search(r"\((\w+)\)\s*\*?\s*\|", line)
            cells = [c.strip() for c in line.strip("|").split("|")]
            scale = {"ns": 1e-6, "us": 1e-3, "μs": 1e-3, "ms": 1.0}.get(unit.group(1) if unit else "us", 1e-3)
            print(f"benchmark={name}\np0_ms={float(cells[1].replace(',', '')) * scale}\np50_ms={float(cells[3].replace(',', '')) * scale}")
            sys.exit(0)
sys.exit(1)
EOF
        # The peer in the same run, in process: pdqhash's C++ core on one 512x512 raster.
        "$python" "$helper" pdqcore >> "$out_dir/pdq-core.txt" || log "could not time pdqhash's core"
    else
        tail -20 "$out_dir/microbench.err" >&2; log "the micro-benchmark failed: target 4 is not reported"
    fi
fi

# ------------------------------------------------------------------------------------------ fidelity
if ((large_images > 0)); then
    log "fast-path fidelity: exact vs fast PDQ of $large_images large JPEGs (both conventions, Y plane and RGB)"
    fid() { local name=$1; shift; "$hashscan" hash --no-progress "$@" "$large_dir" > "$out_dir/$name.out" || die "$name failed"; }
    # pdq,dhash: dHash needs the colour pixels, so the fast path decodes RGB at the same DCT scale.
    fid fid-ref-exact --algorithms pdq "${exact_flags[@]}"
    fid fid-ref-fast-y --algorithms pdq "${fast_flags[@]}"
    fid fid-ref-fast-rgb --algorithms pdq,dhash "${fast_flags[@]}"
    fid fid-full-exact --algorithms pdq --pdq-convention full "${exact_flags[@]}"
    fid fid-full-fast-y --algorithms pdq --pdq-convention full "${fast_flags[@]}"
    fid fid-full-fast-rgb --algorithms pdq,dhash --pdq-convention full "${fast_flags[@]}"
fi

# ------------------------------------------------------------------------------------------ report
echo
echo "hashscan image comparison, $(date -u +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo
report_args=("$out_dir" --corpus "$corpus_dir")
[[ -n $markdown ]] && report_args+=(--markdown "$markdown")
"$python" "$helper" report "${report_args[@]}"
if ((large_images > 0)); then
    echo
    fidelity_args=("$out_dir" --corpus "$large_dir")
    [[ -n $markdown ]] && fidelity_args+=(--markdown "${markdown%.md}-fidelity.md")
    "$python" "$helper" fidelity "${fidelity_args[@]}"
fi
