"""Start-up: process start to answer, and peak memory, of classifying with each backend.

Usage (tf_keras is needed for the 2018 side: pip install -r benchmarks/requirements.txt):
    python benchmarks/startup.py                     # about 2 minutes with 2 cores
    python benchmarks/startup.py --repeats 3 --json startup.json
    python benchmarks/startup.py --dataset photos/ --keep-work

Side by side in one run, each measurement its own process, timed from its start to its
exit, with that process's own peak resident memory (ru_maxrss from os.wait4):
  2018 script     benchmarks/recipe_2018.py classify, one image
  project keras   classify.py --no-annotate --backend keras
  project litert  classify.py --no-annotate --backend litert
  project onnx    classify.py --no-annotate --backend onnx (skipped, with a note, where
                  onnxruntime or tf2onnx is missing: pip install -r requirements-onnx.txt)
One image (the first of --dataset, sorted) --repeats times, rounds taking each row in
turn, so that a busy machine slows every row alike: the median time and the largest peak.
Then --many images (the first, sorted) in one call per project backend, --repeats-many
times. Only time and memory are measured, so the weights need not be any good: the 2018
side is the recipe's network built and compiled with recipe_2018's own functions and saved
untrained (.h5, with a MultiLabelBinarizer of --dataset's folder names); the project's is
train.py's default network after one epoch on the bundled dataset/ (96x96), with the LiteRT
file training writes and the ONNX file export.py adds. All of it lives in a temporary work
folder, removed at the end unless --keep-work. Prints a table, the three targets met or
missed, and writes every timing, command and the machine as JSON (--json, by default
output/benchmark-startup.json).
"""

import argparse
import importlib.util
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ROWS = {"recipe": "2018 script", "keras": "project keras", "litert": "project litert",
        "onnx": "project onnx"}
BACKENDS = ("keras", "litert", "onnx")  # the project's rows
ONNX_PACKAGES = ("onnx", "onnxruntime", "tf2onnx")  # requirements-onnx.txt
TARGETS = {  # name: (figure in the summary, "at least" or "at most", bound)
    "one image >= 10x faster than the 2018 script (litert)": ("litert_speedup", "at least", 10),
    "peak RSS <= 1/5 of the 2018 script's (litert)": ("litert_rss_ratio", "at most", 0.2),
    "{many} images on LiteRT >= 1.5x faster than on Keras": ("many_speedup", "at least", 1.5),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--dataset", default=os.path.join(ROOT, "..", "shared", "data", "fashion"),
        help="folder of label folders whose images are classified")
    add("--repeats", type=int, default=5, help="runs of each one-image measurement")
    add("--many", type=int, default=500, help="images in the many-image call")
    add("--repeats-many", type=int, default=1, help="runs of each many-image measurement")
    add("--timeout", type=int, default=1800, help="seconds any one process may run")
    add("--json", default=os.path.join(ROOT, "output", "benchmark-startup.json"))
    add("--keep-work", action="store_true", help="keep the work folder and print its path")
    add("--train-flags", default="", help="further train.py flags for the project's model, "
        "e.g. \"--backbone mobilenetv3small\" (its 128 px default)")
    add("--make-recipe-model", metavar="FOLDER", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.make_recipe_model:
        return make_recipe_model(args.make_recipe_model, args.dataset)
    from pyimagesearch import artifacts
    from pyimagesearch.images import list_images

    images = list_images(os.path.abspath(args.dataset))[:args.many]
    if not images:
        raise SystemExit(f"no images in {args.dataset}")
    backends = [name for name in BACKENDS if name != "onnx" or onnx_available()]
    work = tempfile.mkdtemp(prefix="startup-")
    results = {"machine": machine(), "dataset": os.path.abspath(args.dataset),
               "images": {"one": images[0], "many": images}, "settings": vars(args)}
    try:
        results["preparation"] = prepare(args, work, "onnx" in backends)
        commands = classify_commands(work, images, backends)
        results["commands"] = commands
        results["timings"] = measure_all(commands, args)
    finally:
        if args.keep_work:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    results["summary"] = summarise(results["timings"])
    results["targets"] = check_targets(results["summary"], len(images))
    results["table"] = format_table(results["summary"], results["targets"], len(images))
    print(results["table"])
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    artifacts.write_json(args.json, results)
    print(f"wrote {args.json}")
    return 0


def onnx_available():
    missing = [name for name in ONNX_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        print(f"note: project onnx skipped: {', '.join(missing)} not installed "
              "(pip install -r requirements-onnx.txt)", flush=True)
    return not missing


def machine():
    import platform

    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "load_average": os.getloadavg()}


# ---- preparation: the models the measurements load --------------------------------------

def prepare(args, work, onnx):
    """Make the 2018 model, train and export the project's; each step's command and time."""
    project = os.path.join(work, "project")
    steps = {
        "recipe_model": [sys.executable, os.path.abspath(__file__), "--make-recipe-model", work,
                         "--dataset", os.path.abspath(args.dataset)],
        # The decoded-image cache goes in the work folder too, so that nothing is left behind.
        "project_train": [sys.executable, os.path.join(ROOT, "train.py"), "--dataset",
                          os.path.join(ROOT, "dataset"), "--epochs", "1", "--output", project,
                          "-q", "--cache-dir", os.path.join(work, "cache"),
                          *shlex.split(args.train_flags)],
    }
    if onnx:
        steps["project_export"] = [sys.executable, os.path.join(ROOT, "export.py"), "--model",
                                   os.path.join(project, "fashion.keras"), "--format", "onnx"]
    done = {}
    for name, command in steps.items():
        print(f"== {name}", flush=True)
        done[name] = {"command": command, **measure(command, args.timeout)}
    return done


def make_recipe_model(folder, dataset):
    """The recipe's network, built and compiled by recipe_2018, saved untrained as the 2018
    script saved it (.h5 through tf_keras), with a binarizer of the dataset's folder names."""
    import pickle

    import numpy as np
    from sklearn.preprocessing import MultiLabelBinarizer

    import recipe_2018
    from pyimagesearch.images import list_images

    folders = sorted({os.path.basename(os.path.dirname(path)) for path in list_images(dataset)})
    binarizer = MultiLabelBinarizer()
    binarizer.fit([name.split("_") for name in folders])
    classes = len(binarizer.classes_)
    model = recipe_2018.build(96, 96, 3, classes)
    recipe_2018.compile_and_flow(model, np.zeros((1, 96, 96, 3)), np.zeros((1, classes)), 1)
    model.save(os.path.join(folder, "recipe.h5"))
    with open(os.path.join(folder, "recipe.pickle"), "wb") as handle:
        pickle.dump(binarizer, handle)
    return 0


def classify_commands(work, images, backends):
    """{row: {"one": command, "many": command}}; the 2018 script has no many-image call."""
    recipe = [sys.executable, os.path.join(ROOT, "benchmarks", "recipe_2018.py"), "classify",
              "--model", os.path.join(work, "recipe.h5"),
              "--labelbin", os.path.join(work, "recipe.pickle"), "--image"]
    project = [sys.executable, os.path.join(ROOT, "classify.py"),
               "--model", os.path.join(work, "project", "fashion.keras"),
               "--labelbin", os.path.join(work, "project", "mlb.pickle"), "--no-annotate"]
    commands = {"recipe": {"one": recipe + [images[0]]}}
    for backend in backends:
        flags = project + ["--backend", backend, "--image"]
        commands[backend] = {"one": flags + [images[0]], "many": flags + images}
    return commands


# ---- measurement -----------------------------------------------------------------------

def measure_all(commands, args):
    """{row: {"one": [runs], "many": [runs]}}, one-image rounds first, each row in turn."""
    timings = {row: {"one": [], "many": []} for row in commands}
    rounds = [("one", args.repeats, (0,)), ("many", args.repeats_many, (0, 1))]
    for kind, repeats, accepted in rounds:
        for repeat in range(repeats):
            for row, row_commands in commands.items():
                if kind not in row_commands:
                    continue
                run = measure(row_commands[kind], args.timeout, accepted)
                timings[row][kind].append(run)
                print(f"{ROWS[row]:<15} {kind:<4} run {repeat + 1}: {run['seconds']:7.2f} s, "
                      f"peak {run['peak_kb'] / 1024:5.0f} MB", flush=True)
    return timings


def measure(command, timeout, accepted=(0,)):
    """Run `command` from the repository root: its wall seconds from start to exit, its own
    peak resident memory (KB) and exit code. A run that fails (an exit code not in
    `accepted`) or outlives `timeout` stops the benchmark with the end of its stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        # Output goes to files, not pipes: 500 images' lines would fill a pipe and stall.
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT)
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if process.returncode not in accepted:
            err.seek(0)
            tail = err.read()[-3000:].decode("utf-8", "replace")
            why = f"killed after {timeout} s" if seconds >= timeout else \
                f"exit code {process.returncode}"
            raise SystemExit(f"{' '.join(command[1:3])} failed ({why}):\n{tail}")
    return {"seconds": round(seconds, 3), "peak_kb": usage.ru_maxrss,
            "returncode": process.returncode}


# ---- summary: pure functions of the timings --------------------------------------------

def summarise(timings):
    """Per row: median one-image seconds, largest peak RSS (MB) of those runs, their ratios
    to the 2018 script's (time: 2018/row, a speed-up; RSS: row/2018, a fraction) and the
    median many-image seconds and largest peak (None where not measured)."""
    summary = {}
    for row, runs in timings.items():
        one, many = runs.get("one") or [], runs.get("many") or []
        summary[row] = {
            "one_s": statistics.median(run["seconds"] for run in one) if one else None,
            "peak_mb": max(run["peak_kb"] for run in one) / 1024 if one else None,
            "many_s": statistics.median(run["seconds"] for run in many) if many else None,
            "many_peak_mb": max(run["peak_kb"] for run in many) / 1024 if many else None}
    recipe = summary.get("recipe", {})
    for figures in summary.values():
        figures["time_ratio"] = ratio(recipe.get("one_s"), figures["one_s"])
        figures["rss_ratio"] = ratio(figures["peak_mb"], recipe.get("peak_mb"))
    return summary


def ratio(numerator, denominator):
    return numerator / denominator if numerator and denominator else None


def check_targets(summary, many):
    """[{target, value, bound, met}] for TARGETS, `many` images in the many-image call;
    value and met are None where a row is missing."""
    litert, keras = summary.get("litert", {}), summary.get("keras", {})
    figures = {"litert_speedup": litert.get("time_ratio"),
               "litert_rss_ratio": litert.get("rss_ratio"),
               "many_speedup": ratio(keras.get("many_s"), litert.get("many_s"))}
    checks = []
    for target, (figure, direction, bound) in TARGETS.items():
        value = figures[figure]
        if value is None:
            met = None
        else:
            met = value >= bound if direction == "at least" else value <= bound
        checks.append({"target": target.format(many=many), "value": value,
                       "direction": direction, "bound": bound, "met": met})
    return checks


def format_table(summary, checks, many):
    """The table of figures, one row per measured row, then the targets met or missed."""
    header = (f"{'':<16}{'one image (s)':>14}{'peak RSS (MB)':>15}{'time vs 2018':>14}"
              f"{'RSS vs 2018':>13}{f'{many} images (s)':>17}")
    lines = [header]
    for row, label in ROWS.items():
        if row not in summary:
            lines.append(f"{label:<16}{'skipped':>14}")
            continue
        figures = summary[row]
        lines.append(f"{label:<16}{show(figures['one_s'], '.2f'):>14}"
                     f"{show(figures['peak_mb'], '.0f'):>15}"
                     f"{show(figures['time_ratio'], '.1f', 'x'):>14}"
                     f"{show(figures['rss_ratio'], '.3f'):>13}"
                     f"{show(figures['many_s'], '.2f'):>17}")
    for check in checks:
        verdict = {True: "met", False: "missed", None: "not measured"}[check["met"]]
        lines.append(f"{check['target']}: {show(check['value'], '.3g')} -> {verdict}")
    return "\n".join(lines)


def show(value, spec, suffix=""):
    return "-" if value is None else f"{value:{spec}}{suffix}"


if __name__ == "__main__":
    sys.exit(main())
