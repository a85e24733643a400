"""Networks over a large synthetic store (issue 12's 10,000-firm target): the index built in
the process, then one whole-pool proposal (`networks.plan`, seed 0), timed in wall and CPU
seconds (`time.process_time`), with the process's resident set before and its peak after
(`/proc/self/status`), the load average, and the networks' quality: count, worst and
harmonic-mean fit, unmet firms and detected competitor pairs together (every pair of every
network judged). No tracemalloc, so the times are the service's own.

Run: .venv/bin/python bench/network_scale.py [--size 10000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proposals import detected_together, firm_store, synthetic_firms  # noqa: E402

from matchmaker import matching  # noqa: E402
from matchmaker.grouping import networks  # noqa: E402


def memory() -> dict[str, int]:
    """The process's resident set now and at its peak, in MB."""
    found = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS", "VmHWM")):
                key, value = line.split(":")
                found[key] = int(value.split()[0]) // 1024
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args()
    db = firm_store(synthetic_firms(args.size), f"synthetic-{args.size}")
    wall, cpu = time.perf_counter(), time.process_time()
    index = matching.match_index(db)
    print(f"index build: wall {time.perf_counter() - wall:.1f} s, "
          f"CPU {time.process_time() - cpu:.1f} s, memory {memory()} MB")  # fmt: skip
    load = os.getloadavg()
    wall, cpu = time.perf_counter(), time.process_time()
    plan = networks.plan(db, networks.parse_request({"seed": 0}), max_per_firm=10**6)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    groups = [[m["id"] for m in net["members"]] for net in plan.networks]
    print(f"proposal: wall {wall:.1f} s, CPU {cpu:.1f} s, memory {memory()} MB, "
          f"load {load[0]:.2f} → {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"{len(groups)} networks, worst {plan.worst_score:.3f}, harmonic mean "
          f"{plan.harmonic_mean:.3f}, {len(plan.unmet)} unmet, detected competitor pairs "
          f"together {detected_together(index, groups)}")  # fmt: skip


if __name__ == "__main__":
    main()
