# The same allreduce measurement as bench/distributed.ts, in PyTorch
# (torch.distributed, Gloo, 2 local processes, one thread each), for the
# ratio in the same run. Prints one JSON line: [{bytes, medianMs, algGBs, busGBs}].
#   /usr/bin/python3 bench/allreduce_reference.py <port>
import json
import os
import statistics
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def rank_main(rank, world, port, queue):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    out = []
    for nbytes in (4, 1 << 20, 64 << 20):
        t = torch.ones(nbytes // 4, dtype=torch.float32)
        reps = 10 if nbytes >= 64 << 20 else 200 if nbytes >= 1 << 20 else 2000
        for _ in range(min(reps, 20)):
            dist.all_reduce(t)
        times = []
        for _ in range(reps):
            dist.barrier()
            t0 = time.perf_counter()
            dist.all_reduce(t)
            times.append((time.perf_counter() - t0) * 1000)
        ms = sorted(times)[len(times) // 2]
        alg = nbytes / (ms / 1000) / 1e9
        out.append({"bytes": nbytes, "medianMs": ms, "algGBs": alg, "busGBs": alg * 2 * (world - 1) / world})
    if rank == 0:
        queue.put(out)
    dist.destroy_process_group()


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 29511
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=rank_main, args=(r, 2, port, q)) for r in range(2)]
    for p in procs:
        p.start()
    result = q.get()
    for p in procs:
        p.join()
    print(json.dumps(result))
