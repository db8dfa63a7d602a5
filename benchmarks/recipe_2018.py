"""The 2018 recipe's pipeline, as it ran then, for side-by-side benchmarks.

Usage (needs tf_keras: pip install -r benchmarks/requirements.txt):
    python benchmarks/recipe_2018.py classify --model recipe.h5 --labelbin mlb.pickle --image x.jpg

`load`, `build` and `compile_and_flow` are the recipe's train.py in functions: serial
cv2.imread at full size, a float64 array of the whole dataset, tf_keras layers,
ImageDataGenerator.flow augmenting one image at a time, legacy Adam with decay.
The `classify` command is its classify.py, one process per image, with the window
replaced by a written file. One change keeps it running: files OpenCV cannot read
(the recipe's first GIF crashed it) are skipped and counted.
"""

import argparse
import os
import pickle
import random
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
IMAGE_DIMS = (96, 96, 3)


def load(image_paths):
    """(float64 images scaled to [0, 1], label lists, paths kept, files skipped)."""
    import cv2
    import numpy as np
    from tf_keras.preprocessing.image import img_to_array

    data, labels, kept, skipped = [], [], [], 0
    for image_path in image_paths:
        image = cv2.imread(image_path)
        if image is None:
            skipped += 1
            continue
        image = cv2.resize(image, (IMAGE_DIMS[1], IMAGE_DIMS[0]))
        data.append(img_to_array(image))
        labels.append(image_path.split(os.path.sep)[-2].split("_"))
        kept.append(image_path)
    return np.array(data, dtype="float") / 255.0, labels, kept, skipped


def list_paths(dataset):
    """The recipe's order: sorted, then shuffled with random.seed(42)."""
    from imutils import paths

    image_paths = sorted(list(paths.list_images(dataset)))
    random.seed(42)
    random.shuffle(image_paths)
    return image_paths


def build(width, height, depth, classes, final_act="sigmoid"):
    """SmallerVGGNet as the recipe wrote it, on tf_keras."""
    from tf_keras import layers as L
    from tf_keras.models import Sequential

    model = Sequential()
    model.add(L.Conv2D(32, (3, 3), padding="same", input_shape=(height, width, depth)))
    model.add(L.Activation("relu"))
    model.add(L.BatchNormalization(axis=-1))
    model.add(L.MaxPooling2D(pool_size=(3, 3)))
    model.add(L.Dropout(0.25))
    for filters in (64, 128):
        for _ in range(2):
            model.add(L.Conv2D(filters, (3, 3), padding="same"))
            model.add(L.Activation("relu"))
            model.add(L.BatchNormalization(axis=-1))
        model.add(L.MaxPooling2D(pool_size=(2, 2)))
        model.add(L.Dropout(0.25))
    model.add(L.Flatten())
    model.add(L.Dense(1024))
    model.add(L.Activation("relu"))
    model.add(L.BatchNormalization())
    model.add(L.Dropout(0.5))
    model.add(L.Dense(classes))
    model.add(L.Activation(final_act))
    return model


def compile_and_flow(model, images, targets, epochs, learning_rate=1e-3, batch_size=32):
    """Compile as the recipe did; its augmenting iterator over the training arrays."""
    from tf_keras.optimizers.legacy import Adam
    from tf_keras.preprocessing.image import ImageDataGenerator

    model.compile(loss="binary_crossentropy", metrics=["accuracy"],
                  optimizer=Adam(learning_rate=learning_rate, decay=learning_rate / epochs))
    augmenter = ImageDataGenerator(rotation_range=25, width_shift_range=0.1,
                                   height_shift_range=0.1, shear_range=0.2, zoom_range=0.2,
                                   horizontal_flip=True, fill_mode="nearest")
    return augmenter.flow(images, targets, batch_size=batch_size)


def classify(args):
    """The recipe's classify.py: one image per process."""
    import cv2
    import numpy as np
    from tf_keras.models import load_model
    from tf_keras.preprocessing.image import img_to_array

    image = cv2.imread(args.image)
    output = image.copy()
    image = cv2.resize(image, (96, 96))
    image = image.astype("float") / 255.0
    image = np.expand_dims(img_to_array(image), axis=0)
    model = load_model(args.model)
    with open(args.labelbin, "rb") as handle:
        mlb = pickle.loads(handle.read())
    proba = model.predict(image, verbose=0)[0]
    for rank, j in enumerate(np.argsort(proba)[::-1][:2]):
        label = "{}: {:.2f}%".format(mlb.classes_[j], proba[j] * 100)
        cv2.putText(output, label, (10, (rank * 30) + 25), cv2.FONT_HERSHEY_SIMPLEX, 0.7,
                    (0, 255, 0), 2)
    for label, p in zip(mlb.classes_, proba):
        print("{}: {:.2f}%".format(label, p * 100))
    cv2.imwrite(args.output, output)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("classify")
    one.add_argument("--model", required=True)
    one.add_argument("--labelbin", required=True)
    one.add_argument("--image", required=True)
    one.add_argument("--output", default=os.devnull + ".png")
    args = parser.parse_args(argv)
    if args.output == os.devnull + ".png":
        args.output = os.path.join(os.path.dirname(os.path.abspath(args.model)), "drawn.png")
    classify(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
