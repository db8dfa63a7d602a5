"""Speed and memory: the 2018 pipeline against the project, side by side in one run.

Usage (tf_keras is needed for the 2018 side only: pip install -r benchmarks/requirements.txt):
    python benchmarks/speed.py                          # everything, about 30 minutes
    python benchmarks/speed.py --only load classify     # some parts
    python benchmarks/speed.py --scale 5000 --epochs 5  # smaller and quicker
    python benchmarks/speed.py --only train --bn-momentum 0.99  # the project at Keras's momentum

Every measurement runs in its own process, so that peak resident memory (ru_maxrss) is
that measurement's alone. Both pipelines see the same files in the same order. The held-out
images are the 2018 script's own 20% (`splits.split(method="recipe")`: the files imutils
lists, sorted, shuffled with random.seed(42), train_test_split with random_state=42); both
pipelines train on exactly the other files. Held-out images with a byte-identical file
(same SHA-256) on the training side would be scored on what was trained on, so they are
dropped: neither trained on nor scored; how many is printed and recorded. Prints a table of
figures and ratios, and writes them as JSON.

1. load: cold on --dataset and on large JPEGs made from it (2000x1500, --large files),
   then warm (the project's cache; the recipe has none).
2. train: the same training side, same model, batch 32 and augmentation strengths; images/s
   of training steps (epochs after the first), wall time from process start to 0.90
   exact match (all labels right at p >= 0.5) on the held-out images scored, peak memory.
3. classify: one image, process start to answer; --classify images in one call (held-out
   images as inputs; nothing is scored), against
   as many calls of the recipe's classify script (timed on --recipe-calls, multiplied).
4. scale: --scale generated images (crops of the dataset's photos), one epoch.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from pyimagesearch import defaults, files

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PARTS = ("load", "train", "classify", "scale")
TARGETS = {  # figure: (minimum project advantage, "higher" or "lower" is better)
    "cold load, large JPEGs (s)": 2, "warm load (s)": 20, "training throughput (img/s)": 2,
    "time to target exact match (s)": 3, "peak memory, training (MB)": 5,
    "classify many (s)": 50}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default=os.path.join(ROOT, "..", "shared", "data", "fashion"))
    parser.add_argument("--only", nargs="+", choices=PARTS, default=PARTS)
    parser.add_argument("--epochs", type=int, default=30, help="most epochs to reach --target")
    parser.add_argument("--project-epochs", type=int,
                        help="the project's epochs, its cosine schedule's length (default: --epochs)")
    parser.add_argument("--bn-momentum", type=float,
                        help="the project's batch normalisation momentum (default: train.py's)")
    parser.add_argument("--target", type=float, default=0.90, help="held-out exact match")
    parser.add_argument("--large", type=int, default=300, help="large JPEGs to make")
    parser.add_argument("--classify", type=int, default=500, help="images to classify")
    parser.add_argument("--recipe-calls", type=int, default=20,
                        help="recipe classify processes actually timed")
    parser.add_argument("--scale", type=int, default=50000, help="images in the scale run")
    parser.add_argument("--json", default=os.path.join(ROOT, "output", "benchmark-speed.json"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ---- the parent: prepares data, runs children, prints the table ----------------------

def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return child(args.child)
    work = tempfile.mkdtemp(prefix="speed-")
    results = {"machine": machine(), "dataset": os.path.abspath(args.dataset)}
    try:
        from recipe_2018 import list_paths

        paths = list_paths(args.dataset)
        training, scored, dropped = held_out_split(paths)
        results["held_out"] = describe_split(training, scored, dropped)
        print(f"{len(paths)} images: the recipe holds out {len(scored) + len(dropped)}, "
              f"{len(dropped)} dropped for an identical file on the training side, "
              f"{len(scored)} scored; {len(training)} on the training side", flush=True)
        common = {"paths": paths, "training": training, "scored": scored,
                  "held_out": sorted(scored + dropped), "work": work, "epochs": args.epochs,
                  "project_epochs": args.project_epochs or args.epochs, "target": args.target,
                  "bn_momentum": args.bn_momentum}
        for part in args.only:
            print(f"== {part}", flush=True)
            results[part] = globals()[f"bench_{part}"](args, common)
            print(json.dumps(results[part], indent=1), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = summarise(results)
    print(table)
    results["table"] = table
    os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
    with files.atomic_write(args.json) as handle:
        handle.write(json.dumps(results, indent=1).encode("utf-8"))
    print(f"wrote {args.json}")
    return 0


def machine():
    import platform

    return {"cpus": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version()}


def held_out_split(paths):
    """(training side, held-out paths scored, held-out paths dropped), each sorted: the 2018
    script's held-out files, less those byte-identical to a file on the training side."""
    import numpy as np

    from pyimagesearch import dataset as data
    from pyimagesearch import splits

    # The recipe split reads only the paths; the targets merely count them.
    train_index, held_index = splits.split(np.zeros(len(paths)), None, 0.2, 42,
                                           method="recipe", paths=paths)
    training = sorted(paths[index] for index in train_index)
    trained_hashes = {data.file_digest(path) for path in training}
    held_out = sorted(paths[index] for index in held_index)
    copied = {path for path in held_out if data.file_digest(path) in trained_hashes}
    return training, [p for p in held_out if p not in copied], sorted(copied)


def describe_split(training, scored, dropped):
    """What the JSON records of the split: counts, and the files scored and dropped."""
    return {"training_side": len(training), "held_out": len(scored) + len(dropped),
            "dropped_duplicates": len(dropped), "scored": len(scored),
            "scored_files": scored, "dropped_files": dropped}


def run_child(kind, spec):
    """Run one measurement in a fresh process; its result dict plus wall seconds."""
    spec_path = os.path.join(spec["work"], f"{kind}-{time.time_ns()}.json")
    with open(spec_path, "w", encoding="utf-8") as handle:
        json.dump({**spec, "launched": time.time()}, handle)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", f"{kind}:{spec_path}"],
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return {**json.loads(lines[-1][7:]), "process_seconds": round(wall, 2)}


def bench_load(args, common):
    large = make_large_jpegs(common["paths"][:args.large], common["work"])
    out = {}
    for name, paths in (("dataset", common["paths"]), ("large", large)):
        cache = tempfile.mkdtemp(dir=common["work"])
        spec = {**common, "paths": paths, "cache": cache}
        out[name] = {"recipe": run_child("load_recipe", spec),
                     "project_cold": run_child("load_project", spec),
                     "project_warm": run_child("load_project", spec)}
    return out


def make_large_jpegs(paths, work):
    """Upscaled copies, 2000x1500, in label folders: what a phone camera gives."""
    import cv2

    from pyimagesearch.images import load_image

    made = []
    for number, path in enumerate(paths):
        folder = os.path.join(work, "large", os.path.basename(os.path.dirname(path)))
        os.makedirs(folder, exist_ok=True)
        try:
            image = load_image(path, (2000, 1500))
        except Exception:  # noqa: BLE001 - a photo the project cannot read is left out
            continue
        target = os.path.join(folder, f"{number:05d}.jpg")
        cv2.imwrite(target, cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
        made.append(target)
    return made


def bench_train(args, common):
    cache = tempfile.mkdtemp(dir=common["work"])
    spec = {**common, "cache": cache}
    return {"recipe": run_child("train_recipe", spec), "project": run_child("train_project", spec)}


def bench_classify(args, common):
    import numpy as np

    models = common["work"]
    if not os.path.exists(os.path.join(models, "recipe.h5")):
        bench_train(args, {**common, "epochs": 1, "project_epochs": 1, "target": 2.0})
    images = common["held_out"][:args.classify]
    images += common["paths"][:max(0, args.classify - len(images))]
    drawn = os.path.join(common["work"], "drawn")
    project = [sys.executable, os.path.join(ROOT, "classify.py"), "--model",
               os.path.join(models, "project.keras"), "--labelbin",
               os.path.join(models, "project.pickle"), "--annotated", drawn, "--image"]
    recipe = [sys.executable, os.path.join(ROOT, "benchmarks", "recipe_2018.py"), "classify",
              "--model", os.path.join(models, "recipe.h5"), "--labelbin",
              os.path.join(models, "recipe.pickle"), "--image"]
    one_project = timed(project + [images[0]])
    many_project = timed(project + images)
    calls = [timed(recipe + [path]) for path in images[:args.recipe_calls]]
    per_call = float(np.mean(calls))
    return {"images": len(images), "recipe_one_s": calls[0], "project_one_s": one_project,
            "recipe_calls_timed": len(calls), "recipe_per_call_s": per_call,
            "recipe_many_s": per_call * len(images), "project_many_s": many_project}


def timed(command):
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command[1]} failed:\n{done.stderr[-2000:]}")
    return round(time.perf_counter() - started, 3)


def bench_scale(args, common):
    folder = make_generated(common["paths"], args.scale, common["work"])
    cache = tempfile.mkdtemp(dir=common["work"])
    spec = {**common, "folder": folder, "cache": cache}
    result = run_child("scale_project", spec)
    result["recipe_float64_array_mb"] = round(args.scale * 96 * 96 * 3 * 8 / 2**20)
    return result


def make_generated(paths, count, work):
    """`count` JPEGs, 128x128 random crops and flips of the dataset's photos."""
    import concurrent.futures

    import cv2
    import numpy as np

    from pyimagesearch.images import load_image

    sources = []
    for path in paths:
        try:
            sources.append((os.path.basename(os.path.dirname(path)), load_image(path, (160, 160))))
        except Exception:  # noqa: BLE001 - unreadable sources are simply not used
            continue
    root = os.path.join(work, "generated")

    def make(number):
        rng = np.random.default_rng(number)
        label, image = sources[number % len(sources)]
        side = int(rng.integers(100, 161))
        top, left = rng.integers(0, 161 - side, size=2)
        crop = cv2.resize(image[top:top + side, left:left + side], (128, 128))
        crop = crop[:, ::-1] if rng.random() < 0.5 else crop
        target = os.path.join(root, label, f"{number:06d}.jpg")
        cv2.imwrite(target, cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2BGR))

    for label in {label for label, _ in sources}:
        os.makedirs(os.path.join(root, label), exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(make, range(count)))
    return root


def summarise(results):
    """A table: figure, recipe, project, project's advantage, target."""
    rows = []
    if "load" in results:
        for name, load in results["load"].items():
            what = "dataset" if name == "dataset" else "large JPEGs"
            rows.append((f"cold load, {what} (s)", load["recipe"]["seconds"],
                         load["project_cold"]["seconds"]))
            if name == "dataset":
                rows.append(("warm load (s)", load["recipe"]["seconds"],
                             load["project_warm"]["seconds"]))
    if "train" in results:
        recipe, project = results["train"]["recipe"], results["train"]["project"]
        rows += [("training throughput (img/s)", recipe["images_per_second"],
                  project["images_per_second"]),
                 ("time to target exact match (s)", recipe["seconds_to_target"],
                  project["seconds_to_target"]),
                 ("peak memory, training (MB)", recipe["peak_mb"], project["peak_mb"])]
    if "classify" in results:
        c = results["classify"]
        rows += [("classify one (s)", c["recipe_one_s"], c["project_one_s"]),
                 ("classify many (s)", c["recipe_many_s"], c["project_many_s"])]
    lines = [f"{'figure':<34}{'2018':>10}{'project':>10}{'advantage':>11}{'target':>8}  met"]
    for name, old, new in rows:
        higher = "img/s" in name
        advantage = (new / old if higher else old / new) if old and new else None
        target = TARGETS.get(name)
        met = "" if target is None or advantage is None else ("yes" if advantage >= target else "NO")
        lines.append(f"{name:<34}{fmt(old):>10}{fmt(new):>10}"
                     f"{(f'{advantage:.1f}x' if advantage else '-'):>11}"
                     f"{(f'{target}x' if target else ''):>8}  {met}")
    if "held_out" in results:
        split = results["held_out"]
        lines.append(f"held out: the recipe's {split['held_out']}, {split['dropped_duplicates']} "
                     f"dropped for an identical file on the training side, {split['scored']} "
                     f"scored; {split['training_side']} trained on")
    if "scale" in results:
        s = results["scale"]
        lines.append(f"scale: {s['images']} images, one epoch in {s['epoch_seconds']:.0f} s, "
                     f"peak {s['peak_mb']} MB (target 2048 MB; the 2018 float64 array alone "
                     f"would be {s['recipe_float64_array_mb']} MB)")
    return "\n".join(lines)


def fmt(value):
    return "never" if value is None else f"{value:.3g}" if value < 100 else f"{value:.0f}"


# ---- children: one measurement each, printing "RESULT {json}" --------------------------

def child(argument):
    kind, spec_path = argument.split(":", 1)
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    result = globals()[f"child_{kind}"](spec)
    result["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print("RESULT " + json.dumps(result), flush=True)
    return 0


def child_load_recipe(spec):
    from recipe_2018 import load

    started = time.perf_counter()
    images, _, kept, skipped = load(spec["paths"])
    return {"seconds": round(time.perf_counter() - started, 2), "images": len(kept),
            "skipped": skipped, "array_mb": round(images.nbytes / 2**20)}


def child_load_project(spec):
    dataset, seconds = project_load(spec, spec["paths"])
    return {"seconds": round(seconds, 2), "images": len(dataset.paths),
            "skipped": len(dataset.skipped), "decoded": dataset.decoded,
            "array_mb": round(dataset.images.nbytes / 2**20)}


def project_load(spec, paths_or_folder):
    from pyimagesearch import dataset as data
    from pyimagesearch import labels

    if isinstance(paths_or_folder, str):
        source, origin = paths_or_folder, None
    else:
        source = [(path, labels.from_folder_name(os.path.basename(os.path.dirname(path))))
                  for path in paths_or_folder]
        origin = os.path.commonpath(paths_or_folder)
    started = time.perf_counter()
    dataset = data.load_dataset(source, (96, 96), progress=False, cache_dir=spec["cache"],
                                origin=origin)
    return dataset, time.perf_counter() - started


def child_train_recipe(spec):
    import pickle

    import numpy as np
    import tf_keras
    from sklearn.preprocessing import MultiLabelBinarizer

    import recipe_2018

    images, labels, kept, skipped = recipe_2018.load(spec["training"] + spec["scored"])
    binarizer = MultiLabelBinarizer()
    targets = binarizer.fit_transform(labels)
    train, held = np.isin(kept, spec["training"]), np.isin(kept, spec["scored"])
    model = recipe_2018.build(96, 96, 3, len(binarizer.classes_))
    flow = recipe_2018.compile_and_flow(model, images[train], targets[train], spec["epochs"])
    progress = make_progress(tf_keras.callbacks.Callback, images[held], targets[held], spec)
    model.fit(flow, steps_per_epoch=int(train.sum()) // 32, epochs=spec["epochs"],
              callbacks=[progress], verbose=0)
    model.save(os.path.join(spec["work"], "recipe.h5"))
    with open(os.path.join(spec["work"], "recipe.pickle"), "wb") as handle:
        pickle.dump(binarizer, handle)
    return {**progress.summary(), "train_images": int(train.sum()),
            "scored_images": int(held.sum()), "skipped": skipped}


def child_train_project(spec):
    import keras
    import numpy as np

    from pyimagesearch import artifacts, augment, descriptions, models, training
    from pyimagesearch import labels

    dataset, _ = project_load(spec, spec["training"] + spec["scored"])
    binarizer, targets = labels.binarize(dataset.labels)
    train_index = np.flatnonzero(np.isin(dataset.paths, spec["training"]))
    held_index = np.flatnonzero(np.isin(dataset.paths, spec["scored"]))
    epochs = spec.get("project_epochs") or spec["epochs"]
    keras.utils.set_random_seed(42)
    model = models.build_model((96, 96), targets.shape[1], policy=models.choose_precision(),
                               bn_momentum=defaults.BN_MOMENTUM if spec.get("bn_momentum") is None
                               else spec["bn_momentum"])
    models.compile_model(model, 1e-3, epochs, "cosine",
                         training.steps_per_epoch(len(train_index), 32))
    batches = training.make_batches(dataset.images, targets, 32, augment.Augmentation(), 42,
                                    train_index)
    progress = make_progress(keras.callbacks.Callback, dataset.images[held_index],
                             targets[held_index], spec)
    model.fit(batches, epochs=epochs, callbacks=[progress], verbose=0)
    artifacts.save_artifacts(model, binarizer, os.path.join(spec["work"], "project.keras"),
                             os.path.join(spec["work"], "project.pickle"),
                             descriptions.Description())
    return {**progress.summary(), "train_images": len(train_index),
            "scored_images": len(held_index), "skipped": len(dataset.skipped),
            "precision": models.choose_precision()}


def make_progress(base, held_images, held_targets, spec):
    """A callback that times training steps and scores the held-out images each epoch,
    leaving the scoring time out of the clock; stops once the target is reached."""
    import numpy as np

    class Progress(base):
        def __init__(self):
            super().__init__()
            self.epochs, self.excluded, self.steps = [], 0.0, 0

        def on_epoch_begin(self, epoch, logs=None):
            self.begin, self.steps = time.time(), 0

        def on_train_batch_end(self, batch, logs=None):
            self.last, self.steps = time.time(), self.steps + 1

        def on_epoch_end(self, epoch, logs=None):
            scoring = time.time()
            probabilities = self.model.predict(held_images, batch_size=64, verbose=0)
            right = ((probabilities >= 0.5) == held_targets.astype(bool)).all(axis=1)
            top2 = np.argsort(probabilities, axis=1)[:, -2:]
            top2_right = (np.take_along_axis(held_targets, top2, 1).sum(1) == 2) & \
                (held_targets.sum(1) == 2)
            self.excluded += time.time() - scoring
            self.epochs.append({
                "epoch": epoch + 1, "since_start_s": round(time.time() - spec["launched"]
                                                           - self.excluded, 2),
                "train_s": round(self.last - self.begin, 2), "steps": self.steps,
                "exact_match": round(float(right.mean()), 4),
                "exact_match_top2": round(float(top2_right.mean()), 4)})
            print(json.dumps(self.epochs[-1]), file=sys.stderr, flush=True)
            if right.mean() >= spec["target"] and epoch + 1 >= 3:
                self.model.stop_training = True

        def summary(self):
            # Whole epochs after the first (which traces the model), scoring left out:
            # a pipeline's work between its last step and the next epoch counts too.
            steady = self.epochs[1:] or self.epochs
            seconds = steady[-1]["since_start_s"] - (self.epochs[0]["since_start_s"]
                                                     if len(self.epochs) > 1 else 0)
            images = sum(e["steps"] * 32 for e in steady)
            steps_only = images / sum(e["train_s"] for e in steady)
            reached = [e for e in self.epochs if e["exact_match"] >= spec["target"]]
            return {"images_per_second": round(images / seconds, 1),
                    "images_per_second_steps_only": round(steps_only, 1), "epochs": self.epochs,
                    "seconds_to_target": reached[0]["since_start_s"] if reached else None,
                    "best_exact_match": max(e["exact_match"] for e in self.epochs)}

    return Progress()


def child_scale_project(spec):
    import keras
    import numpy as np

    from pyimagesearch import augment, models, training
    from pyimagesearch import labels

    dataset, load_seconds = project_load(spec, spec["folder"])
    load_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    binarizer, targets = labels.binarize(dataset.labels)
    keras.utils.set_random_seed(42)
    model = models.build_model((96, 96), targets.shape[1], policy=models.choose_precision())
    models.compile_model(model, 1e-3, 1, "cosine", len(targets) // 32)
    batches = training.make_batches(dataset.images, targets, 32, augment.Augmentation(), 42,
                                    np.arange(len(targets)))
    started = time.perf_counter()
    model.fit(batches, epochs=1, verbose=0)
    return {"images": len(dataset.paths), "load_seconds": round(load_seconds, 1),
            "load_peak_mb": round(load_peak), "epoch_seconds": round(time.perf_counter() - started, 1),
            "images_mb": round(dataset.images.nbytes / 2**20)}


if __name__ == "__main__":
    sys.exit(main())
