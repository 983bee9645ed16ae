#!/usr/bin/env python3
"""Helpers for compare-imaging.sh: corpus generation, the Python peers, the in-process decode floor,
correctness checks, the fast-path fidelity study and the report.

    compare_imaging.py gen       CORPUS --seed N --images N --png-share F --max-side N   (photo-like JPEGs + PNGs)
    compare_imaging.py gen-large CORPUS --seed N --images N                              (fidelity set, up to 6000x4000)
    compare_imaging.py peer      LIST --mode plain|tuned --procs N --out FILE            (Pillow + pdqhash)
    compare_imaging.py floor     LIST --scale 8|4|auto512 --out FILE                     (TurboJPEG grey decode via ctypes)
    compare_imaging.py check     OUTDIR                                                  (hashscan vs pdqhash, same convention)
    compare_imaging.py pdqcore   [--repetitions N --hashes N]                            (pdqhash on one 512x512 raster)
    compare_imaging.py fidelity  OUTDIR --corpus CORPUS [--markdown FILE]                (exact vs fast path, Hamming)
    compare_imaging.py report    OUTDIR --corpus CORPUS [--markdown FILE]

The peers need Pillow, numpy and pdqhash (the script installs them into a venv); `gen` needs Pillow and numpy.
Everything is deterministic from the seed: the same arguments give the same pixels and the same files
(same Pillow version: its bundled libjpeg-turbo encodes them).
"""

import argparse
import json
import os
import statistics
import sys

# ---------------------------------------------------------------------------------------------- corpus

# Camera and screen sizes, landscape; a share is turned to portrait. Weights favour phone/camera photos.
SIZES = [
    ((640, 480), 2), ((800, 600), 2), ((1024, 768), 2), ((1280, 720), 1), ((1280, 960), 2), ((1600, 1200), 2),
    ((1920, 1080), 2), ((2048, 1536), 2), ((2560, 1440), 1), ((2592, 1944), 2), ((3264, 2448), 3), ((4000, 3000), 3),
]
LARGE_SIZES = [
    (2000, 1500), (2592, 1944), (3264, 2448), (4000, 3000), (4032, 3024), (4608, 3456), (5472, 3648),
    (6000, 4000), (3840, 2160), (4000, 2250), (4001, 2999), (5999, 3997), (4896, 3264), (3000, 3000),
]


def photo_like(rng, width, height, detail=1.0, noise=4.0, blur=1.2):
    """Smooth gradients + shapes + texture + sensor noise: entropy decoding costs what a photo's does.

    rng is a numpy Generator. detail scales the mid-frequency texture; noise is the per-pixel sigma."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    def field(cells_x, cells_y, amplitude, channels=3):
        small = rng.uniform(-amplitude, amplitude, (cells_y, cells_x, channels)).astype(np.float32)
        planes = [np.asarray(Image.fromarray(small[:, :, c], mode="F").resize((width, height), Image.BICUBIC))
                  for c in range(channels)]
        return np.stack(planes, axis=2)

    # Base: a few broad colour gradients (sky, walls, skin-like tones), as a low-resolution field upsampled.
    base = 128 + field(rng.integers(3, 7), rng.integers(3, 7), 90)
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), mode="RGB")
    # Objects: ellipses, rectangles and polygons with soft edges.
    draw = ImageDraw.Draw(image)
    scale = max(width, height)
    for _ in range(int(rng.integers(12, 40))):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        x0, y0 = int(rng.integers(-scale // 8, width)), int(rng.integers(-scale // 8, height))
        w, h = int(rng.integers(scale // 40, scale // 3)), int(rng.integers(scale // 40, scale // 3))
        kind = rng.integers(0, 3)
        if kind == 0:
            draw.ellipse((x0, y0, x0 + w, y0 + h), fill=colour)
        elif kind == 1:
            draw.rectangle((x0, y0, x0 + w, y0 + h), fill=colour)
        else:
            points = [(x0 + int(rng.integers(0, w)), y0 + int(rng.integers(0, h))) for _ in range(int(rng.integers(3, 7)))]
            draw.polygon(points, fill=colour)
    if blur > 0:
        image = image.filter(ImageFilter.GaussianBlur(blur * scale / 2000))
    pixels = np.array(image, dtype=np.float32)
    # Texture (foliage, fabric, gravel): a mid-frequency field, and the sensor's per-pixel noise.
    if detail > 0:
        pixels += field(max(8, width // 24), max(8, height // 24), 14 * detail, channels=1)
    if noise > 0:
        grain = rng.standard_normal((height, width, 1), dtype=np.float32)
        grain *= noise
        pixels += grain
        del grain
        chroma = rng.standard_normal((height, width, 3), dtype=np.float32)
        chroma *= noise / 2
        pixels += chroma
        del chroma
    pixels += 0.5
    np.clip(pixels, 0, 255, out=pixels)
    return Image.fromarray(pixels.astype(np.uint8), mode="RGB")


def write_manifest(corpus, params, files):
    manifest = {"params": params, "files": files}
    path = os.path.join(corpus, "corpus.json")
    with open(path + ".tmp", "w") as handle:
        json.dump(manifest, handle, indent=1)
    os.replace(path + ".tmp", path)


def reuse(corpus, params):
    path = os.path.join(corpus, "corpus.json")
    if not os.path.exists(path):
        return False
    with open(path) as handle:
        manifest = json.load(handle)
    if manifest.get("params") == params:
        print(f"corpus: reusing {corpus} (same seed and sizes)", file=sys.stderr)
        return True
    sys.exit(f"corpus: {corpus} holds a different corpus; remove it or choose another --corpus-dir")


def render(job):
    """Writes one planned image (run in a pool: the plan is fixed first, so the result is the same)."""
    import numpy as np
    image = photo_like(np.random.default_rng(job["rng"]), job["width"], job["height"],
                       detail=job["detail"], noise=job["noise"], blur=job["blur"])
    path = os.path.join(job["corpus"], job["name"])
    if job["format"] == "png":
        image.save(path, "PNG", compress_level=6)
    else:
        image.save(path, "JPEG", quality=job["quality"], subsampling=job["subsampling"], optimize=False,
                   progressive=False)
    entry = {k: job[k] for k in ("name", "width", "height", "format", "quality", "subsampling", "detail", "noise", "blur")}
    entry["bytes"] = os.path.getsize(path)
    return entry


def render_all(corpus, params, jobs, procs):
    import multiprocessing
    files = []
    with multiprocessing.Pool(procs) as pool:
        for done, entry in enumerate(pool.imap(render, jobs), start=1):
            files.append(entry)
            if done % 10 == 0 or done == len(jobs):
                print(f"corpus: {done}/{len(jobs)}", file=sys.stderr)
    write_manifest(corpus, params, files)


def generate(args):
    import random
    import PIL

    params = {"seed": args.seed, "images": args.images, "png_share": args.png_share, "max_side": args.max_side,
              "pillow": PIL.__version__, "layout": 1}
    os.makedirs(args.corpus, exist_ok=True)
    if reuse(args.corpus, params):
        return
    plan = random.Random(f"{args.seed}/plan")
    sizes = [s for s, _ in SIZES if max(s) <= args.max_side] or [SIZES[0][0]]
    weights = [w for s, w in SIZES if max(s) <= args.max_side] or [1]
    png_indices = set(plan.sample(range(args.images), round(args.images * args.png_share)))
    jobs = []
    for index in range(args.images):
        is_png = index in png_indices
        width, height = plan.choices(sizes, weights)[0]
        while is_png and max(width, height) > 2048:  # PNGs: screenshots and graphics (zlib is slow on noise)
            width, height = plan.choices(sizes, weights)[0]
        if plan.random() < 0.25:
            width, height = height, width
        jobs.append({"corpus": args.corpus, "rng": [args.seed, index], "width": width, "height": height,
                     "name": f"img-{index:04d}.{'png' if is_png else 'jpg'}", "format": "png" if is_png else "jpeg",
                     "quality": None if is_png else plan.randint(85, 92), "subsampling": "4:2:0",
                     "detail": plan.uniform(0.5, 1.5), "noise": plan.uniform(2, 6), "blur": plan.uniform(0.5, 2.0)})
    render_all(args.corpus, params, jobs, args.procs)


def generate_large(args):
    """The fidelity set: large photo-like JPEGs, sizes up to 6000x4000 (some not multiples of 8), varied
    quality, chroma subsampling, texture, blur and noise (noise 0 = a smooth, heavily cleaned image)."""
    import random
    import PIL

    params = {"seed": args.seed, "images": args.images, "pillow": PIL.__version__, "layout": 1, "kind": "large"}
    os.makedirs(args.corpus, exist_ok=True)
    if reuse(args.corpus, params):
        return
    plan = random.Random(f"{args.seed}/large-plan")
    jobs = []
    for index in range(args.images):
        width, height = LARGE_SIZES[index % len(LARGE_SIZES)]
        if plan.random() < 0.3:
            width, height = height, width
        jobs.append({"corpus": args.corpus, "rng": [args.seed, 1_000_000 + index], "width": width, "height": height,
                     "name": f"large-{index:03d}.jpg", "format": "jpeg", "quality": plan.randint(75, 95),
                     "subsampling": plan.choices(["4:2:0", "4:2:2", "4:4:4"], [6, 2, 2])[0],
                     "detail": plan.uniform(0, 2.0), "noise": plan.uniform(0, 8), "blur": plan.uniform(0, 3.0)})
    render_all(args.corpus, params, jobs, args.procs)


# ---------------------------------------------------------------------------------------------- peers

def pdq_hex(bits):
    import numpy as np
    # pdqhash returns the 256 bits MSB first: packed big-endian they are the C++ reference's hex.
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def peer_plain(path):
    """What a plain Python pipeline does: Pillow full decode, RGB, numpy, pdqhash (no pre-scale)."""
    import numpy as np
    import pdqhash
    from PIL import Image
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB"))
    bits, quality = pdqhash.compute(pixels)
    return path, pdq_hex(bits), int(quality)


def peer_tuned(path):
    """The tuned Python pipeline: Pillow's draft mode (DCT-scaled JPEG decode to the smallest scale keeping
    both sides >= 512, with libjpeg's fast IDCT and plain upsampling), then the same pdqhash."""
    import numpy as np
    import pdqhash
    from PIL import Image
    with Image.open(path) as image:
        image.draft("RGB", (512, 512))
        pixels = np.asarray(image.convert("RGB"))
    bits, quality = pdqhash.compute(pixels)
    return path, pdq_hex(bits), int(quality)


def run_peer(args):
    with open(args.list, "rb") as handle:
        paths = [p.decode() for p in handle.read().split(b"\0") if p]
    worker = {"plain": peer_plain, "tuned": peer_tuned}[args.mode]
    if args.procs == 1:
        results = [worker(path) for path in paths]
    else:
        import multiprocessing
        pool = multiprocessing.Pool(args.procs)
        results = list(pool.imap(worker, paths, chunksize=2))
        pool.close()
        pool.join()  # reaped, so /usr/bin/time counts the workers' CPU time
    with open(args.out, "w") as handle:
        for path, digest, quality in results:
            handle.write(f"{path}\t{digest}\t{quality}\n")


def run_floor(args):
    """The decode floor in one process: TurboJPEG (the library hashscan links) decoding each JPEG to grey at
    a DCT scale, through ctypes (a few microseconds per call), reading each file first."""
    import ctypes
    import ctypes.util
    library = ctypes.CDLL(ctypes.util.find_library("turbojpeg") or "libturbojpeg.so.0")
    library.tjInitDecompress.restype = ctypes.c_void_p
    library.tjDecompressHeader3.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ulong] + [ctypes.POINTER(ctypes.c_int)] * 4
    library.tjDecompress2.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p,
                                      ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int]
    handle = library.tjInitDecompress()
    with open(args.list, "rb") as source:
        paths = [p.decode() for p in source.read().split(b"\0") if p]
    buffer = ctypes.create_string_buffer(16 << 20)
    width, height, subsampling, colorspace = (ctypes.c_int() for _ in range(4))
    lines = []
    import time
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for path in paths:
        with open(path, "rb") as source:
            data = source.read()
        if library.tjDecompressHeader3(handle, data, len(data), ctypes.byref(width), ctypes.byref(height),
                                       ctypes.byref(subsampling), ctypes.byref(colorspace)) != 0:
            sys.exit(f"floor: header of {path} failed")
        if args.scale == "auto512":  # hashscan's fast path for the reference convention
            denominator = next((d for d in (8, 4, 2) if min(-(-width.value // d), -(-height.value // d)) >= 512), 1)
        else:
            denominator = int(args.scale)
        w, h = -(-width.value // denominator), -(-height.value // denominator)
        channels, pixel_format = (3, 0) if args.rgb else (1, 6)  # TJPF_RGB, TJPF_GRAY
        if w * h * channels > len(buffer):
            buffer = ctypes.create_string_buffer(w * h * channels)
        if library.tjDecompress2(handle, data, len(data), buffer, w, 0, h, pixel_format, 0) != 0:
            sys.exit(f"floor: decode of {path} failed")
        lines.append(f"{path}\t{w}x{h}\n")
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    with open(args.out, "w") as handle_out:
        handle_out.writelines(lines)
    if args.timings:  # the loop alone: read + header + decode, without the interpreter's start-up
        with open(args.timings, "a") as handle_out:
            handle_out.write(f"{args.name} {wall:.4f} {cpu:.4f}\n")


# ---------------------------------------------------------------------------------------------- reading outputs

def read_hashscan(path):
    """{path: (pdq hex, quality)} from hashscan's JSON lines; exits when the summary reports errors."""
    hashes, summary = {}, None
    with open(path) as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("type") == "file" and "pdq" in record.get("hashes", {}):
                hashes[record["path"]] = (record["hashes"]["pdq"], record["hashes"].get("pdq_quality"))
            elif record.get("type") == "summary":
                summary = record
    if summary is None or summary.get("errors"):
        sys.exit(f"{path}: hashscan summary missing or reports errors: {summary}")
    return hashes


def read_peer(path):
    hashes = {}
    with open(path) as handle:
        for line in handle:
            name, digest, quality = line.rstrip("\n").split("\t")
            hashes[name] = (digest, int(quality))
    return hashes


def hamming(a, b):
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def distances(first, second):
    common = sorted(set(first) & set(second))
    if len(common) != len(first) or len(common) != len(second):
        sys.exit(f"distances: the two runs listed {len(first)} and {len(second)} files")
    return {name: hamming(first[name][0], second[name][0]) for name in common}


def describe(values):
    values = sorted(values)
    return {"n": len(values), "median": statistics.median(values), "mean": statistics.fmean(values),
            "p90": values[min(len(values) - 1, int(0.9 * len(values)))], "max": values[-1]}


def peer_reference(path):
    """Pillow decode + CImg's nearest-neighbour resize to exactly 512x512 (when a side is over 512) + pdqhash:
    the C++ reference's pipeline (spec: 0 bits from it on every repository image)."""
    import numpy as np
    import pdqhash
    from PIL import Image
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB"))
    height, width = pixels.shape[:2]
    if width > 512 or height > 512:
        rows = (np.arange(512) * height) // 512
        columns = (np.arange(512) * width) // 512
        pixels = np.ascontiguousarray(pixels[rows][:, columns])
    bits, quality = pdqhash.compute(pixels)
    return path, pdq_hex(bits), int(quality)


def check(args):
    """hashscan's exact paths against pdqhash on the same files: `--pdq-convention full` against the plain
    Python pipeline (both: full decode, no pre-scale), and `reference` against Pillow + CImg's 512x512
    nearest-neighbour resize + pdqhash on a sample. Both must be 0 bits: any difference stops the script."""
    outdir = args.outdir
    failures = []
    full = read_hashscan(os.path.join(outdir, "hashscan-full-j2.out"))
    plain = read_peer(os.path.join(outdir, "py-plain-j2.out"))
    found = distances(full, plain)
    bad = {k: v for k, v in found.items() if v}
    print(f"check: hashscan --pdq-convention full vs Pillow + pdqhash: {len(found)} images, "
          f"{len(found) - len(bad)} at 0 bits" + (f", max {max(bad.values())}" if bad else ""), file=sys.stderr)
    failures += [f"full: {k}: {v} bits" for k, v in sorted(bad.items())]
    reference = read_hashscan(os.path.join(outdir, "hashscan-ref-j2.out"))
    sample = sorted(reference)[:: max(1, len(reference) // 24)]
    mine = {k: reference[k] for k in sample}
    theirs = {path: (digest, quality) for path, digest, quality in map(peer_reference, sample)}
    found = distances(mine, theirs)
    bad = {k: v for k, v in found.items() if v}
    print(f"check: hashscan reference vs Pillow + CImg-style NN 512x512 + pdqhash: {len(found)} sampled images, "
          f"{len(found) - len(bad)} at 0 bits", file=sys.stderr)
    failures += [f"reference: {k}: {v} bits" for k, v in sorted(bad.items())]
    if failures:
        print("CORRECTNESS FAILURE: hashscan's exact PDQ differs from pdqhash on the same pixels:", file=sys.stderr)
        for failure in failures[:20]:
            print("  " + failure, file=sys.stderr)
        sys.exit(1)


# ---------------------------------------------------------------------------------------------- fidelity

FIDELITY_PAIRS = [
    # (label, exact run, fast run)
    ("reference, fast path Y plane (default CLI fast path: pdq only)", "fid-ref-exact", "fid-ref-fast-y"),
    ("reference, fast path RGB at the same scale, BT.601 luma", "fid-ref-exact", "fid-ref-fast-rgb"),
    ("full, fast path Y plane", "fid-full-exact", "fid-full-fast-y"),
    ("full, fast path RGB", "fid-full-exact", "fid-full-fast-rgb"),
    ("(conventions) reference exact vs full exact", "fid-ref-exact", "fid-full-exact"),
]


def fidelity(args):
    with open(os.path.join(args.corpus, "corpus.json")) as handle:
        manifest = json.load(handle)
    sizes = {os.path.join(args.corpus, f["name"]): f for f in manifest["files"]}
    runs = {}
    for path in sorted(os.listdir(args.outdir)):
        if path.startswith("fid-") and path.endswith(".out"):
            runs[path[:-4]] = read_hashscan(os.path.join(args.outdir, path))
    lines = []
    out = lines.append
    out(f"Fast-path fidelity: {len(next(iter(runs.values())))} JPEGs from {args.corpus} "
        f"(seed {manifest['params'].get('seed')}; sizes {min(f['width'] * f['height'] for f in manifest['files']) / 1e6:.1f}-"
        f"{max(f['width'] * f['height'] for f in manifest['files']) / 1e6:.1f} MP), Hamming distance in bits.")
    out("")
    out("| pair | n | median | mean | p90 | max | distribution (bits: images) |")
    out("|---|---:|---:|---:|---:|---:|---|")
    verdicts = {}
    for label, exact, fast in FIDELITY_PAIRS:
        if exact not in runs or fast not in runs:
            continue
        found = distances(runs[exact], runs[fast])
        d = describe(found.values())
        histogram = {}
        for value in found.values():
            histogram[value] = histogram.get(value, 0) + 1
        spread = ", ".join(f"{k}: {v}" for k, v in sorted(histogram.items()))
        out(f"| {label} | {d['n']} | {d['median']:g} | {d['mean']:.2f} | {d['p90']} | {d['max']} | {spread} |")
        verdicts[fast] = d
        worst = sorted(found.items(), key=lambda item: -item[1])[:3]
        if fast.startswith("fid-ref-fast") or fast.startswith("fid-full-fast"):
            detail = "; ".join(f"{os.path.basename(k)} {sizes.get(k, {}).get('width')}x{sizes.get(k, {}).get('height')} "
                               f"q{sizes.get(k, {}).get('quality')} {sizes.get(k, {}).get('subsampling', '')}: {v}"
                               for k, v in worst)
            verdicts[fast + "-worst"] = detail
    out("")
    for fast, label in (("fid-ref-fast-y", "reference convention, Y plane"), ("fid-full-fast-y", "full convention, Y plane")):
        d = verdicts.get(fast)
        if not d:
            continue
        rule = d["max"] <= 8 and d["median"] <= 2
        out(f"- Rule of issue #3 (max ≤ 8 and median ≤ 2), {label}: max {d['max']}, median {d['median']:g}: "
            f"**{'HOLDS' if rule else 'DOES NOT HOLD'}**. Largest: {verdicts.get(fast + '-worst')}.")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as handle:
            handle.write(text + "\n")


# ---------------------------------------------------------------------------------------------- report

TOOLS = [
    # (name, set, label); EXACT / FAST are the flags of this build (see meta.txt default_mode)
    ("hashscan-ref", "all", "hashscan hash --algorithms pdq EXACT (exact decode, reference convention)"),
    ("hashscan-fast", "all", "hashscan hash --algorithms pdq FAST (JPEG fast path, reference convention)"),
    ("hashscan-full", "all", "hashscan hash --algorithms pdq --pdq-convention full EXACT (exact decode; pdqhash's convention)"),
    ("py-plain", "all", "Python plain: Pillow open + convert(RGB) + numpy + pdqhash.compute"),
    ("py-tuned", "all", "Python tuned: Pillow draft(RGB, 512x512) + convert(RGB) + numpy + pdqhash.compute"),
    ("hashscan-md5", "jpeg", "hashscan hash --algorithms md5 (read + MD5 only: the pipeline without images)"),
    ("hashscan-ref", "jpeg", "hashscan hash --algorithms pdq EXACT (exact decode, reference convention)"),
    ("hashscan-fast", "jpeg", "hashscan hash --algorithms pdq FAST (JPEG fast path, reference convention)"),
    ("djpeg-floor", "jpeg", "floor: djpeg -scale 1/8 -grayscale -outfile /dev/null (xargs, a process per file)"),
    ("tj-floor-8", "jpeg", "floor in one process: TurboJPEG grey at 1/8 (ctypes; the read + decode loop alone)"),
    ("tj-floor-512", "jpeg", "floor in one process: TurboJPEG grey at hashscan's fast-path scale (sides >= 512; loop alone)"),
    ("tj-floor-rgb", "jpeg", "floor in one process: TurboJPEG full-size RGB (what the exact path decodes; loop alone)"),
]


def load_runs(outdir):
    runs = {}
    with open(os.path.join(outdir, "runs.tsv")) as handle:
        for line in handle:
            name, corpus_set, jobs, repetition, wall, user, system, maxrss, steal = line.split()
            runs.setdefault((name, corpus_set, int(jobs)), []).append(
                {"wall": float(wall), "cpu": float(user) + float(system), "rss_kib": int(maxrss), "steal": float(steal)})
    return runs


def report(args):
    with open(os.path.join(args.corpus, "corpus.json")) as handle:
        manifest = json.load(handle)
    files = manifest["files"]
    jpegs = [f for f in files if f["format"] == "jpeg"]
    counts = {"all": len(files), "jpeg": len(jpegs)}
    runs = load_runs(args.outdir)
    # The in-process floors: their own timing of the decode loop replaces the process's (Python's start-up).
    loop_path = os.path.join(args.outdir, "floor-loops.tsv")
    if os.path.exists(loop_path):
        loops = {}
        with open(loop_path) as handle:
            for line in handle:
                name, wall, cpu = line.split()
                loops.setdefault(name, []).append((float(wall), float(cpu)))
        for name, samples in loops.items():
            key = (name, "jpeg", 1)
            if key in runs and len(runs[key]) == len(samples):
                for run, (wall, cpu) in zip(runs[key], samples):
                    run["wall"], run["cpu"] = wall, cpu
    meta = {}
    with open(os.path.join(args.outdir, "meta.txt")) as handle:
        for line in handle:
            key, _, value = line.rstrip("\n").partition("=")
            meta[key] = value
    median = statistics.median
    lines = []
    out = lines.append

    def figures(name, corpus_set, jobs):
        samples = runs.get((name, corpus_set, jobs))
        if not samples:
            return None
        walls, cpus = [s["wall"] for s in samples], [s["cpu"] for s in samples]
        best, best_cpu = min(walls), min(cpus)
        n = counts[corpus_set]
        return {"best": best, "wall": median(walls), "ips": n / best, "ips_median": n / median(walls),
                "ipc": n / best_cpu, "ipc_median": n / median(cpus), "busy": cpus[walls.index(best)] / best,
                "rss": max(s["rss_kib"] for s in samples) / 1024, "steal": max(s["steal"] for s in samples),
                "n": len(samples)}

    pixels = sum(f["width"] * f["height"] for f in files)
    jpeg_bytes = sum(f["bytes"] for f in jpegs)
    out(f"Corpus (seed {manifest['params']['seed']}): {len(files)} images, {len(jpegs)} baseline JPEGs "
        f"(quality 85-92, 4:2:0, {jpeg_bytes / 1e6:,.0f} MB) and {len(files) - len(jpegs)} PNGs; "
        f"{min(f['width'] * f['height'] for f in files) / 1e6:.2f}-{max(f['width'] * f['height'] for f in files) / 1e6:.1f} MP, "
        f"{pixels / len(files) / 1e6:.2f} MP on average; photo-like (gradients, shapes, texture, sensor noise), on "
        f"{meta.get('corpus_fs', '?')}, read once before each repetition. Set `jpeg` = the JPEGs only (what the decode floors cover).")
    out("")
    repetitions = max(len(v) for v in runs.values())
    out(f"Figures: best of {repetitions} interleaved repetitions (median in brackets). images/s = wall clock; "
        "per CPU-s = images per CPU-second (user + sys of the process and its children). Cores busy: CPU / wall of "
        "the fastest repetition. Steal: the most CPU time the host took during one repetition.")
    out("")
    out("| tool | set | jobs | wall s | images/s | images per CPU-s | cores busy | max RSS MiB | steal s |")
    out("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    fast_default = meta.get("default_mode") == "hashscan-fast"
    flags = {"EXACT": "--exact-decode" if fast_default else "", "FAST": "" if fast_default else "--jpeg-fast-path"}
    for name, corpus_set, label in TOOLS:
        for word, flag in flags.items():
            label = label.replace(f" {word} ", f" {flag} " if flag else " ")
        for jobs in (1, 2):
            f = figures(name, corpus_set, jobs)
            if f is None:
                continue
            out(f"| {label} | {corpus_set} | {jobs} | {f['best']:.2f} ({f['wall']:.2f}) | {f['ips']:.1f} ({f['ips_median']:.1f}) "
                f"| {f['ipc']:.1f} ({f['ipc_median']:.1f}) | {f['busy']:.2f} | {f['rss']:.0f} | {f['steal']:.2f} |")
    out("")

    # Per-stage split on the JPEGs, one job: milliseconds of CPU per image.
    def cpu_ms(name, jobs=1, corpus_set="jpeg"):
        f = figures(name, corpus_set, jobs)
        return None if f is None else 1000 / f["ipc"]
    split = {k: cpu_ms(k) for k in ("hashscan-md5", "hashscan-ref", "hashscan-fast", "tj-floor-rgb", "tj-floor-512", "tj-floor-8")}
    if all(v is not None for v in split.values()):
        out("Per-stage split on the JPEGs (-j 1, CPU ms per image, best repetition):")
        out("")
        out("| stage | exact path | fast path |")
        out("|---|---:|---:|")
        out(f"| whole `hashscan hash --algorithms pdq` | {split['hashscan-ref']:.2f} | {split['hashscan-fast']:.2f} |")
        out(f"| read + walk + MD5 + output (`--algorithms md5`) | {split['hashscan-md5']:.2f} | {split['hashscan-md5']:.2f} |")
        out(f"| decode (TurboJPEG alone, in one process: full RGB / grey at the fast-path scale) | {split['tj-floor-rgb']:.2f} | {split['tj-floor-512']:.2f} |")
        rest_exact = split["hashscan-ref"] - split["tj-floor-rgb"]
        rest_fast = split["hashscan-fast"] - split["tj-floor-512"]
        out(f"| everything else (PDQ, pipeline, output): whole − decode | {rest_exact:.2f} | {rest_fast:.2f} |")
        out(f"| decode share of the whole | {split['tj-floor-rgb'] / split['hashscan-ref'] * 100:.0f}% | {split['tj-floor-512'] / split['hashscan-fast'] * 100:.0f}% |")
        out("")

    results = []
    out("| target (issue #3) | jobs | best | median | goal | result (on best) | from (best) |")
    out("|---|---:|---:|---:|---:|---|---|")

    def target(label, jobs, value, median_value, goal, detail, lower_is_better=False):
        passed = value <= goal if lower_is_better else value >= goal
        results.append(passed)
        sign = "≤" if lower_is_better else "≥"
        med = "" if median_value is None else f"{median_value:.2f}x"
        out(f"| {label} | {jobs} | {value:.2f}x | {med} | {sign} {goal:g}x | **{'PASS' if passed else 'FAIL'}** | {detail} |")

    default = meta.get("default_mode", "hashscan-ref")
    for mode in ("hashscan-fast", "hashscan-ref"):
        tag = "default" if mode == default else "not default"
        for peer, goal in (("py-tuned", 2.0), ("py-plain", 5.0)):
            for jobs in (1, 2):
                a, b = figures(mode, "all", jobs), figures(peer, "all", jobs)
                if a is None or b is None:
                    continue
                target(f"{mode} ({tag}) vs {peer}: images/s", jobs, a["ips"] / b["ips"], a["ips_median"] / b["ips_median"],
                       goal, f"{a['ips']:.1f} / {b['ips']:.1f} images/s; per CPU-s {a['ipc']:.1f} / {b['ipc']:.1f} = "
                       f"{a['ipc'] / b['ipc']:.2f}x")
    for jobs in (1, 2):
        a, b = figures("hashscan-fast", "jpeg", jobs), figures("djpeg-floor", "jpeg", jobs)
        if a is None or b is None:
            continue
        target("hashscan-fast end to end vs the djpeg 1/8 grey floor, JPEGs only: wall time ratio", jobs,
               b["ips"] / a["ips"], b["ips_median"] / a["ips_median"], 1.3,
               f"{a['best']:.2f} s vs {b['best']:.2f} s for {counts['jpeg']} JPEGs; per CPU-s "
               f"{(1 / a['ipc']) / (1 / b['ipc']):.2f}x", lower_is_better=True)
    a, b, c = figures("hashscan-fast", "jpeg", 1), figures("tj-floor-8", "jpeg", 1), figures("tj-floor-512", "jpeg", 1)
    if a and b and c:
        out(f"| (information) hashscan-fast vs the in-process TurboJPEG floor, CPU time per image | 1 | "
            f"{b['ipc'] / a['ipc']:.2f}x | {b['ipc_median'] / a['ipc_median']:.2f}x | | | at 1/8 grey; "
            f"{c['ipc'] / a['ipc']:.2f}x against grey at hashscan's own scale (sides ≥ 512) |")
    core = os.path.join(args.outdir, "pdq-core.txt")
    if os.path.exists(core):
        with open(core) as handle:
            fields = dict(line.strip().split("=", 1) for line in handle if "=" in line)
        value = float(fields["p50_ms"])
        passed = value < 0.3
        results.append(passed)
        peer = ""
        if "peer_p0_ms" in fields:
            peer = (f"; pdqhash.compute on a 512x512 raster, same run: {float(fields['peer_p0_ms']):.2f} ms best, "
                    f"{float(fields['peer_p50_ms']):.2f} ms median: {float(fields['peer_p0_ms']) / float(fields['p0_ms']):.1f}x "
                    f"(best), {float(fields['peer_p50_ms']) / value:.1f}x (median)")
        out(f"| PDQ core, 512x512 luma plane (ImagingBenchmarks, p50 wall clock) | 1 | {value:.3f} ms | "
            f"p0 {float(fields.get('p0_ms', 'nan')):.3f} ms | < 0.3 ms | **{'PASS' if passed else 'FAIL'}** | "
            f"`{fields.get('benchmark', 'PDQ core')}`{peer} |")
    out("")
    if meta.get("load_before"):
        out(f"Load average before / after the timed runs: {meta.get('load_before')} / {meta.get('load_after')}.")
        out("")
    out(f"**{sum(results)} of {len(results)} target checks pass.**")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as handle:
            handle.write(text + "\n")


# ---------------------------------------------------------------------------------------------- PDQ core peer

def pdq_core(args):
    """The peer of the "PDQ core, 512x512 luma plane" micro-benchmark: pdqhash.compute on a 512x512 raster
    already in memory (grey: R = G = B = the luma, so its C++ luma step returns the same plane), timed in
    process, best and median of `repetitions` runs of `hashes` hashes. Its C++ core includes that luma step
    (a multiply-add per pixel, well under 1% of the hash). Prints key=value lines for the report."""
    import time
    import numpy
    import pdqhash
    rng = numpy.random.default_rng(42)
    y, x = numpy.mgrid[0:512, 0:512]
    plane = (96 + 64 * numpy.sin(x / 37.0) * numpy.cos(y / 53.0) + rng.integers(-20, 21, (512, 512))).clip(0, 255)
    image = numpy.ascontiguousarray(numpy.repeat(plane.astype(numpy.uint8)[:, :, None], 3, axis=2))
    pdqhash.compute(image)  # warm-up
    per_hash = []
    for _ in range(args.repetitions):
        start = time.perf_counter()
        for _ in range(args.hashes):
            pdqhash.compute(image)
        per_hash.append((time.perf_counter() - start) / args.hashes * 1000)
    print(f"peer=pdqhash {pdqhash.__version__ if hasattr(pdqhash, '__version__') else ''}".strip())
    print(f"peer_p0_ms={min(per_hash)}\npeer_p50_ms={statistics.median(per_hash)}")


# ---------------------------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("gen")
    gen.add_argument("corpus")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--images", type=int, default=160)
    gen.add_argument("--png-share", type=float, default=0.12)
    gen.add_argument("--max-side", type=int, default=4000)
    gen.add_argument("--procs", type=int, default=os.cpu_count() or 1)

    large = commands.add_parser("gen-large")
    large.add_argument("corpus")
    large.add_argument("--seed", type=int, default=42)
    large.add_argument("--images", type=int, default=48)
    large.add_argument("--procs", type=int, default=os.cpu_count() or 1)

    peer = commands.add_parser("peer")
    peer.add_argument("list")
    peer.add_argument("--mode", choices=["plain", "tuned"], required=True)
    peer.add_argument("--procs", type=int, default=1)
    peer.add_argument("--out", required=True)

    floor = commands.add_parser("floor")
    floor.add_argument("list")
    floor.add_argument("--scale", choices=["8", "4", "2", "1", "auto512"], default="8")
    floor.add_argument("--rgb", action="store_true", help="decode to RGB instead of grey")
    floor.add_argument("--timings", help="append 'NAME wall cpu' of the decode loop to this file")
    floor.add_argument("--name", default="tj-floor")
    floor.add_argument("--out", required=True)

    chk = commands.add_parser("check")
    chk.add_argument("outdir")

    fid = commands.add_parser("fidelity")
    fid.add_argument("outdir")
    fid.add_argument("--corpus", required=True)
    fid.add_argument("--markdown")

    core = commands.add_parser("pdqcore")
    core.add_argument("--repetitions", type=int, default=15)
    core.add_argument("--hashes", type=int, default=20)

    rep = commands.add_parser("report")
    rep.add_argument("outdir")
    rep.add_argument("--corpus", required=True)
    rep.add_argument("--markdown")

    args = parser.parse_args()
    {"gen": generate, "gen-large": generate_large, "peer": run_peer, "floor": run_floor, "check": check,
     "fidelity": fidelity, "pdqcore": pdq_core, "report": report}[args.command](args)


if __name__ == "__main__":
    main()
