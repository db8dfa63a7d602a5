"""Where training's fixed memory goes: resident size after each step of starting to train.

Usage:
    python benchmarks/memory_steps.py                 # 96x96, 6 labels, batch 32
    python benchmarks/memory_steps.py --image-size 64

Prints the process's resident size (VmRSS, MB) after Python starts, after importing
TensorFlow and Keras, after building the project's model, and after one training step and
one prediction on random uint8 images, with the process's peak (VmHWM). This is the floor
under any training run, whatever the dataset's size: it is why peak memory cannot fall to a
fifth of the 2018 pipeline's (see README, Speed and memory). Takes about 15 seconds.
"""

import argparse
import sys


def resident_mb(field="VmRSS"):
    """The process's resident size (or its peak, "VmHWM") in MB, from /proc."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image-size", type=int, default=96)
    parser.add_argument("--labels", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)
    steps = [("python started", resident_mb())]
    from pyimagesearch import cli

    cli.quiet_tensorflow()
    import keras
    import numpy as np

    from pyimagesearch import models

    steps.append(("TensorFlow and Keras imported", resident_mb()))
    size = (args.image_size, args.image_size)
    model = models.build_model(size, args.labels, policy=models.choose_precision("auto"))
    models.compile_model(model, 1e-3, 30, "cosine", 10)
    steps.append(("model built and compiled", resident_mb()))
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (args.batch_size, *size, 3), dtype=np.uint8)
    targets = rng.integers(0, 2, (args.batch_size, args.labels)).astype("float32")
    model.train_on_batch(images, targets)
    model.predict_on_batch(images)
    steps.append(("one training step and one prediction", resident_mb()))
    print(f"Keras {keras.__version__}, {models.choose_precision('auto')}, "
          f"{args.image_size}x{args.image_size}, batch {args.batch_size}")
    for name, megabytes in steps:
        print(f"  {name:<40} {megabytes:7.0f} MB")
    print(f"  {'peak resident size':<40} {resident_mb('VmHWM'):7.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
