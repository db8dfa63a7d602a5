"""Augmentation on the device (augment.OnDevice, train.py --augment-on device): the same warp
as tf.data's in training, nothing at inference, and a model trained with it saves, loads,
classifies and exports like any other."""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import classify
import train
from pyimagesearch import augment, backends, custom_objects, export, models, recolour, training
from tests.conftest import NO_EXTRAS, draw

STRENGTHS = dict(rotation=20.0, shift=0.15, shear=10.0, zoom=0.25, flip=True)


def images(count=4, size=24):
    return np.random.default_rng(0).integers(0, 256, (count, size, size, 3), dtype=np.uint8)


def test_the_layer_is_an_identity_at_inference_and_warps_in_training():
    layer = augment.OnDevice(**STRENGTHS, seed=1)
    batch = images()
    inferred = layer(batch)
    assert inferred.dtype == tf.float32
    np.testing.assert_array_equal(inferred.numpy(), batch.astype(np.float32))
    trained = layer(batch, training=True)
    assert trained.dtype == tf.float32 and trained.shape == batch.shape
    assert np.abs(trained.numpy() - batch).mean() > 10
    # A new seed pair per batch: the next batch is warped differently.
    assert not np.allclose(layer(batch, training=True).numpy(), trained.numpy())


def test_with_the_same_seed_pair_its_warp_is_augmentations():
    layer = augment.OnDevice(**STRENGTHS, seed=7)
    pair = tf.cast(keras.random.SeedGenerator(7).next(), tf.int64)  # the layer's first pair
    batch = images()
    expected = augment.Augmentation(**STRENGTHS)(batch, pair)
    np.testing.assert_array_equal(layer(batch, training=True).numpy(), expected.numpy())
    np.testing.assert_array_equal(
        layer.augmentation.transforms(4, 24, 24, pair).numpy(),
        augment.Augmentation(**STRENGTHS).transforms(4, 24, 24, pair).numpy())


def test_an_augmented_model_keeps_its_settings_through_rebuilds_and_saving(tmp_path):
    network = models.build_model((24, 24), 3, policy="mixed_bfloat16")
    model = models.augmented(network, augment.Augmentation(**STRENGTHS), seed=3)
    models.compile_model(model, 1e-3, 1)
    model.fit(images(8), np.ones((8, 3), np.float32), epochs=1, verbose=0)
    rebuilt = models.float32_model(model)
    path = str(tmp_path / "augmented.keras")
    model.save(path)  # as the checkpoint saves it; --resume loads it this way
    loaded = keras.saving.load_model(path, compile=True,
                                     custom_objects=custom_objects.CUSTOM_OBJECTS)
    for each in (rebuilt, loaded):
        (layer,) = [item for item in each.layers if isinstance(item, augment.OnDevice)]
        assert layer.augmentation == augment.Augmentation(**STRENGTHS) and layer.seed == 3
        assert models.without_augmentation(each).name == network.name
    batch = images()
    np.testing.assert_allclose(rebuilt.predict(batch, verbose=0),
                               models.float32_model(network).predict(batch, verbose=0),
                               atol=1e-6)
    assert models.without_augmentation(network) is network


def test_without_the_warp_make_batches_still_shuffles_and_recolours():
    from pyimagesearch import groups

    rng = np.random.default_rng(0)
    batch = np.stack([draw("red", "dress", rng) for _ in range(8)])
    class_names = ["blue", "dress", "red", "shirt"]
    targets = np.tile(np.array([[0, 1, 1, 0]], np.float32), (8, 1))  # red dresses
    label_groups = groups.resolve("auto", class_names, ["red_dress/0.png", "blue_shirt/0.png"],
                                  [["red", "dress"], ["blue", "shirt"]])
    recolouring = recolour.for_groups(class_names, label_groups, recolour=1.0, tint=0.0)
    plain = training.make_batches(batch, targets, 8, augment.Augmentation(), seed=0,
                                  warp=False)
    (unwarped, _), = plain.take(1)
    assert unwarped.dtype == tf.uint8  # the warp would have made float32
    assert sorted(map(bytes, unwarped.numpy())) == sorted(map(bytes, batch))  # shuffled only
    recoloured = training.make_batches(batch, targets, 8, augment.Augmentation(), seed=0,
                                       recolouring=recolouring, warp=False)
    (painted, relabelled), = recoloured.take(1)
    assert painted.dtype == tf.uint8
    assert relabelled.numpy()[:, 0].sum() > 0  # some repainted blue and labelled so


def test_a_model_trained_on_the_device_saves_classifies_and_exports(dataset_dir, tmp_path,
                                                                       capsys):
    output = tmp_path / "out"
    assert train.main(["--dataset", dataset_dir, "--output", str(output), "--epochs", "1",
                       "--image-size", "24", "--export", "none", "--augment-on", "device",
                       "-q"]) == 0
    assert "augmentation: in the model, on the device" in capsys.readouterr().out
    assert os.path.isfile(output / "fashion.keras.report.html")  # heat maps and all
    model, labelbin = str(output / "fashion.keras"), str(output / "mlb.pickle")
    with open(f"{model}.json", encoding="utf-8") as handle:
        assert json.load(handle)["settings"]["augment_on"] == "device"
    runner, _, description = backends.load(model, labelbin, "keras")
    saved = runner.model
    # The warp is an identity at inference: the saved model is the network without it.
    assert not [layer for layer in saved.layers if isinstance(layer, augment.OnDevice)]
    image = os.path.join(dataset_dir, "red_dress", "000.png")
    assert classify.main(["--model", model, "--labelbin", labelbin, "--image", image,
                          "--backend", "keras", "--json", "--no-annotate"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[0])["path"] == image
    # Exported with the layer in front, LiteRT still answers as Keras does.
    with_layer = models.augmented(saved, augment.Augmentation(**STRENGTHS))
    tflite = str(tmp_path / "augmented.tflite")
    export.write(with_layer, "litert", tflite, description.fingerprint or "test")
    batch = images(5)
    np.testing.assert_allclose(backends.LiteRTRunner(tflite).predict_on_batch(batch),
                               runner.predict_on_batch(batch), atol=1e-4)


@pytest.mark.slow  # interrupted, then resumed: two trainings, as test_runlog's resume test
def test_a_run_warping_on_the_device_resumes_warping_on_the_device(dataset_dir, tmp_path,
                                                                   monkeypatch, capsys):
    """Stopped after epoch 1 (as by Ctrl-C), resumed with --augment-on left to auto, which
    means the CPU here: the checkpoint's model holds the warp, so the resumed run warps
    there and nowhere else."""
    import signal

    saved_epoch = training.Checkpoint.on_epoch_end

    def stop_after_first_epoch(self, epoch, logs=None):
        saved_epoch(self, epoch, logs)
        if epoch == 0:
            self.stop.requested, self.model.stop_training = signal.SIGINT, True

    monkeypatch.setattr(training.Checkpoint, "on_epoch_end", stop_after_first_epoch)
    argv = ["--dataset", dataset_dir, "--output", str(tmp_path), "--epochs", "2",
            "--image-size", "24", *NO_EXTRAS, "-q"]
    assert train.main(argv + ["--augment-on", "device"]) == 128 + signal.SIGINT
    monkeypatch.setattr(training.Checkpoint, "on_epoch_end", saved_epoch)
    warped_in_tf_data, augmenter = [], training._augmenter

    def watched_augmenter(augmentation, recolouring):
        warped_in_tf_data.append(augmentation is not None)
        return augmenter(augmentation, recolouring)

    monkeypatch.setattr(training, "_augmenter", watched_augmenter)
    assert train.main(argv + ["--resume"]) == 0
    assert "augmentation: in the model, on the device" in capsys.readouterr().out.split(
        "resuming from")[1]
    assert warped_in_tf_data == [False]
    with open(tmp_path / "fashion.keras.json", encoding="utf-8") as handle:
        assert json.load(handle)["settings"]["augment_on"] == "device"
