#!/usr/bin/env python3
"""Helpers for compare-scan.sh (issue 5): the mixed storage corpus, the Python peer, correctness and the report.

    compare_scan.py gen     CORPUS --seed N --images N --small N --large N   (images via compare_imaging.py, plus documents and blobs)
    compare_scan.py peer    CORPUS --procs N [--pdq] --out FILE               (hashlib md5/sha1/sha256 [+ Pillow + pdqhash], multiprocessing)
    compare_scan.py check   OUTDIR                                           (hashscan's digests and PDQ equal the peer's)
    compare_scan.py report  OUTDIR [--markdown FILE]

The peer is what a provider's glue script does: walk the tree, hash each file with hashlib in 1 MiB chunks, and
for images open them with Pillow, convert to RGB and hash with PyPI pdqhash, over a multiprocessing pool.
"""

import argparse
import hashlib
import json
import os
import random
import statistics
import sys

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def generate(args):
    """Images from compare_imaging.py's generator (photo-like JPEGs and PNGs), then the rest of a storage batch:
    small documents (1-64 KiB of text-like bytes) and larger blobs (1-16 MiB of random bytes)."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import compare_imaging

    stamp = os.path.join(args.corpus, ".corpus.json")
    params = {"seed": args.seed, "images": args.images, "small": args.small, "large": args.large, "layout": 1}
    if os.path.exists(stamp) and json.load(open(stamp)) == params:
        return
    images = argparse.Namespace(corpus=os.path.join(args.corpus, "images"), seed=args.seed, images=args.images,
                                png_share=0.12, max_side=4000, procs=os.cpu_count() or 1)
    compare_imaging.generate(images)
    plan = random.Random(f"{args.seed}/scan-corpus")
    words = [b"invoice", b"storage", b"upload", b"report", b"meeting", b"notes", b"the", b"a", b"of", b"and", b"2026"]
    for index in range(args.small):
        folder = os.path.join(args.corpus, "documents", f"d{index % 50:02d}")
        os.makedirs(folder, exist_ok=True)
        size = plan.randint(1024, 64 * 1024)
        text = bytearray()
        while len(text) < size:
            text += plan.choice(words) + (b"\n" if plan.random() < 0.1 else b" ")
        with open(os.path.join(folder, f"doc-{index:05d}.txt"), "wb") as handle:
            handle.write(bytes(text[:size]))
    for index in range(args.large):
        folder = os.path.join(args.corpus, "blobs")
        os.makedirs(folder, exist_ok=True)
        size = plan.randint(1 << 20, 16 << 20)
        with open(os.path.join(folder, f"blob-{index:03d}.bin"), "wb") as handle:
            handle.write(random.Random(f"{args.seed}/blob/{index}").randbytes(size))
    with open(stamp, "w") as handle:
        json.dump(params, handle)


def hash_file(job):
    path, with_pdq = job
    digests = [hashlib.md5(), hashlib.sha1(), hashlib.sha256()]
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(1 << 20)
            if not chunk:
                break
            for digest in digests:
                digest.update(chunk)
    row = [path] + [d.hexdigest() for d in digests]
    if with_pdq and path.lower().endswith(IMAGE_SUFFIXES):
        import numpy as np
        import pdqhash
        from PIL import Image
        try:
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("RGB"))
            bits, quality = pdqhash.compute(pixels)
            row += [np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex(), str(int(quality))]
        except Exception as error:  # a damaged image is a row, not a crash, as in hashscan
            row += ["error:" + type(error).__name__, ""]
    return row


def run_peer(args):
    paths = []
    for folder, _, names in os.walk(args.corpus):
        paths += [os.path.join(folder, name) for name in names]
    jobs = [(path, args.pdq) for path in sorted(paths)]
    if args.procs == 1:
        rows = [hash_file(job) for job in jobs]
    else:
        import multiprocessing
        with multiprocessing.Pool(args.procs) as pool:
            rows = list(pool.imap_unordered(hash_file, jobs, chunksize=4))
            pool.close()
            pool.join()
    with open(args.out, "w") as handle:
        for row in rows:
            handle.write("\t".join(row) + "\n")


def read_hashscan(path):
    found = {}
    with open(path) as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("type") in ("file", "match"):
                hashes = record["hashes"]
                found[record["path"]] = (hashes.get("md5"), hashes.get("sha1"), hashes.get("sha256"), hashes.get("pdq"))
    return found


def read_peer(path):
    found = {}
    with open(path) as handle:
        for line in handle:
            cells = line.rstrip("\n").split("\t")
            found[cells[0]] = (cells[1], cells[2], cells[3], cells[4] if len(cells) > 4 else None)
    return found


def hamming(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def check(args):
    """Digests must be equal; PDQ is compared with hashscan in the `full` convention (pdqhash's). hashscan decodes
    large JPEGs DCT-scaled by default, so up to the documented fast-path bound (8 bits) is allowed."""
    failures = 0
    for jobs in (1, 2):
        ours = read_hashscan(os.path.join(args.outdir, f"hashscan-pdq-j{jobs}.out"))
        theirs = read_peer(os.path.join(args.outdir, f"python-pdq-j{jobs}.out"))
        if set(ours) != set(theirs):
            print(f"check: -j {jobs}: file sets differ ({len(ours)} vs {len(theirs)})")
            failures += 1
        distances = []
        for path in sorted(set(ours) & set(theirs)):
            a, b = ours[path], theirs[path]
            if a[:3] != b[:3]:
                print(f"check: {path}: digests differ")
                failures += 1
            if b[3] and not b[3].startswith("error:"):
                if not a[3]:
                    print(f"check: {path}: no PDQ from hashscan")
                    failures += 1
                else:
                    distances.append(hamming(a[3], b[3]))
        if distances:
            print(f"check: -j {jobs}: {len(ours)} files, digests equal; PDQ vs pdqhash (full convention) over {len(distances)} images:"
                  f" max distance {max(distances)}, median {statistics.median(distances)}")
            if max(distances) > 8:
                failures += 1
    if failures:
        sys.exit(1)


def report(args):
    runs = {}
    with open(os.path.join(args.outdir, "runs.tsv")) as handle:
        for line in handle:
            name, jobs, repetition, wall, user, system, rss, steal = line.split()
            runs.setdefault((name, int(jobs)), []).append((float(wall), float(user) + float(system), int(rss), float(steal)))
    meta = dict(line.rstrip("\n").split("=", 1) for line in open(os.path.join(args.outdir, "meta.txt")) if "=" in line)
    files, size = int(meta["files"]), int(meta["bytes"])
    lines = [f"corpus: {files} files, {size / 1e6:.1f} MB ({meta['images']} images); median of {meta['repeat']} interleaved repetitions",
             "", "| run | jobs | wall s | files/s | MB/s | CPU s | max RSS MiB |", "|---|---|---|---|---|---|---|"]
    medians = {}
    for (name, jobs), values in sorted(runs.items(), key=lambda item: (item[0][1], item[0][0])):
        wall = statistics.median(v[0] for v in values)
        medians[(name, jobs)] = wall
        cpu = statistics.median(v[1] for v in values)
        rss = max(v[2] for v in values) / 1024
        lines.append(f"| {name} | {jobs} | {wall:.2f} | {files / wall:,.0f} | {size / 1e6 / wall:,.1f} | {cpu:.2f} | {rss:,.0f} |")
    lines += ["", "| ratio (same run) | -j 1 | -j 2 | target |", "|---|---|---|---|"]

    def ratio(peer, ours):
        cells = []
        for jobs in (1, 2):
            a, b = medians.get((peer, jobs)), medians.get((ours, jobs))
            cells.append(f"{a / b:.2f}x" if a and b else "n/a")
        return cells

    targets = [("python-pdq", "hashscan-pdq", "end to end, crypto + PDQ: >= 3x", 3.0),
               ("python-crypto", "hashscan-crypto", "crypto only", None),
               ("hashdeep", "hashscan-crypto", "crypto only vs hashdeep", None)]
    verdicts = []
    for peer, ours, label, goal in targets:
        cells = ratio(peer, ours)
        lines.append(f"| {ours} vs {peer} | {cells[0]} | {cells[1]} | {label} |")
        if goal:
            worst = min(medians[(peer, j)] / medians[(ours, j)] for j in (1, 2) if (peer, j) in medians and (ours, j) in medians)
            verdicts.append(f"{'PASS' if worst >= goal else 'FAIL'}: {label} (worst of -j 1/-j 2: {worst:.2f}x)")
    lines += [""] + verdicts
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as handle:
            handle.write(text + "\n")


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("gen")
    gen.add_argument("corpus")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--images", type=int, default=120)
    gen.add_argument("--small", type=int, default=3000)
    gen.add_argument("--large", type=int, default=12)
    peer = commands.add_parser("peer")
    peer.add_argument("corpus")
    peer.add_argument("--procs", type=int, default=1)
    peer.add_argument("--pdq", action="store_true")
    peer.add_argument("--out", required=True)
    checker = commands.add_parser("check")
    checker.add_argument("outdir")
    reporter = commands.add_parser("report")
    reporter.add_argument("outdir")
    reporter.add_argument("--markdown")
    args = parser.parse_args()
    {"gen": generate, "peer": run_peer, "check": check, "report": report}[args.command](args)


if __name__ == "__main__":
    main()
