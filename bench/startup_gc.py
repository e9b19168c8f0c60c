"""What the cyclic collector costs while the server is built: three start-up policies, each in fresh
interpreters, measured as CPU time and RSS once the full app (b) is built.

    python -m bench.startup_gc [--runs 7] [--python PATH]

- `collect`: the collector on during imports and build, then `gc.collect(); gc.freeze()` (what
  `workout_mcp.server` did before, and what the bare baseline (a) of `bench.run` does);
- `off+collect`: the collector off while building, then `gc.collect(); gc.freeze()`;
- `off` (shipped, `workout_mcp.server.building` / `serving`): off while building, then `gc.freeze()` only.

Prints medians of process CPU (imports of the SDK and the app, building the app) and RSS, and how many
objects were frozen (the start-up garbage a collect would have freed stays among them).
"""

from __future__ import annotations

import argparse
import statistics

from bench.run import probe_arguments, run_probe

POLICIES = ("collect", "off+collect", "off")

PROBE = """
import gc, json, sys, time, argparse
policy = sys.argv[1]
if policy != "collect":
    gc.disable()
from bench.servers import full_app
ns = argparse.Namespace(
    port=8000, ablate_auth=False, supabase_url="http://127.0.0.1:9", anon_key="x" * 40,
    client_id="6f1f8f0e-2b7c-4d5e-9a41-bench0000001", ablate_rate_limit=False, log_level="INFO",
    ablate_metrics=True, metrics_port=0, log_file="/dev/null", db=None, kind="full",
)
full_app(ns)
if policy != "off":
    gc.collect()
gc.freeze()
gc.enable()
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS")) / 1024
print(json.dumps({"cpu_ms": time.process_time() * 1000, "rss_mib": rss, "frozen": gc.get_freeze_count()}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    args = probe_arguments(parser, runs=7)
    results: dict[str, list[dict[str, float]]] = {p: [] for p in POLICIES}
    for _ in range(args.runs):
        for policy in POLICIES:  # interleaved, so a busy moment hits every policy alike
            results[policy].append(run_probe(args.python, PROBE, policy))
    print(f"| start-up policy | CPU ms (median of {args.runs}) | RSS MiB | objects frozen |")
    print("|---|---:|---:|---:|")
    for policy, runs in results.items():
        cpu = statistics.median(r["cpu_ms"] for r in runs)
        rss = statistics.median(r["rss_mib"] for r in runs)
        frozen = statistics.median(r["frozen"] for r in runs)
        print(f"| {policy} | {cpu:.0f} | {rss:.1f} | {frozen:.0f} |")


if __name__ == "__main__":
    main()
