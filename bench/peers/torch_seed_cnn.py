"""PyTorch training the seed MNIST CNN: the peer Kiln's training bench compares itself with.

Same model as bench/lib/seed-cnn.ts (130,890 parameters, Glorot-uniform kernels, zero biases), Adam
at 0.001, the same real digits in the same order (no shuffling), batches sliced as bench/lib/batches.ts
slices them. Run it under /usr/bin/python3 (Debian's python3-torch); the `python3` on PATH may be
another interpreter without torch.

Two modes:
  one-shot (default): trains --warm-up untimed batches, then --batches timed ones, and prints one JSON
    object with samples/s and the kernels used; for measuring the peer by hand.
  --serve: the bench's mode. Prints {"ready": ...} and then answers one JSON request per stdin line,
    so the bench can take turns between this process and Kiln's steps (load from the machine's other
    tenants then hits both alike):
      {"start": s, "size": n}  -> trains rows [s, s+n) as one batch; {"ms": wall-clock ms of it}
      {"describe": true}       -> {"kernels": ...}: profiles one more (untimed) batch
"""

import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MNIST = os.path.join(HERE, "..", "..", "..", "shared", "datasets", "mnist")


def read_idx_gz(path, expected_magic):
    """An unsigned-byte IDX array (as bench/lib/idx.ts reads it), magic number checked."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    (magic,) = struct.unpack(">I", data[:4])
    if magic != expected_magic:
        raise ValueError(f"{path}: IDX magic {magic}, expected {expected_magic}")
    rank = magic & 0xFF
    dims = struct.unpack(f">{rank}I", data[4 : 4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank, count=int(np.prod(dims))).reshape(dims)


def load_mnist(directory, count):
    """The first `count` t10k digits scaled to [0, 1], NCHW (PyTorch's layout), with class labels."""
    images = read_idx_gz(os.path.join(directory, "t10k-images-idx3-ubyte.gz"), 2051)[:count]
    labels = read_idx_gz(os.path.join(directory, "t10k-labels-idx1-ubyte.gz"), 2049)[:count]
    x = (images.astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    return torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))


def seed_cnn():
    """bench/lib/seed-cnn.ts in PyTorch: 'valid' 3x3 convolutions, 2x2 pools, softmax folded into the loss."""
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(64 * 3 * 3, 128),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(128, 10),
    )
    # Keras's defaults, so both sides start from the same kind of weights.
    for layer in model:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return model


class Trainer:
    def __init__(self, x, y):
        self.x, self.y = x, y
        self.model = seed_cnn().train()
        # tf.train.adam's epsilon is 1e-7 (PyTorch's default is 1e-8).
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=0.001, eps=1e-7)
        # Cross-entropy on logits = Keras's softmax + categorical cross-entropy on one-hot labels.
        self.loss = nn.CrossEntropyLoss()

    def batch(self, start, size):
        """Trains rows [start, start+size) and returns the wall-clock ms, slicing the batch included."""
        started = time.perf_counter()
        end = min(start + size, len(self.y))
        self.optimizer.zero_grad(set_to_none=True)
        self.loss(self.model(self.x[start:end]), self.y[start:end]).backward()
        self.optimizer.step()
        return (time.perf_counter() - started) * 1000


def blas_library():
    """The BLAS shared object actually mapped (dense layers run on it): Debian's alternatives decide which."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    return sorted(os.path.realpath(p) for p in paths)


def kernels(trainer, batch_size):
    """What ran: the convolution and matmul ops of one profiled batch, oneDNN, BLAS and thread settings."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        trainer.batch(0, batch_size)
    ops = sorted({e.name for e in prof.events() if e.name.startswith("aten::") and ("conv" in e.name or "mm" in e.name)})
    capability = [line.strip() for line in torch.__config__.show().splitlines() if "CPU capability" in line]
    return {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "mkldnn_available": torch.backends.mkldnn.is_available(),
        "mkldnn_enabled": torch.backends.mkldnn.enabled,
        "ops": ops,
        "blas": blas_library(),
        "cpu_capability": capability[0].split(":", 1)[1].strip() if capability else None,
        "parallel": torch.__config__.parallel_info().splitlines()[-1].strip(),
    }


def serve(trainer, batch_size):
    print(json.dumps({"ready": True, "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("describe"):
            reply = {"kernels": kernels(trainer, batch_size)}
        else:
            reply = {"ms": trainer.batch(request["start"], request["size"])}
        print(json.dumps(reply), flush=True)


def one_shot(trainer, args):
    count = len(trainer.y)
    # Batch after batch through the samples, round again if --batches asks for more than a pass.
    starts = [(i * args.batch) % count for i in range(args.warm_up + args.batches)]
    warm_up_ms = sum(trainer.batch(s, args.batch) for s in starts[: args.warm_up])
    timed = starts[args.warm_up :]
    ms = [trainer.batch(s, args.batch) for s in timed]
    rows = sum(min(args.batch, count - s) for s in timed)
    print(
        json.dumps(
            {
                "samples_per_s_median_batch": args.batch / (sorted(ms)[len(ms) // 2] / 1000),
                "samples_per_s_wall": rows / (sum(ms) / 1000),
                "warm_up_ms": warm_up_ms,
                "batch": args.batch,
                "batches": args.batches,
                "kernels": kernels(trainer, args.batch),
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--samples", type=int, default=8000)
    parser.add_argument("--warm-up", type=int, default=5)
    parser.add_argument("--batches", type=int, default=63)
    parser.add_argument("--mnist", default=DEFAULT_MNIST)
    parser.add_argument("--serve", action="store_true")
    args = parser.parse_args()

    # Set before any work: intra-op threads are what the bench compares with Kiln's replicas; one
    # inter-op thread, since a sequential CNN has no independent ops to run side by side.
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(42)
    trainer = Trainer(*load_mnist(args.mnist, args.samples))
    if args.serve:
        serve(trainer, args.batch)
    else:
        one_shot(trainer, args)


if __name__ == "__main__":
    main()
