"""Networks over a large synthetic store (issue 12's 10,000-firm target): the index built in
the process, then one whole-pool proposal (`networks.plan`, seed 0), timed in wall and CPU
seconds (`time.process_time`), with the process's resident set before and its peak after
(`/proc/self/status`; the peak is reset before each stage where the kernel allows it), the
load average, and the networks' quality: count, worst and harmonic-mean fit, unmet firms and
detected competitor pairs together (every pair of every network judged). No tracemalloc, so
the times are the service's own.

`--fresh` measures what a proposal worker that never encoded a text holds: this process only
makes sure every vector of the store is cached (it loads the sentence model only if one is
missing), and a fresh process opens the store, builds the index and proposes, and reports
whether it imported torch or the sentence model. `--store PATH` takes an existing store
instead of the synthetic one. `--profile N` prints the proposal's N costliest functions
(cProfile; the times then include the profiler's overhead). Between the index build and the
proposal the process settles its heap as a web worker does after its warm-up (`web.settle_heap`:
one collection, then the index's objects out of the garbage collector's sight); `--no-settle`
leaves them in sight (the collector's full passes then walk them again and again).

Run: .venv/bin/python bench/network_scale.py [--size 10000] [--fresh] [--store PATH] [--no-settle]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proposals import detected_together, firm_store, synthetic_firms  # noqa: E402

from matchmaker import matching  # noqa: E402
from matchmaker.grouping import networks  # noqa: E402
from matchmaker.store import db as stores  # noqa: E402
from web import settle_heap  # noqa: E402

HEAVY = ("torch", "sentence_transformers", "transformers", "numba")


def memory() -> dict[str, int]:
    """The process's resident set now and at its peak, in MB."""
    found = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS", "VmHWM")):
                key, value = line.split(":")
                found[key] = int(value.split()[0]) // 1024
    return found


def reset_peak() -> bool:
    """Start the peak resident set (VmHWM) anew from the current one, where the kernel lets us."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def loaded() -> list[str]:
    return [name for name in HEAVY if name in sys.modules]


def measure(db, profile: int = 0, settle: bool = True) -> None:
    """Index build and one whole-pool proposal in this process, with their quality."""
    print(f"start: memory {memory()} MB, loaded {loaded()}")
    reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    index = matching.match_index(db)
    print(f"index build: wall {time.perf_counter() - wall:.1f} s, "
          f"CPU {time.process_time() - cpu:.1f} s, memory {memory()} MB, "
          f"loaded {loaded()}")  # fmt: skip
    if settle:  # as a web worker does once its warm-up built the index
        settle_heap()
    load = os.getloadavg()
    reset = reset_peak()
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    plan = networks.plan(db, networks.parse_request({"seed": 0}), max_per_firm=10**6)
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    groups = [[m["id"] for m in net["members"]] for net in plan.networks]
    print(f"proposal: wall {wall:.1f} s, CPU {cpu:.1f} s, memory {memory()} MB "
          f"({'peak of the proposal alone' if reset else 'peak of the process'}), "
          f"load {load[0]:.2f} → {os.getloadavg()[0]:.2f}, loaded {loaded()}")  # fmt: skip
    digest = hashlib.sha256(repr(sorted(sorted(g) for g in groups)).encode()).hexdigest()[:12]
    print(f"{len(groups)} networks (members digest {digest}), worst {plan.worst_score:.3f}, "
          f"harmonic mean {plan.harmonic_mean:.3f}, {len(plan.unmet)} unmet, detected "
          f"competitor pairs together {detected_together(index, groups)}")  # fmt: skip
    if profiler:
        order = os.environ.get("BENCH_SORT", "tottime")  # e.g. BENCH_SORT=cumulative
        pstats.Stats(profiler).sort_stats(order).print_stats(profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--store", type=Path, help="an existing store instead of the synthetic")
    parser.add_argument("--fresh", action="store_true",
                        help="cache every vector here, measure in a fresh process")  # fmt: skip
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="print the proposal's N costliest functions (cProfile)")  # fmt: skip
    parser.add_argument("--no-settle", action="store_true",
                        help="leave the index in the garbage collector's sight")  # fmt: skip
    args = parser.parse_args()
    if args.store is not None:
        db = stores.connect(args.store, migrate=False)
    else:
        db = firm_store(synthetic_firms(args.size), f"synthetic-{args.size}")
    if not args.fresh:
        measure(db, args.profile, settle=not args.no_settle)
        return
    wall = time.perf_counter()
    ids = [row[0] for row in db.execute("SELECT id FROM companies WHERE consent")]
    matching.embed_stored(db, ids)
    print(f"vectors cached: {len(ids)} firms, {time.perf_counter() - wall:.1f} s, "
          f"this process loaded {loaded()}")  # fmt: skip
    path = db.execute("PRAGMA database_list").fetchone()[2]
    db.close()
    command = [sys.executable, __file__, "--store", path, "--profile", str(args.profile)]
    command += ["--no-settle"] if args.no_settle else []
    subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
