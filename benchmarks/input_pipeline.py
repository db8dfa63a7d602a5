"""The input pipeline alone: augmentation in tf.data on the CPU against augmentation on the
device (augment.OnDevice), in images per second, no model.

Usage:
    python benchmarks/input_pipeline.py                    # dataset/, 96 px, about a minute
    python benchmarks/input_pipeline.py --dataset ../shared/data/fashion --batch-size 256
    python benchmarks/input_pipeline.py --no-recolouring   # the warp alone

The decoded uint8 images are in memory, as train.py holds them. Both paths shuffle and
gather batches and recolour them as train.py does by default for the dataset's label
groups (--recolour 0.5, --tint 0.5 for colour_item folders; that step changes labels, so it
stays in tf.data on either path); then
  cpu     training.make_batches warps them too, in tf.data's parallel map (today's path);
  device  make_batches does not warp; each batch goes through augment.OnDevice in training
          mode inside a tf.function on TensorFlow's default device: a GPU where TensorFlow
          sees one, else the CPU (said in the output and the JSON), where it competes with
          tf.data for the same cores.
The two run in turn, A B A B, --rounds times --epochs epochs each (the first epoch of each
turn, tracing and a new pipeline, is not counted), so that whatever else the machine does
slows both alike. Prints the median images/s of each and their ratio, and writes JSON.
"""

import argparse
import os
import statistics
import sys
import time

from pyimagesearch import artifacts, cli, defaults, groups, labels
from pyimagesearch import dataset as data

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PATHS = ("cpu", "device")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default=os.path.join(ROOT, "dataset"))
    parser.add_argument("--image-size", type=int, default=96)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=3,
                        help="epochs per turn, the first not timed")
    parser.add_argument("--rounds", type=int, default=2, help="turns of each path")
    parser.add_argument("--no-recolouring", action="store_true",
                        help="neither path recolours: the warp alone")
    parser.add_argument("--json",
                        default=os.path.join(ROOT, "output", "benchmark-input-pipeline.json"))
    return parser.parse_args(argv)


def benchmark(args):
    cli.quiet_tensorflow()
    import tensorflow as tf

    from pyimagesearch import augment, recolour

    size = (args.image_size, args.image_size)
    dataset = data.load_dataset(args.dataset, size, progress=False)
    binarizer, targets = labels.binarize(dataset.labels)
    names = [str(name) for name in binarizer.classes_]
    recolouring = recolour.for_groups(
        names, groups.resolve(defaults.GROUPS, names, dataset.paths, dataset.labels),
        defaults.RECOLOUR, defaults.TINT) if not args.no_recolouring else None
    warp = augment.OnDevice(seed=42)
    step = tf.function(lambda images: warp(images, training=True))
    rates = {path: [] for path in PATHS}
    for _ in range(args.rounds):
        rates["cpu"] += epochs_per_second(args, dataset.images, targets, recolouring, None)
        rates["device"] += epochs_per_second(args, dataset.images, targets, recolouring, step)
    device = step(dataset.images[:1]).device  # where the tf.function placed the warp
    return report(args, dataset, rates, device, recolouring is not None)


def epochs_per_second(args, images, targets, recolouring, step):
    """Images per second of each timed epoch: warped in tf.data when `step` is None, else
    gathered and recoloured in tf.data and warped by `step`."""
    from pyimagesearch import augment, training

    batches = training.make_batches(images, targets, args.batch_size, augment.Augmentation(),
                                    seed=42, recolouring=recolouring, warp=step is None)
    count, rates = training.images_per_epoch(len(images), args.batch_size), []
    for epoch in range(args.epochs):
        started = time.perf_counter()
        for batch, _ in batches:
            out = batch if step is None else step(batch)
        out.numpy()  # a device runs asynchronously: wait for its last batch
        if epoch:
            rates.append(count / (time.perf_counter() - started))
    return rates


def report(args, dataset, rates, device, recoloured):
    result = {path: {"images_per_second": [round(rate, 1) for rate in values],
                     "median_images_per_second": round(statistics.median(values), 1)}
              for path, values in rates.items()}
    result.update(
        ratio=result["device"]["median_images_per_second"]
        / result["cpu"]["median_images_per_second"],
        warped_on=device, dataset=os.path.abspath(args.dataset), images=len(dataset.paths),
        image_size=args.image_size, batch_size=args.batch_size, recolouring=recoloured,
        machine={"cpus": os.cpu_count()})
    print(f"{len(dataset.paths)} images from {args.dataset} at {args.image_size} px, batch "
          f"{args.batch_size}, recolouring {'on' if recoloured else 'off'}; "
          f"{args.rounds} turns of {args.epochs} epochs each (the first not timed), "
          f"{os.cpu_count()} cores")
    where = {"cpu": "(warp in tf.data)",
             "device": f"(warp by OnDevice on {device.split('device:')[-1]})"}
    for path in PATHS:
        rate = result[path]["median_images_per_second"]
        print(f"{path:<7} {where[path]:<32} {rate:9.1f} images/s")
    print(f"device / cpu: {result['ratio']:.2f}x")
    artifacts.write_json(args.json, result)
    print(f"saved {args.json}")
    return 0


def main(argv=None):
    return cli.run(benchmark, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
