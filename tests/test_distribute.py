"""tf.distribute: the strategy chosen, MirroredStrategy over two devices trains as one device
does with the global batch, and two worker processes train one model that only the chief
writes."""

import csv
import io
import json
import os
import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import classify
from pyimagesearch import artifacts, distribute, runfiles
from pyimagesearch.errors import UserError
from tests.conftest import ROOT

TIMEOUT = 300  # seconds for a whole multi-process test; both processes are reaped after it


def cluster(ports, kind="worker", index=0, chief=False):
    addresses = [f"127.0.0.1:{port}" for port in ports]
    spec = {"chief": addresses[:1], "worker": addresses[1:]} if chief else {"worker": addresses}
    return {"cluster": spec, "task": {"type": kind, "index": index}}


@pytest.mark.parametrize("config, chief", [
    ({}, True),
    (cluster([1, 2], "worker", 0), True),
    (cluster([1, 2], "worker", 1), False),
    (cluster([1, 2, 3], "chief", 0, chief=True), True),
    (cluster([1, 2, 3], "worker", 0, chief=True), False),
])
def test_the_chief_is_the_chief_task_or_worker_0(config, chief):
    assert distribute.is_chief(config) is chief
    assert distribute.is_cluster(config) is bool(config)


def test_tf_config_errors_are_one_line(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(UserError, match="TF_CONFIG is not valid JSON"):
        distribute.tf_config()
    with pytest.raises(UserError, match="chief or a worker"):
        distribute.task(cluster([1, 2], "ps", 0))


def test_scaling_rule():
    assert distribute.scaled(32, 1e-3, 1) == (32, 1e-3)
    assert distribute.scaled(32, 1e-3, 4) == (128, 4e-3)


def test_worker_outputs_move_a_workers_files_aside(tmp_path, monkeypatch):
    import train

    args = train.parse_args(["--output", str(tmp_path / "out"), "--tensorboard", "tb"])
    monkeypatch.setenv("TF_CONFIG", json.dumps(cluster([1, 2], "worker", 1)))
    folder = tmp_path / "out" / "workertemp_1"
    with distribute.worker_outputs(args):
        assert args.model == str(folder / "fashion.keras")
        assert args.labelbin == str(folder / "mlb.pickle") and args.plot == str(folder / "plot.png")
        assert args.tensorboard == str(folder / "tensorboard")
        (folder / "fashion.keras").write_bytes(b"")
    assert not folder.exists()  # removed when the run completes
    with pytest.raises(RuntimeError), distribute.worker_outputs(args):
        raise RuntimeError("a failed run")
    assert folder.exists()  # kept: it holds what --resume continues from


MIRRORED = textwrap.dedent("""
    # Two logical CPU devices, set before TensorFlow starts, so MirroredStrategy has two
    # replicas. What a replica computes from its own share of the batch alone is removed, so
    # that both strategies compute the same function of the same global batches: dropout
    # (its masks are drawn per replica) and batch normalisation (its statistics are the
    # replica's share's, Keras's default). The global batch is the whole training split and
    # the augmentation is off: Keras's fit under a strategy draws one batch to build the
    # model and then restarts the input, so its shuffling and augmentation are the
    # pipeline's next draw, not the first one that the default strategy sees.
    import json, sys
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    from pyimagesearch import artifacts, custom_objects, training
    from pyimagesearch import dataset as data
    import train

    keras.layers.Dropout.call = lambda self, inputs, training=None: inputs
    custom_objects.FusedBatchNormalization.call = (
        lambda self, inputs, training=None, mask=None: inputs)
    dataset, output = sys.argv[1:3]
    common = ["--dataset", dataset, "--epochs", "3", "--image-size", "24", "--precision",
              "float32", "--groups", "none", "--export", "none", "--keep", "last", "--quiet",
              "--rotation", "0", "--shift", "0", "--shear", "0", "--zoom", "0", "--no-flip"]
    # Two replicas of 16: the global batch is 32 (the training split) and the rate 2 x 1e-3.
    runs = {"mirrored": ["--batch-size", "16", "--learning-rate", "1e-3"],
            "default": ["--batch-size", "32", "--learning-rate", "2e-3"]}
    images = data.load_dataset(dataset, (24, 24)).images
    results = {}
    for strategy, flags in runs.items():
        folder = f"{output}/{strategy}"
        assert train.main(common + flags + ["--strategy", strategy, "--output", folder]) == 0
        model = artifacts.load_model(f"{folder}/fashion.keras")
        results[strategy] = training.predict(model, images).tolist()
        with open(f"{folder}/fashion.keras.results.csv") as handle:
            results[strategy + "_log"] = handle.read()
    print("RESULTS " + json.dumps(results))
""")


@pytest.mark.slow
def test_mirrored_over_two_devices_predicts_as_one_device(dataset_dir, tmp_path):
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", MIRRORED, dataset_dir, str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "strategy: mirrored, 2 replicas; global batch 32 (16 per replica), " \
           "learning rate 0.002 (0.001 x 2)" in result.stdout
    results = json.loads(result.stdout.split("RESULTS ", 1)[1])
    mirrored, default = np.array(results["mirrored"]), np.array(results["default"])
    assert mirrored.shape == (40, 4)
    np.testing.assert_allclose(mirrored, default, atol=1e-5)  # measured: 6e-8
    assert mirrored.std() > 0.01  # the images get different answers: it learnt something
    logs = {strategy: list(csv.DictReader(io.StringIO(results[strategy + "_log"])))
            for strategy in ("mirrored", "default")}
    assert len(logs["mirrored"]) == len(logs["default"]) == 3
    for mirrored_row, default_row in zip(logs["mirrored"], logs["default"]):
        for column in ("loss", "val_loss", "learning_rate"):
            assert float(mirrored_row[column]) == pytest.approx(float(default_row[column]),
                                                                rel=1e-5)
    print(f"mirrored against default: max difference {np.abs(mirrored - default).max():.2e}, "
          f"{time.monotonic() - started:.0f} s")


def free_ports(count):
    """Ports free now on 127.0.0.1 (the OS picks them; closed again for the workers)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def start_workers(dataset_dir, tmp_path, outputs, *extra, epochs=1, log="worker"):
    """One `train.py` process per output folder, worker i of a cluster on 127.0.0.1; each
    writes its output to tmp_path/<log>-i.log and its final weights to tmp_path/weights."""
    ports = free_ports(len(outputs))
    processes = []
    for index, output in enumerate(outputs):
        environment = dict(os.environ, TF_CONFIG=json.dumps(cluster(ports, "worker", index)),
                           CUDA_VISIBLE_DEVICES="",
                           **{distribute.TEST_WEIGHTS: str(tmp_path / "weights")})
        with open(tmp_path / f"{log}-{index}.log", "w") as handle:
            processes.append(subprocess.Popen(
                [sys.executable, "train.py", "--dataset", dataset_dir, "--output", str(output),
                 "--epochs", str(epochs), "--image-size", "24", "--batch-size", "8",
                 "--export", "none", "--quiet", *extra],
                cwd=ROOT, env=environment, stdout=handle, stderr=subprocess.STDOUT))
    return processes


def wait_all(processes, deadline):
    """Wait for every process until `deadline`; kill and reap any left then, so that no
    worker outlives the test."""
    try:
        for process in processes:
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait()


def same_weights(folder):
    weights = {}
    for name in ("worker-0", "worker-1"):
        with np.load(folder / f"{name}.npz") as saved:
            weights[name] = [saved[f"arr_{i}"] for i in range(len(saved.files))]
    assert len(weights["worker-0"]) == len(weights["worker-1"]) > 0
    for first, second in zip(weights["worker-0"], weights["worker-1"]):
        np.testing.assert_array_equal(first, second)


@pytest.mark.slow
def test_two_workers_train_one_model_that_only_the_chief_writes(dataset_dir, tmp_path):
    started = time.monotonic()
    (tmp_path / "weights").mkdir()
    processes = start_workers(dataset_dir, tmp_path, [tmp_path / "out-0", tmp_path / "out-1"])
    wait_all(processes, started + TIMEOUT)
    logs = [(tmp_path / f"worker-{index}.log").read_text() for index in range(2)]
    assert [process.returncode for process in processes] == [0, 0], "\n\n".join(logs)[-6000:]
    assert "strategy: multi-worker, 2 replicas; global batch 16" in logs[0]

    chief, worker = tmp_path / "out-0", tmp_path / "out-1"
    model, labelbin = str(chief / "fashion.keras"), str(chief / "mlb.pickle")
    for path in (model, labelbin, chief / "plot.png", runfiles.RunFiles(model).run_log,
                 runfiles.RunFiles(model).last_model):
        assert os.path.getsize(path) > 0
    assert not os.path.exists(chief / "fashion.keras.checkpoint")
    # The other worker wrote into workertemp_1 and removed it: nothing of it remains.
    assert not [name for _, _, names in os.walk(worker) for name in names]

    _, _, description = artifacts.load_artifacts(model, labelbin)
    assert description.labels == ["blue", "dress", "red", "shirt"]
    image = os.path.join(dataset_dir, "red_dress", "000.png")
    assert classify.main(["--model", model, "--labelbin", labelbin, "--image", image,
                          "--backend", "keras", "--json"]) == 0

    same_weights(tmp_path / "weights")
    print(f"two workers: {time.monotonic() - started:.0f} s")


@pytest.mark.slow
def test_a_dead_worker_stops_the_others_and_all_resume(dataset_dir, tmp_path):
    """Worker 1 killed after epoch 1: the chief ends with one line saying how to resume; both
    started again with --resume (one shared output folder) finish from their checkpoints."""
    started, output = time.monotonic(), tmp_path / "out"
    (tmp_path / "weights").mkdir()
    processes = start_workers(dataset_dir, tmp_path, [output, output], epochs=4)
    try:
        state = output / "workertemp_1" / "fashion.keras.checkpoint" / "state.json"
        while not state.exists() and time.monotonic() < started + TIMEOUT:
            time.sleep(0.1)
        processes[1].kill()
    finally:
        wait_all(processes, started + TIMEOUT)
    message = (tmp_path / "worker-0.log").read_text().strip().splitlines()[-1]
    assert processes[0].returncode == 2, message
    assert message.startswith("error: training stopped: another worker of the cluster is gone")
    assert message.endswith("--resume (on every worker)")
    assert "Traceback" not in (tmp_path / "worker-0.log").read_text()

    processes = start_workers(dataset_dir, tmp_path, [output, output], "--resume", epochs=4,
                              log="resumed")  # new ports: the cluster may move
    wait_all(processes, started + 2 * TIMEOUT)
    logs = [(tmp_path / f"resumed-{index}.log").read_text() for index in range(2)]
    assert [process.returncode for process in processes] == [0, 0], "\n\n".join(logs)[-6000:]
    assert all("epochs done" in log for log in logs)  # each from its own checkpoint
    assert not (output / "workertemp_1").exists()
    with open(runfiles.RunFiles(str(output / "fashion.keras")).run_log, newline="") as handle:
        assert [row["epoch"] for row in csv.DictReader(handle)] == ["1", "2", "3", "4"]
    same_weights(tmp_path / "weights")
    print(f"dead worker and resume: {time.monotonic() - started:.0f} s")
