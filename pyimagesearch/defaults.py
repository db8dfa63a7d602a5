"""Every default and every list of choices, stated once; flags, docs and code read them here.

Usage:
    from pyimagesearch import defaults
    parser.add_argument("--model", default=defaults.MODEL)
    workers = workers or defaults.workers()

Pure Python and cheap to import, so that `--help` and argument errors answer at once.
"""

import os

# Where train.py writes and classify.py and evaluate.py read, unless told otherwise.
OUTPUT = "output"  # folder for every output not named by a flag
MODEL_NAME = "fashion.keras"  # the model inside OUTPUT (the recipe's name, fashion.model, works too)
LABELBIN_NAME = "mlb.pickle"  # the pickled MultiLabelBinarizer beside the model, as in the recipe
PLOT_NAME = "plot.png"  # training curves inside OUTPUT
MODEL = os.path.join(OUTPUT, MODEL_NAME)
ANNOTATED = os.path.join(OUTPUT, "classified")  # classify.py's drawn images
EXPLAINED = os.path.join(OUTPUT, "explained")  # classify.py --explain's heat maps
AUDIT_REPORT = os.path.join(OUTPUT, "audit.json")  # audit.py's JSON report
SUSPECTS = os.path.join(OUTPUT, "label_errors.csv")  # audit.py --label-errors' ranked images
GALLERY = os.path.join(OUTPUT, "label_errors.html")  # audit.py --label-errors' top suspects

# A training run: the 2018 recipe's numbers.
EPOCHS = 30  # the recipe's
BATCH_SIZE = 32  # images per step, the recipe's
LEARNING_RATE = 1e-3  # Adam's, decayed by learning_rate / epochs per step as in the recipe
VALIDATION_SPLIT = 0.2  # held out for evaluation, the recipe's 80/20
SEED = 42  # split, shuffle and initialisation: the recipe's random_state
THRESHOLD_RULE = "f1"  # per-label thresholds maximising F1 on the validation split

# Batch normalisation's moving-average momentum. At 0.9 the statistics that prediction uses
# follow training within an epoch; at Keras's (and the recipe's) 0.99 they lag about 100
# steps behind weights that change fast early on, and held-out exact match stays near 0.2
# for the first 6-10 epochs on ../shared/data/fashion.
BN_MOMENTUM = 0.9
RECIPE_BN_MOMENTUM = 0.99

# Augmentation strengths, the recipe's (Keras 2's ImageDataGenerator arguments).
ROTATION = 25.0  # degrees, either way
SHIFT = 0.1  # fraction of width and height, either way
SHEAR = 0.2  # degrees, as ImageDataGenerator's shear_range
ZOOM = 0.2  # scale drawn from [1 - ZOOM, 1 + ZOOM] per axis

PREDICTION_BATCH = 64  # images per prediction batch in classify.py and evaluate.py

# The choices of train.py's flags; the first of each is the default.
PRECISIONS = ("auto", "float32", "bfloat16", "float16")  # auto: 16-bit where hardware has it
AUGMENT_ON = ("auto", "cpu", "device")  # auto: the warp in the model on a GPU, in tf.data else
SPLITS = ("stratified", "recipe", "random")  # stratified: every combination on both sides
KEEP = ("best", "last")  # best: the epoch with the best --monitor
MONITORS = ("val_loss", "val_map", "val_exact_match")  # val_loss: smooth, threshold-free
SCHEDULES = ("cosine", "recipe")  # cosine: decays to zero so that the last epochs settle
RECOLOUR = 0.5  # chance a training image of a known colour is repainted another colour
TINT = 0.5  # chance a training image's background is tinted toward a random colour
FLIP_AVERAGE = True  # predict with the mean over the image and its mirror image
EXPORTS = ("litert",)  # written beside the model by train.py, and by export.py unless told
EXPORT_FORMATS = ("litert", "savedmodel", "onnx")  # export.py's; runfiles.py names their files
EXPORT_CHOICES = ("litert", "onnx", "none")  # train.py's: every format but the SavedModel
BACKENDS = ("auto", "keras", "litert", "onnx")  # auto: LiteRT when the model has one, else Keras
# The network. "auto" is RECIPE_BACKBONE for labels with a colour group (colour_item folders:
# its grouped branches were measured on unseen combinations) and GENERIC_BACKBONE for any
# other labels (measured on ucm-multilabel; see benchmarks/generic.py).
BACKBONES = ("auto", "smallervggnet", "mobilenetv3small", "mobilenetv3large", "efficientnetv2b0")
BACKBONE = BACKBONES[0]
RECIPE_BACKBONE = "smallervggnet"  # the recipe's network
GENERIC_BACKBONE = "mobilenetv3small"  # auto's choice without a colour group
RECIPE_IMAGE_SIZE = 96  # pixels, square: the recipe's, and SmallerVGGNet's default
APPLICATION_IMAGE_SIZE = 128  # pixels, square: a keras.applications backbone's default
HEADS = ("flatten", "gap")  # SmallerVGGNet's head: the recipe's flatten+FC1024, or pooled
HEAD = "flatten"  # the recipe's
WEIGHTS = "none"  # start from random weights; imagenet (keras.applications backbones) or a file
WARMUP = 0.2  # fraction of the epochs (at least one) the head trains on a frozen pretrained backbone
FINE_TUNE_RATE = 0.1  # the learning rate's factor once a pretrained backbone is unfrozen
LOSSES = ("bce", "asl")  # binary cross-entropy per label, or the asymmetric loss
LOSS = "bce"  # without label groups; a model with groups has its grouped loss
GROUPS = "auto"  # groups from folder names of one shape (colour_item); none: one sigmoid per label


def workers():
    """Image decoding threads: one per core, at most 8 (beyond that decoding is disk-bound)."""
    return min(8, os.cpu_count() or 1)
