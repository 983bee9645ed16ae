#!/usr/bin/env python3
"""Helpers for compare-video.sh: vPDQ hashing, hashscan against PyPI vpdq (Meta's reference through its Python
binding) and the FFmpeg decode ceiling, on the same video files in one run; then the report.

    compare_video.py run        --hashscan BIN --peer-python PY --out DIR --set NAME [--repeat N] FILE...
    compare_video.py vpdq-peer  --threads N --out FILE FILE...            (inside the venv that holds vpdq)
    compare_video.py report     OUTDIR [--markdown FILE] [--json FILE]

`run` times, interleaved over --repeat rounds, each tool over all the files of a set (hashscan and vpdq: one process
for the whole set; ffmpeg: one process a file, their times summed). Wall time comes from a monotonic clock around
the process, CPU time (user + sys) from os.wait4 on that process, so it counts the process and the children it
waited for, and nothing else running on the machine. Every tool hashes (or, for ffmpeg, selects) one frame a second.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.abspath(__file__)

# ---------------------------------------------------------------------------------------------- running tools


def timed(argv, stdout_path, stderr_path):
    """Runs argv to completion; returns (wall seconds, CPU seconds, max RSS KiB) of that process alone."""
    with open(stdout_path, "ab") as out, open(stderr_path, "ab") as err:
        started = time.monotonic()
        process = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.stderr.write(open(stderr_path, errors="replace").read()[-4000:])
        raise SystemExit(f"compare_video: {argv[0]} failed ({process.returncode}): {' '.join(argv[:8])} ...")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def tools(args):
    """name -> (description, list of argv lists, output kind). One argv per process."""
    hashscan = [args.hashscan, "hash", "--no-progress", "--algorithms", "vpdq", "--vpdq-seconds", "1"]
    peer = [args.peer_python, HERE, "vpdq-peer"]
    ffmpeg = ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error"]
    files = args.files
    return {
        "hashscan-j1": ("hashscan hash --algorithms vpdq --vpdq-seconds 1 -j 1", [hashscan + ["-j", "1"] + files], "hashscan"),
        "hashscan-j2": ("hashscan hash --algorithms vpdq --vpdq-seconds 1 -j 2", [hashscan + ["-j", "2"] + files], "hashscan"),
        "vpdq-t1": ("vpdq.computeHash(seconds_per_hash=1, thread_count=1)", [peer + ["--threads", "1"] + files], "vpdq"),
        "vpdq-auto": ("vpdq.computeHash(seconds_per_hash=1) (thread_count=0: one hashing thread a core)",
                      [peer + ["--threads", "0"] + files], "vpdq"),
        "ffmpeg-t1": ("ffmpeg -threads 1 -i X -vf fps=1 -f null - (one decoder thread)",
                      [ffmpeg + ["-threads", "1", "-i", f, "-vf", "fps=1", "-f", "null", "-"] for f in files], None),
        "ffmpeg": ("ffmpeg -i X -vf fps=1 -f null - (FFmpeg's default decoder threads)",
                   [ffmpeg + ["-i", f, "-vf", "fps=1", "-f", "null", "-"] for f in files], None),
    }


def run(args):
    os.makedirs(args.out, exist_ok=True)
    runs_path = os.path.join(args.out, "runs.jsonl")
    for path in args.files:
        if not os.path.isfile(path):
            raise SystemExit(f"compare_video: not a file: {path}")
    selected = tools(args)
    if args.tools:
        selected = {name: selected[name] for name in args.tools.split(",")}
    with open(runs_path, "a") as runs:
        for repetition in range(1, args.repeat + 1):
            for name, (description, commands, kind) in selected.items():
                stdout_path = os.path.join(args.out, f"{args.set}-{name}.out")
                stderr_path = os.path.join(args.out, f"{args.set}-{name}.err")
                for path in (stdout_path, stderr_path):
                    open(path, "w").close()  # the last round's output is the one checked
                wall = cpu = 0.0
                rss = 0
                for argv in commands:
                    one_wall, one_cpu, one_rss = timed(argv, stdout_path, stderr_path)
                    wall, cpu, rss = wall + one_wall, cpu + one_cpu, max(rss, one_rss)
                frames = None
                if kind == "hashscan":
                    frames = sum(len(r["frames"]) for r in read_hashscan(stdout_path).values())
                elif kind == "vpdq":
                    frames = sum(len(r["frames"]) for r in read_peer(stdout_path).values())
                record = {"set": args.set, "tool": name, "description": description, "repetition": repetition,
                          "files": len(args.files), "processes": len(commands), "wall": wall, "cpu": cpu,
                          "maxrss_kib": rss, "frames": frames}
                runs.write(json.dumps(record) + "\n")
                runs.flush()
                shown = "" if frames is None else f" frames {frames}"
                sys.stderr.write(f"   {args.set:8} {name:12} rep {repetition}: wall {wall:7.2f}s cpu {cpu:7.2f}s"
                                 f" maxrss {rss // 1024:5d} MiB{shown}\n")


# ---------------------------------------------------------------------------------------------- the vpdq peer


def vpdq_peer(args):
    import vpdq  # only in the venv

    with open(args.out, "w") if args.out != "-" else sys.stdout as out:
        for path in args.files:
            features = vpdq.computeHash(input_video_filename=path, seconds_per_hash=1, thread_count=args.threads)
            frames = [{"frame": f.frame_number, "quality": f.quality, "pdq": f.hex, "timestamp": f.timestamp}
                      for f in features]
            out.write(json.dumps({"path": path, "frames": frames}) + "\n")


# ---------------------------------------------------------------------------------------------- outputs


def read_hashscan(path):
    """path -> {"frames": [...], "duration": s, "video": {...}} from hashscan's JSON Lines (file records only)."""
    found = {}
    with open(path) as handle:
        for line in handle:
            record = json.loads(line)
            if "path" not in record or record.get("type", "file") not in ("file", None):
                continue
            frames = (record.get("hashes") or {}).get("vpdq")
            if frames is None:
                continue
            video = record.get("video") or {}
            found[os.path.realpath(record["path"])] = {"frames": frames, "duration": video.get("duration"), "video": video}
    return found


def read_peer(path):
    found = {}
    with open(path) as handle:
        for line in handle:
            record = json.loads(line)
            found[os.path.realpath(record["path"])] = {"frames": record["frames"]}
    return found


def hamming(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def agreement(outdir, set_name):
    """Per file: frames hashed by hashscan and by vpdq, frame numbers equal, PDQ distances between the same frames."""
    ours = read_hashscan(os.path.join(outdir, f"{set_name}-hashscan-j1.out"))
    theirs = read_peer(os.path.join(outdir, f"{set_name}-vpdq-t1.out"))
    rows = []
    for path in sorted(set(ours) | set(theirs)):
        mine, peer = ours.get(path, {}).get("frames", []), theirs.get(path, {}).get("frames", [])
        by_frame = {f["frame"]: f for f in peer}
        distances = [hamming(f["pdq"], by_frame[f["frame"]]["pdq"]) for f in mine if f["frame"] in by_frame]
        reliable = [hamming(f["pdq"], by_frame[f["frame"]]["pdq"]) for f in mine
                    if f["frame"] in by_frame and f["quality"] >= 50 and by_frame[f["frame"]]["quality"] >= 50]
        rows.append({
            "file": os.path.basename(path), "hashscan_frames": len(mine), "vpdq_frames": len(peer),
            "same_frame_numbers": [f["frame"] for f in mine] == [f["frame"] for f in peer],
            "duration": ours.get(path, {}).get("duration"),
            "exact": sum(1 for d in distances if d == 0), "compared": len(distances),
            "median_distance": statistics.median(distances) if distances else None,
            "max_distance": max(distances) if distances else None,
            "q50_within_31": sum(1 for d in reliable if d <= 31), "q50_compared": len(reliable),
            "_distances": distances,
        })
    return rows


# ---------------------------------------------------------------------------------------------- report


def load_runs(outdir):
    runs = []
    path = os.path.join(outdir, "runs.jsonl")
    if os.path.exists(path):
        with open(path) as handle:
            runs = [json.loads(line) for line in handle if line.strip()]
    return runs


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=2):
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def ratio_per_round(runs, set_name, numerator, denominator, measure):
    """measure(run) of numerator / of denominator, repetition by repetition."""
    first = {r["repetition"]: r for r in runs if r["set"] == set_name and r["tool"] == numerator}
    second = {r["repetition"]: r for r in runs if r["set"] == set_name and r["tool"] == denominator}
    out = []
    for repetition in sorted(set(first) & set(second)):
        a, b = measure(first[repetition]), measure(second[repetition])
        if a is not None and b:
            out.append(a / b)
    return out


def report(args):
    outdir = args.outdir
    runs = load_runs(outdir)
    meta = {}
    if os.path.exists(os.path.join(outdir, "meta.txt")):
        for line in open(os.path.join(outdir, "meta.txt")):
            if "=" in line:
                key, value = line.rstrip("\n").split("=", 1)
                meta[key] = value
    summary = {"meta": meta, "sets": {}, "matching": []}
    text = []
    sets = []
    for r in runs:
        if r["set"] not in sets:
            sets.append(r["set"])
    for set_name in sets:
        agree = agreement(outdir, set_name)
        seconds = sum(row["duration"] or 0 for row in agree)
        set_runs = [r for r in runs if r["set"] == set_name]
        tool_names = []
        for r in set_runs:
            if r["tool"] not in tool_names:
                tool_names.append(r["tool"])
        ffmpeg_t1_cpu = median([r["cpu"] for r in set_runs if r["tool"] == "ffmpeg-t1"])
        rows, tools_summary = [], {}
        for name in tool_names:
            mine = [r for r in set_runs if r["tool"] == name]
            wall, cpu = median([r["wall"] for r in mine]), median([r["cpu"] for r in mine])
            frames = mine[-1]["frames"]
            entry = {
                "description": mine[0]["description"], "rounds": len(mine), "processes": mine[0]["processes"],
                "wall_median": wall, "wall_best": min(r["wall"] for r in mine),
                "cpu_median": cpu, "cpu_best": min(r["cpu"] for r in mine), "frames": frames,
                "frames_per_cpu_second": frames / cpu if frames and cpu else None,
                "video_seconds_per_wall_second": seconds / wall if wall else None,
                "video_seconds_per_cpu_second": seconds / cpu if cpu else None,
                "cpu_over_ffmpeg_t1": cpu / ffmpeg_t1_cpu if ffmpeg_t1_cpu else None,
                "maxrss_mib": max(r["maxrss_kib"] for r in mine) / 1024,
            }
            tools_summary[name] = entry
            rows.append([name, fmt(entry["wall_median"]), fmt(entry["wall_best"]), fmt(entry["cpu_median"]),
                         fmt(entry["cpu_best"]), fmt(frames, 0) if frames is not None else "–",
                         fmt(entry["frames_per_cpu_second"], 1), fmt(entry["video_seconds_per_wall_second"], 1),
                         fmt(entry["video_seconds_per_cpu_second"], 1), fmt(entry["cpu_over_ffmpeg_t1"]),
                         fmt(entry["maxrss_mib"], 0)])
        files = len(agree)
        text.append(f"### Set `{set_name}`: {files} files, {seconds:.1f} s of video, "
                    f"{sum(r['hashscan_frames'] for r in agree)} frames hashed at one a second")
        text.append("")
        text.append(table(["tool", "wall s (median)", "wall s (best)", "CPU s (median)", "CPU s (best)", "frames",
                           "frames / CPU-s", "video-s / wall-s", "video-s / CPU-s", "CPU / ffmpeg -threads 1", "max RSS MiB"],
                          rows))
        text.append("")
        for name in tool_names:
            text.append(f"- `{name}`: {tools_summary[name]['description']}")
        text.append("")

        # Ratios, per round then their median: the goals of the video issue.
        def frames_per_cpu(r):
            return r["frames"] / r["cpu"] if r["frames"] and r["cpu"] else None

        checks = [
            ("frames per CPU-second, hashscan -j 1 / vpdq thread_count=1", "hashscan-j1", "vpdq-t1", frames_per_cpu, ">=", 2.0),
            ("frames per CPU-second, hashscan -j 1 / vpdq default threads", "hashscan-j1", "vpdq-auto", frames_per_cpu, ">=", 2.0),
            ("CPU seconds, hashscan -j 1 / ffmpeg fps=1 -threads 1", "hashscan-j1", "ffmpeg-t1", lambda r: r["cpu"], "<=", 1.3),
            ("CPU seconds, hashscan -j 1 / ffmpeg fps=1 default threads", "hashscan-j1", "ffmpeg", lambda r: r["cpu"], "<=", 1.3),
            ("wall seconds, vpdq thread_count=1 / hashscan -j 1", "vpdq-t1", "hashscan-j1", lambda r: r["wall"], None, None),
            ("wall seconds, vpdq default threads / hashscan -j 2", "vpdq-auto", "hashscan-j2", lambda r: r["wall"], None, None),
        ]
        ratio_rows, ratios = [], []
        for label, a, b, measure, sense, goal in checks:
            values = ratio_per_round(runs, set_name, a, b, measure)
            if not values:
                continue
            value = statistics.median(values)
            verdict = "–"
            if sense == ">=":
                verdict = "PASS" if value >= goal else "FAIL"
            elif sense == "<=":
                verdict = "PASS" if value <= goal else "FAIL"
            goal_text = f"{sense} {goal}" if sense else "–"
            ratios.append({"ratio": label, "median": value, "per_round": values, "goal": goal_text, "verdict": verdict})
            ratio_rows.append([label, f"**{value:.2f}**", " ".join(f"{v:.2f}" for v in values), goal_text, verdict])
        text.append(table(["ratio (per round, then the median)", "median", "rounds", "goal", "verdict"], ratio_rows))
        text.append("")

        all_distances = [d for row in agree for d in row["_distances"]]
        agree_rows = []
        for row in agree:
            agree_rows.append([row["file"], str(row["hashscan_frames"]), str(row["vpdq_frames"]),
                               "yes" if row["same_frame_numbers"] else "**no**",
                               f"{row['exact']} of {row['compared']}", fmt(row["median_distance"], 1),
                               fmt(row["max_distance"], 0), f"{row['q50_within_31']} of {row['q50_compared']}"])
        text.append("Same frames? hashscan `-j 1` against vpdq `thread_count=1`, frame by frame (last round's output):")
        text.append("")
        text.append(table(["file", "hashscan frames", "vpdq frames", "same frame numbers", "identical PDQ",
                           "median distance", "max", "quality ≥ 50: within 31"], agree_rows))
        text.append("")
        if all_distances:
            text.append(f"All files: {sum(r['hashscan_frames'] for r in agree)} frames (hashscan), "
                        f"{sum(r['vpdq_frames'] for r in agree)} (vpdq); median PDQ distance between the same frames "
                        f"{statistics.median(all_distances):g}, {sum(1 for d in all_distances if d == 0)} of "
                        f"{len(all_distances)} identical.")
            text.append("")
        summary["sets"][set_name] = {
            "files": files, "video_seconds": seconds, "tools": tools_summary, "ratios": ratios,
            "agreement": [{k: v for k, v in row.items() if not k.startswith("_")} for row in agree],
            "median_distance_all": statistics.median(all_distances) if all_distances else None,
        }

    # vPDQ matching (ListBench vpdq-match).
    match_path = os.path.join(outdir, "matching.jsonl")
    if os.path.exists(match_path):
        records = [json.loads(line) for line in open(match_path) if line.strip().startswith("{")]
        compiles = [r for r in records if r["what"] == "vpdq-compile"]
        opens = [r for r in records if r["what"] == "vpdq-open"]
        checks = [r for r in records if r["what"] == "vpdq-check"]
        queries = [r for r in records if r["what"] == "vpdq-query"]
        keys = []
        for r in queries:
            key = (r["dataset"], r["residency"], r["queries_kind"], r["threads"])
            if key not in keys:
                keys.append(key)
        match_rows = []
        for dataset, residency, kind, threads in keys:
            mine = [r for r in queries if (r["dataset"], r["residency"], r["queries_kind"], r["threads"]) == (dataset, residency, kind, threads)]
            per_wall = [r["queries"] / r["wall"] for r in mine]
            per_cpu = [r["queries"] / r["cpu"] for r in mine if r["cpu"] > 0]
            check = next((c for c in checks if c["dataset"] == dataset and c["queries_kind"] == kind), {})
            entry = {"dataset": dataset, "residency": residency, "queries_kind": kind, "threads": threads,
                     "frames": mine[0]["frames"], "query_frames": mine[0]["query_frames"],
                     "qps_median": statistics.median(per_wall), "qps_best": max(per_wall),
                     "qps_per_cpu_median": statistics.median(per_cpu) if per_cpu else None,
                     "frame_hits_per_query": check.get("frame_hits_per_query"),
                     "matches_per_query": mine[0]["matches_per_query"], "rounds": len(mine)}
            summary["matching"].append(entry)
            match_rows.append([dataset, residency, kind, str(threads), f"{entry['frames']:,}", str(entry["query_frames"]),
                               fmt(entry["qps_median"], 1), fmt(entry["qps_best"], 1), fmt(entry["qps_per_cpu_median"], 1),
                               fmt(entry["frame_hits_per_query"], 1), fmt(entry["matches_per_query"], 2), str(len(mine))])
        text.append("### vPDQ matching (`ListBench vpdq-match`)")
        text.append("")
        for c in compiles:
            opened = next((o for o in opens if o["dataset"] == c["dataset"]), {})
            text.append(f"- `{c['dataset']}`: {c['entries']:,} entries, {c['frames']:,} frames; compile {c['wall']:.1f} s wall "
                        f"({c['cpu']:.1f} s CPU), file {c['file_bytes'] / 1048576:,.0f} MiB, peak RSS {c['peak_rss_mib']:,.0f} MiB "
                        f"(the generated entries included); open {opened.get('open_ms', 0) / 1000:.2f} s "
                        f"({opened.get('residency', '?')}, counting distinct frames per entry).")
        for c in checks:
            text.append(f"- check `{c['dataset']}` {c['queries_kind']}: {c['matched_source']} of {c['queries']} queries matched "
                        f"their source entry, {c['other_matches']} other matches.")
        text.append("")
        text.append(table(["list data", "residency", "queries", "threads", "list frames", "frames / query", "queries/s (median)",
                           "queries/s (best)", "queries / CPU-s (median)", "frame hits / query", "entries matched / query",
                           "rounds"], match_rows))
        text.append("")
        summary["matching_build"] = {"compile": compiles, "open": opens, "checks": checks}

    output = "\n".join(text)
    print(output)
    if args.markdown:
        with open(args.markdown, "w") as handle:
            handle.write(output + "\n")
    blob = json.dumps(summary, indent=None, sort_keys=True)
    if args.json:
        with open(args.json, "w") as handle:
            handle.write(blob + "\n")
    print("JSON " + blob)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    r = commands.add_parser("run")
    r.add_argument("--hashscan", required=True)
    r.add_argument("--peer-python", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--set", default="samples")
    r.add_argument("--repeat", type=int, default=3)
    r.add_argument("--tools", default="", help="comma-separated subset of the tools")
    r.add_argument("files", nargs="+")
    p = commands.add_parser("vpdq-peer")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default="-")
    p.add_argument("files", nargs="+")
    rep = commands.add_parser("report")
    rep.add_argument("outdir")
    rep.add_argument("--markdown")
    rep.add_argument("--json")
    args = parser.parse_args()
    {"run": run, "vpdq-peer": vpdq_peer, "report": report}[args.command](args)


if __name__ == "__main__":
    main()
