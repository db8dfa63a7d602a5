"""Training throughput of the network alone, by variant, on random images in memory.

Usage:
    python benchmarks/throughput.py                               # every variant, ~5 minutes
    python benchmarks/throughput.py --variants fused unfused --images 512

Trains the project's model (96x96, 6 labels, batch 32, `--precision auto`) for --epochs
epochs on --images random uint8 images through the project's own tf.data pipeline and
prints images per second over the epochs after the first (the first one traces and warms
up). Variants:
  fused            the project as it is (TensorFlow's fused batch normalisation kernel)
  unfused          Keras 3's own BatchNormalization instead
  no-augmentation  fused, without the random affine warp
  xla              fused, compiled with XLA (jit_compile=True)
The data decides nothing here: this isolates the arithmetic and the input pipeline.
"""

import argparse
import os
import sys
import time

VARIANTS = ("fused", "unfused", "no-augmentation", "xla")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--images", type=int, default=1024)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--image-size", type=int, default=96)
    return parser.parse_args(argv)


def measure(variant, images, targets, epochs):
    """Images per second of training over the epochs after the first."""
    import keras

    from pyimagesearch import augment, models, smallervggnet, training

    fused = smallervggnet.FusedBatchNormalization
    if variant == "unfused":
        smallervggnet.FusedBatchNormalization = keras.layers.BatchNormalization
    try:
        model = models.build_model(images.shape[1:3], targets.shape[1],
                                   policy=models.choose_precision("auto"))
    finally:
        smallervggnet.FusedBatchNormalization = fused
    models.compile_model(model, 1e-3, epochs, "cosine",
                         training.steps_per_epoch(len(images), 32))
    if variant == "xla":
        model.jit_compile = True
    augmentation = augment.Augmentation()
    if variant == "no-augmentation":  # same shuffled, whole batches; no warp
        augmentation = lambda batch, seed: batch  # noqa: E731
    batches = training.make_batches(images, targets, 32, augmentation, seed=0)
    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.started)

    model.fit(batches, epochs=epochs, verbose=0, shuffle=False, callbacks=[Timer()])
    trained = (len(images) // 32) * 32
    return trained * (epochs - 1) / sum(times[1:])


def main(argv=None):
    args = parse_args(argv)
    from pyimagesearch import cli

    cli.quiet_tensorflow()
    import numpy as np

    from pyimagesearch import models

    rng = np.random.default_rng(0)
    size = args.image_size
    images = rng.integers(0, 256, (args.images, size, size, 3), dtype=np.uint8)
    targets = rng.integers(0, 2, (args.images, 6)).astype("float32")
    print(f"{args.images} random {size}x{size} images, batch 32, {args.epochs} epochs "
          f"(first not timed), {models.choose_precision('auto')}, {os.cpu_count()} cores")
    for variant in args.variants:
        rate = measure(variant, images, targets, max(2, args.epochs))
        print(f"  {variant:<16} {rate:7.1f} images/s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
