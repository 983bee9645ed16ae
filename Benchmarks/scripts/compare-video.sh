#!/usr/bin/env bash
# Peer comparison for hashscan's video path (vPDQ): hashscan against PyPI vpdq (Meta's reference, through its
# Python binding) and the FFmpeg decode ceiling (`ffmpeg -vf fps=1 -f null -`), in ONE run on the SAME video files,
# one frame a second; then vPDQ matching of 60-frame queries against a compiled list of 10M frames (ListBench).
# Prints tables, ratios with PASS/FAIL per goal, and a JSON summary. See Benchmarks/README.md.
#
#   Benchmarks/scripts/compare-video.sh                      # the two sample videos kept in the repository
#   Benchmarks/scripts/compare-video.sh DIR_OR_FILE...       # these videos (directories: their *.mp4, *.mov, *.mkv, ...)
#   Benchmarks/scripts/compare-video.sh --quick              # 1 round, no long input, matching on 1M frames
#
# Options:
#   --repeat N            timed rounds, interleaved; the report takes the median (3)
#   --long-seconds S      also time a ~S-second input made by looping (stream copy) the input with the most bytes per
#                         second of video, so per-file start-up is not all that is measured (60; 0 skips it)
#   --match-frames N      frames in the vPDQ list of the matching benchmark (10000000; 0 skips the matching)
#   --match-walk-bits B   also a list whose entries are random walks of B bits a frame (8; 0 skips that list)
#   --residency R         mapped or resident (how the compiled list is held while matching; mapped)
#   --venv DIR            Python venv for PyPI vpdq 0.2.5 (.build-bench-venv in the repository root)
#   --out DIR             keep outputs, timings and the report here (default: a temporary folder, removed)
#   --markdown FILE       also write the report as Markdown      --json FILE   and the JSON summary
#   --skip-build          use the existing .build-vidbench/release/hashscan and .build-vidbench-bench/release/ListBench
#   --quick               --repeat 1 --long-seconds 0 --match-frames 1000000 --match-walk-bits 0
set -euo pipefail

repeat=3 long_seconds=60 match_frames=10000000 walk_bits=8 residency=mapped venv="" out_dir="" markdown="" json=""
skip_build=false inputs=()

while (($#)); do
    case "$1" in
        --repeat) repeat=$2; shift 2 ;;
        --long-seconds) long_seconds=$2; shift 2 ;;
        --match-frames) match_frames=$2; shift 2 ;;
        --match-walk-bits) walk_bits=$2; shift 2 ;;
        --residency) residency=$2; shift 2 ;;
        --venv) venv=$2; shift 2 ;;
        --out) out_dir=$2; shift 2 ;;
        --markdown) markdown=$2; shift 2 ;;
        --json) json=$2; shift 2 ;;
        --skip-build) skip_build=true; shift ;;
        --quick) repeat=1 long_seconds=0 match_frames=1000000 walk_bits=0; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "compare-video: unknown option $1 (see --help)" >&2; exit 64 ;;
        *) inputs+=("$1"); shift ;;
    esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
helper="$root/Benchmarks/scripts/compare_video.py"
[[ -n $venv ]] || venv="$root/.build-bench-venv"
log() { echo "== $*" >&2; }
die() { echo "compare-video: $*" >&2; exit 1; }
((${#inputs[@]})) || inputs=("$root/Tests/Fixtures/threatexchange/repo/tmk/sample-videos")

# ------------------------------------------------------------------------------------------ peers
# FFmpeg's CLI (the ceiling) and the development files PyPI vpdq builds against (its CMake asks pkg-config for
# libavdevice and libavfilter too); python3-venv for the venv.
missing=()
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
command -v ffprobe >/dev/null || missing+=(ffmpeg)
for library in libavformat libavcodec libavutil libswscale libswresample libavfilter libavdevice; do
    pkg-config --exists "$library" 2>/dev/null || missing+=("$library-dev")
done
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v c++ >/dev/null || missing+=(g++)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
# shellcheck source=packages.sh
source "$root/Benchmarks/scripts/packages.sh"
install_missing_packages "${missing[@]}"
python="$venv/bin/python"
if ! "$python" -c 'import vpdq' 2>/dev/null; then
    # An sdist: scikit-build-core fetches CMake and Cython into its build environment, then compiles the C++
    # reference against the system FFmpeg (~1 minute).
    log "installing vpdq 0.2.5 from PyPI into $venv (builds from source)"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet vpdq==0.2.5 >&2 || die "pip install vpdq==0.2.5 failed (see above)"
fi
vpdq_version=$("$venv/bin/pip" show vpdq 2>/dev/null | awk '/^Version:/ { print $2 }')

# ------------------------------------------------------------------------------------------ build
if ! $skip_build; then
    log "building hashscan (release, scratch path .build-vidbench)"
    (cd "$root" && swift build -c release --scratch-path .build-vidbench --product hashscan) >&2
    if [[ $match_frames != 0 ]]; then
        log "building ListBench (release, scratch path .build-vidbench-bench)"
        (cd "$root" && swift build -c release --package-path Benchmarks --scratch-path .build-vidbench-bench --product ListBench) >&2
    fi
fi
hashscan="$root/.build-vidbench/release/hashscan"
listbench="$root/.build-vidbench-bench/release/ListBench"
[[ -x $hashscan ]] || die "no $hashscan: build it or drop --skip-build"
[[ $match_frames == 0 || -x $listbench ]] || die "no $listbench: build it or drop --skip-build"

# ------------------------------------------------------------------------------------------ work folders
cleanup=()
on_exit() { local path; for path in "${cleanup[@]}"; do rm -rf -- "$path"; done; }
trap on_exit EXIT
if [[ -z $out_dir ]]; then
    out_dir=$(mktemp -d "${TMPDIR:-/tmp}/hashscan-video.XXXXXX"); cleanup+=("$out_dir")
else
    mkdir -p "$out_dir"; out_dir=$(cd "$out_dir" && pwd)
fi
rm -f "$out_dir"/runs.jsonl "$out_dir"/matching.jsonl "$out_dir"/*.out "$out_dir"/*.err
work=$(mktemp -d "${TMPDIR:-/tmp}/hashscan-video-work.XXXXXX"); cleanup+=("$work")

# The video files: arguments as given, directories expanded to their videos (name order).
files=()
for input in "${inputs[@]}"; do
    if [[ -d $input ]]; then
        while IFS= read -r -d '' file; do files+=("$file"); done < <(find "$input" -maxdepth 1 -type f \
            \( -iname '*.mp4' -o -iname '*.mov' -o -iname '*.m4v' -o -iname '*.mkv' -o -iname '*.webm' -o -iname '*.avi' \) -print0 | LC_ALL=C sort -z)
    elif [[ -f $input ]]; then
        files+=("$input")
    else
        die "no such file or directory: $input"
    fi
done
((${#files[@]})) || die "no video files in ${inputs[*]}"

# ------------------------------------------------------------------------------------------ machine
{
    echo "date=$(date -u +%F)"
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "cpu_flags=$(grep -o -w 'avx2\|avx512f\|sha_ni\|bmi2\|popcnt' /proc/cpuinfo | sort -u | tr '\n' ' ' | sed 's/ $//')"
    echo "ffmpeg=$(ffmpeg -version | head -1)"
    echo "libavcodec=$(pkg-config --modversion libavcodec)"
    echo "vpdq=$vpdq_version"
    echo "python=$("$python" -c 'import sys; print(sys.version.split()[0])')"
    echo "hashscan_commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "files=${#files[@]}"
    echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out_dir/meta.txt"
sed 's/^/   /' "$out_dir/meta.txt" >&2

# ------------------------------------------------------------------------------------------ hashing: the inputs
log "hashing, set 'samples': ${#files[@]} files, $repeat rounds (hashscan -j 1 / -j 2, vpdq, ffmpeg fps=1)"
python3 "$helper" run --hashscan "$hashscan" --peer-python "$python" --out "$out_dir" --set samples --repeat "$repeat" "${files[@]}"

# ------------------------------------------------------------------------------------------ hashing: a long input
if [[ $long_seconds != 0 ]]; then
    # The input with the most bytes per second of video: the heaviest decode of the set.
    source=""; best=0
    for file in "${files[@]}"; do
        duration=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$file" 2>/dev/null || echo 0)
        rate=$(awk -v b="$(stat -c %s "$file")" -v d="$duration" 'BEGIN { printf "%d", (d > 0 ? b / d : 0) }')
        if ((rate > best)); then best=$rate source=$file; fi
    done
    [[ -n $source ]] || die "no input with a duration for the long input"
    long="$work/long-$(basename "${source%.*}").mp4"
    # Stream copy: the long input is the same encoded frames, looped; no re-encode, so nothing about it is new.
    ffmpeg -nostdin -v error -stream_loop -1 -i "$source" -map 0 -c copy -t "$long_seconds" "$long" \
        || die "could not make the long input from $source"
    log "hashing, set 'long': $(basename "$source") looped to $(ffprobe -v error -show_entries format=duration -of csv=p=0 "$long") s, $repeat rounds"
    echo "long_source=$(basename "$source")" >> "$out_dir/meta.txt"
    python3 "$helper" run --hashscan "$hashscan" --peer-python "$python" --out "$out_dir" --set long --repeat "$repeat" "$long"
fi

# ------------------------------------------------------------------------------------------ matching
if [[ $match_frames != 0 ]]; then
    list_dir=/dev/shm
    [[ -d $list_dir && $(df -Pm "$list_dir" | awk 'NR == 2 { print $4 }') -gt 4096 ]] || list_dir=$work
    datasets=(0)
    [[ $walk_bits == 0 ]] || datasets+=("$walk_bits")
    for bits in "${datasets[@]}"; do
        log "vPDQ matching: $match_frames frames in entries of 60, walk bits $bits, 60-frame queries, $residency, 1 thread"
        "$listbench" vpdq-match --out "$list_dir/hashscan-vpdq-bench-$$.hsl" --frames "$match_frames" --frames-per-entry 60 \
            --walk-bits "$bits" --query-frames 60 --queries 200 --noise-bits 8 --threads 1 --repeat "$repeat" \
            --residency "$residency" >> "$out_dir/matching.jsonl" || die "ListBench vpdq-match failed"
        rm -f "$list_dir/hashscan-vpdq-bench-$$.hsl"
    done
fi
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out_dir/meta.txt"

# ------------------------------------------------------------------------------------------ report
echo
echo "hashscan video comparison, $(date -u +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "$(ffmpeg -version | head -1); vpdq $vpdq_version; CPU flags: $(grep -o -w 'avx2\|avx512f\|sha_ni' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo
report_args=("$out_dir")
[[ -n $markdown ]] && report_args+=(--markdown "$markdown")
[[ -n $json ]] && report_args+=(--json "$json")
python3 "$helper" report "${report_args[@]}"
