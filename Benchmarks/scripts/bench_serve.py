#!/usr/bin/env python3
"""Helpers for bench-serve.sh (issue #6): seeded PDQ list and request bodies, synthetic JPEGs, the numpy peer
server, wrk's results and the report.

    bench_serve.py gen-list   DIR --count N --queries Q --near-share F --seed S
    bench_serve.py gen-batch  DIR --size N                               (bodies-batch-N.txt from bodies-hashes.txt)
    bench_serve.py gen-jpegs  DIR --count N --seed S [--procs P]
    bench_serve.py add-jpegs  DIR --hashes FILE --share F --seed S      (PDQ of a share of the JPEGs -> the list)
    bench_serve.py peer-numpy DIR --port P                               (http.server + numpy brute force)
    bench_serve.py report     OUTDIR [--markdown FILE]

Data (in DIR): `haystack.bin` (N x 32 bytes, byte 0 first, as PDQ hex reads), `list.txt` (`pdq:<hex>` lines, the
source the benchmark compiles), `bodies-hashes.txt` (one JSON body of /v1/match/hashes a line: random hashes and,
for a share of them, a list row with 0-31 bits flipped, so they match), `bodies-batch-N.txt` (the same hashes, N
to a body, as `{"items":[…]}` batches) and `jpegs/` (about 100 KB each).
Everything follows from the seed (numpy's PCG64 through `default_rng`).
"""

import argparse
import binascii
import json
import os
import sys
import time

BYTES = 32
BITS = 256


def hex_lines(rows, prefix=b"pdq:"):
    """(n, 32) uint8 -> b'pdq:<64 hex>\\n' * n, without a Python loop per row."""
    import numpy as np
    n = len(rows)
    out = np.empty((n, len(prefix) + 65), dtype=np.uint8)
    out[:, :len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    out[:, len(prefix):-1] = np.frombuffer(binascii.hexlify(rows.tobytes()), dtype=np.uint8).reshape(n, 64)
    out[:, -1] = ord("\n")
    return out.tobytes()


def gen_list(args):
    import numpy as np
    os.makedirs(args.dir, exist_ok=True)
    params = {"count": args.count, "queries": args.queries, "near_share": args.near_share, "seed": args.seed, "layout": 1}
    manifest = os.path.join(args.dir, "list-manifest.json")
    if os.path.exists(manifest) and json.load(open(manifest)).get("params") == params:
        print(f"gen-list: reusing {args.dir} (same parameters)", file=sys.stderr)
        return
    started = time.time()
    rng = np.random.default_rng([args.seed, 6])
    haystack = rng.integers(0, 256, size=(args.count, BYTES), dtype=np.uint8)
    haystack.tofile(os.path.join(args.dir, "haystack.bin"))
    with open(os.path.join(args.dir, "list.txt"), "wb") as handle:
        block = 1 << 20
        for start in range(0, args.count, block):
            handle.write(hex_lines(haystack[start:start + block]))
    # Queries: random hashes; a share of them a list row with k = 0..31 bits flipped (a match at distance k).
    queries = rng.integers(0, 256, size=(args.queries, BYTES), dtype=np.uint8)
    near = rng.random(args.queries) < args.near_share
    rows = rng.integers(0, args.count, size=args.queries)
    for index in np.flatnonzero(near):
        bits = np.zeros(BITS, dtype=bool)
        bits[rng.choice(BITS, size=int(rng.integers(0, 32)), replace=False)] = True
        queries[index] = haystack[rows[index]] ^ np.packbits(bits)
    with open(os.path.join(args.dir, "bodies-hashes.txt"), "w") as handle:
        for query in queries:
            handle.write(json.dumps({"hashes": {"pdq": query.tobytes().hex(), "pdq_quality": 100}}, separators=(",", ":")) + "\n")
    json.dump({"params": params, "near": int(near.sum()), "seconds": round(time.time() - started, 1)}, open(manifest, "w"))
    print(f"gen-list: {args.count:,} hashes, {args.queries:,} bodies ({int(near.sum())} near) in "
          f"{time.time() - started:.1f} s -> {args.dir}", file=sys.stderr)


def gen_batch(args):
    """Groups the single bodies N to a batch body, in order (the last, short group is dropped)."""
    singles = [json.loads(line) for line in open(os.path.join(args.dir, "bodies-hashes.txt")) if line.strip()]
    path = os.path.join(args.dir, f"bodies-batch-{args.size}.txt")
    with open(path, "w") as handle:
        for start in range(0, len(singles) - args.size + 1, args.size):
            items = [{"id": str(start + offset), "hashes": body["hashes"]} for offset, body in enumerate(singles[start:start + args.size])]
            handle.write(json.dumps({"items": items}, separators=(",", ":")) + "\n")
    print(f"gen-batch: {len(singles) // args.size:,} bodies of {args.size} hashes -> {path}", file=sys.stderr)


def render_jpeg(job):
    import numpy as np
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from compare_imaging import photo_like  # the photo-like generator of the imaging benchmark
    rng = np.random.default_rng(job["seed"])
    image = photo_like(rng, job["width"], job["height"], detail=1.0, noise=3.0, blur=1.2)
    path = os.path.join(job["dir"], job["name"])
    image.save(path, "JPEG", quality=job["quality"], optimize=False, progressive=False)
    return os.path.getsize(path)


def gen_jpegs(args):
    import multiprocessing
    import numpy as np
    folder = os.path.join(args.dir, "jpegs")
    os.makedirs(folder, exist_ok=True)
    params = {"count": args.count, "seed": args.seed, "layout": 1}
    manifest = os.path.join(folder, "manifest.json")
    if os.path.exists(manifest) and json.load(open(manifest)).get("params") == params:
        print(f"gen-jpegs: reusing {folder}", file=sys.stderr)
        return
    rng = np.random.default_rng([args.seed, 7])
    sizes = [(1024, 768), (960, 720), (1000, 750), (768, 1024), (1080, 720)]
    jobs = []
    for number in range(args.count):
        width, height = sizes[int(rng.integers(0, len(sizes)))]
        jobs.append({"dir": folder, "name": f"img-{number:04d}.jpg", "width": width, "height": height,
                     "quality": int(rng.integers(80, 91)), "seed": [args.seed, 7, number]})
    with multiprocessing.Pool(args.procs) as pool:
        sizes_out = pool.map(render_jpeg, jobs)
    json.dump({"params": params, "files": [job["name"] for job in jobs], "bytes": sizes_out}, open(manifest, "w"))
    print(f"gen-jpegs: {args.count} JPEGs, mean {sum(sizes_out) / len(sizes_out) / 1000:.0f} KB "
          f"(min {min(sizes_out) / 1000:.0f}, max {max(sizes_out) / 1000:.0f}) -> {folder}", file=sys.stderr)


def add_jpegs(args):
    """Appends the PDQ hashes of a seeded share of the JPEGs (from `hashscan hash` records) to list.txt."""
    import numpy as np
    rng = np.random.default_rng([args.seed, 8])
    records = [json.loads(line) for line in open(args.hashes) if line.strip()]
    records = [record for record in records if "pdq" in record.get("hashes", {})]  # the JPEGs, not the manifest
    records.sort(key=lambda record: record.get("path", ""))
    chosen = [record for record in records if rng.random() < args.share]
    with open(os.path.join(args.dir, "list.txt"), "a") as handle:
        for record in chosen:
            handle.write(f"pdq:{record['hashes']['pdq']}\n")
    print(f"add-jpegs: {len(chosen)} of {len(records)} JPEG PDQ hashes added to the list", file=sys.stderr)


# ---------------------------------------------------------------------------------------------- numpy peer

def peer_numpy(args):
    """A plain Python http.server answering POST /v1/match/hashes by a numpy brute-force Hamming scan."""
    import numpy as np
    from http.server import BaseHTTPRequestHandler, HTTPServer

    haystack = np.fromfile(os.path.join(args.dir, "haystack.bin"), dtype=np.uint64).reshape(-1, 4)
    block = 1 << 20

    def scan(query):
        q = np.frombuffer(query, dtype=np.uint64)
        hits = []
        for start in range(0, len(haystack), block):
            part = haystack[start:start + block]
            distance = np.bitwise_count(part ^ q).sum(axis=1, dtype=np.uint16)
            for row in np.flatnonzero(distance <= 31):
                hits.append({"entry": int(start + row), "algorithm": "pdq", "distance": int(distance[row])})
        return hits

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self.answer(200, {"status": "ok"})

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                query = bytes.fromhex(json.loads(body)["hashes"]["pdq"])
                assert len(query) == BYTES
            except Exception:
                return self.answer(400, {"error": {"code": "bad_hash"}})
            hits = scan(query)
            self.answer(200, {"match": bool(hits), "matches": hits})

    server = HTTPServer(("127.0.0.1", args.port), Handler)
    print(f"peer-numpy: {len(haystack):,} hashes, listening on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
    server.serve_forever()


# ---------------------------------------------------------------------------------------------- report

TARGET_RPS, TARGET_P99_MS = 10_000, 10.0


def report(args):
    runs = [json.loads(line) for line in open(os.path.join(args.outdir, "runs.jsonl")) if line.strip()]
    meta = dict(line.rstrip("\n").split("=", 1) for line in open(os.path.join(args.outdir, "meta.txt")) if "=" in line)
    lines = []
    out = lines.append
    out(f"Machine: {meta.get('nproc')} cores, {meta.get('cpu')}, {meta.get('memory')}; hashscan {meta.get('hashscan_commit')}; "
        f"wrk {meta.get('wrk')}; load average before {meta.get('load_before')}, after {meta.get('load_after')}.")
    out(f"List: {meta.get('list_entries')} PDQ entries compiled ({meta.get('list_bytes')} bytes, on {meta.get('data_fs')}); "
        f"bodies: {meta.get('bodies')} (/v1/match/hashes, {meta.get('near')} of them near a list entry), "
        f"{meta.get('jpegs')} JPEGs of {meta.get('jpeg_kb')} KB mean (/v1/match, {meta.get('jpegs_listed')} of them listed).")
    out("wrk and the server share the machine's cores over loopback; wrk: 2 threads, --latency, "
        f"{meta.get('duration')} s a run. Non-2xx counts every answer that is not 2xx (a 503 `busy` included).")
    out("")
    out("| server | route | connections | requests/s | lookups/s | p50 ms | p99 ms | max ms | requests | non-2xx | socket errors | matches/s |")
    out("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        matched = run.get("matched")
        lookups = run.get("lookups")
        out(f"| {run['server']} | {run['route']} | {run['connections']} | {run['rps']:,.0f} | "
            f"{'' if lookups is None else f'{lookups:,.0f}'} | {run['p50_us'] / 1000:.2f} | "
            f"{run['p99_us'] / 1000:.2f} | {run['max_us'] / 1000:.1f} | {run['requests']:,} | {run['non2xx']:,} | "
            f"{run['socket_errors']:,} | {'' if matched is None else f'{matched:,.0f}'} |")
    out("")
    floor = {r["connections"]: r["rps"] for r in runs if r["route"] == "GET /healthz"}
    for run in runs:
        if run["route"] == "POST /v1/match/hashes" and run["server"].startswith("hashscan") and run["connections"] in floor:
            out(f"- {run['server']}, {run['connections']} connections: /v1/match/hashes = "
                f"{run['rps'] / floor[run['connections']]:.2f}x the /healthz floor ({floor[run['connections']]:,.0f}/s)")
    peers = [r for r in runs if r["server"].startswith("python")]
    best_peer = max((r["rps"] for r in peers), default=0)
    hashes_runs = [r for r in runs if r["route"] == "POST /v1/match/hashes" and r["server"].startswith("hashscan")]
    batch_runs = [r for r in runs if r["route"].startswith("POST /v1/match/hashes (batch") and r["server"].startswith("hashscan")]
    if best_peer:
        best = max((r["rps"] for r in hashes_runs), default=0)
        out(f"- best hashscan /v1/match/hashes {best:,.0f}/s = {best / best_peer:,.0f}x the Python http.server + numpy "
            f"brute-force peer ({best_peer:,.1f}/s), and {best / 1000:.1f}x HMA's published 1,000 lookups/s")
    out("")
    verdicts = []

    def verdict(label, candidates):
        """PASS when a run reaches the target lookups/s with p99 under the target and no failed answer."""
        if not candidates:
            return
        passing = [r for r in candidates if r["lookups"] >= TARGET_RPS and r["p99_us"] / 1000 < TARGET_P99_MS and r["non2xx"] == 0]
        chosen = max(passing, key=lambda r: r["lookups"]) if passing else max(
            candidates, key=lambda r: (r["p99_us"] / 1000 < TARGET_P99_MS, r["lookups"]))
        verdicts.append(f"{'PASS' if passing else 'FAIL'}: {label} >= {TARGET_RPS:,} lookups/s with p99 < {TARGET_P99_MS:g} ms "
                        f"over {meta.get('list_entries')} PDQ entries: best {chosen['server']} at {chosen['connections']} connections, "
                        f"{chosen['lookups']:,.0f} lookups/s ({chosen['lookups'] / TARGET_RPS:.2f}x the target) in "
                        f"{chosen['rps']:,.0f} requests/s, p99 {chosen['p99_us'] / 1000:.2f} ms")
        top = max(candidates, key=lambda r: r["lookups"])
        verdicts.append(f"      highest throughput: {top['server']} at {top['connections']} connections, {top['lookups']:,.0f} "
                        f"lookups/s, p99 {top['p99_us'] / 1000:.2f} ms")

    verdict("/v1/match/hashes, one hash a request,", hashes_runs)
    verdict(f"/v1/match/hashes, batches ({', '.join(sorted({r['route'] for r in batch_runs}))}),", batch_runs)
    lines.extend(verdicts)
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as handle:
            handle.write(text + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("gen-list")
    p.add_argument("dir")
    p.add_argument("--count", type=int, default=10_000_000)
    p.add_argument("--queries", type=int, default=4096)
    p.add_argument("--near-share", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=42)
    p.set_defaults(func=gen_list)
    p = sub.add_parser("gen-batch")
    p.add_argument("dir")
    p.add_argument("--size", type=int, default=16)
    p.set_defaults(func=gen_batch)
    p = sub.add_parser("gen-jpegs")
    p.add_argument("dir")
    p.add_argument("--count", type=int, default=300)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--procs", type=int, default=os.cpu_count() or 1)
    p.set_defaults(func=gen_jpegs)
    p = sub.add_parser("add-jpegs")
    p.add_argument("dir")
    p.add_argument("--hashes", required=True)
    p.add_argument("--share", type=float, default=0.3)
    p.add_argument("--seed", type=int, default=42)
    p.set_defaults(func=add_jpegs)
    p = sub.add_parser("peer-numpy")
    p.add_argument("dir")
    p.add_argument("--port", type=int, required=True)
    p.set_defaults(func=peer_numpy)
    p = sub.add_parser("report")
    p.add_argument("outdir")
    p.add_argument("--markdown")
    p.set_defaults(func=report)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
