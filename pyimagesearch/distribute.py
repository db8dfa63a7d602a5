"""Training on several devices and machines with tf.distribute: which strategy, how the batch
size and learning rate follow the replicas, and which worker writes.

Usage:
    with worker_outputs(args):                # a worker that is not the chief writes aside
        strategy = choose("auto")             # before any TensorFlow operation runs
        batch_size, learning_rate = scaled(32, 1e-3, strategy.num_replicas_in_sync)
        with model_scope(strategy):         # strategy.scope(), moving statistics averaged
            model = build_and_compile()

Strategies (train.py --strategy):
- auto: multi-worker when the TF_CONFIG environment variable describes a cluster of two or
  more tasks, mirrored when this machine has two or more GPUs, default otherwise;
- default: TensorFlow's default strategy, one device;
- mirrored: MirroredStrategy, one replica per local GPU (per logical CPU device when there is
  no GPU), the gradients summed across them at every step;
- multi-worker: MultiWorkerMirroredStrategy, every machine TF_CONFIG lists, each with its
  local GPUs, in step with one another.

The scaling rule. --batch-size is per replica: each replica takes that many images a step,
so a step takes --batch-size x replicas images (the global batch) and an epoch takes that
many times fewer steps. The learning rate grows in proportion, --learning-rate x replicas
(the linear scaling rule of Goyal et al., 2017, "Accurate, large minibatch SGD"): k times the
images per step, k times the step, so that an epoch moves the weights about as far as on one
device. The schedule counts steps of the global batch. On one device both are the flags as
given; training on N replicas is then training on one device with --batch-size N x B and
--learning-rate N x L, up to what each replica draws or measures alone: batch normalisation's
batch statistics and dropout's masks. (Keras's fit under a strategy also draws one batch to
build the model and then restarts the input, so the shuffling and augmentation are the
pipeline's next draw: as random, not the same images in the same order as on one device.)
Mixed precision works the same under every strategy.

Data: every worker loads (decodes or reads from its cache) the whole dataset itself. Each
then takes its share of every global batch (tf.data's DATA auto-sharding; the pipeline reads
rows of an in-memory index, which cannot be split by file), so the steps' computing is
divided among the workers but the input pipeline's (gathering, augmenting) is not.

Only the chief writes. The chief is the task of type "chief", or worker 0 when the cluster
has no chief; without TF_CONFIG this process is the chief. Every other worker runs the same
program (the same collective operations, in the same order) but writes its model, checkpoint,
plots and reports into `workertemp_<index>` beside the model, as in the Keras multi-worker
tutorial, and deletes that folder when the run completes. A run that fails keeps it: its
checkpoint is what that worker resumes from with --resume, as the chief resumes from its own.
"""

import contextlib
import json
import os
import re
import shutil

from pyimagesearch.errors import UserError

STRATEGIES = ("auto", "default", "mirrored", "multi-worker")  # auto: the first that applies
TEST_WEIGHTS = "PYIMAGESEARCH_TEST_WEIGHTS_DIR"  # test-only: see dump_weights_for_tests
CLUSTER_TIMEOUT = 300  # seconds the cluster's tasks have to start and connect


def tf_config():
    """TF_CONFIG as a dict ({} when unset)."""
    text = os.environ.get("TF_CONFIG", "").strip()
    if not text:
        return {}
    try:
        config = json.loads(text)
    except ValueError as error:
        raise UserError(f"TF_CONFIG is not valid JSON ({error})") from None
    if not isinstance(config, dict):
        raise UserError("TF_CONFIG must be a JSON object with 'cluster' and 'task'")
    return config


def is_cluster(config):
    """Whether `config` (TF_CONFIG) describes two or more training tasks."""
    cluster = config.get("cluster") or {}
    return sum(len(cluster.get(kind) or ()) for kind in ("chief", "worker")) > 1


def task(config):
    """(type, index) of this process in `config`; ("chief", 0) without a cluster."""
    if not config.get("cluster"):
        return "chief", 0
    described = config.get("task") or {}
    kind, index = described.get("type"), described.get("index", 0)
    if kind not in ("chief", "worker") or not isinstance(index, int):
        raise UserError(f"TF_CONFIG's task must be a chief or a worker with an integer index, "
                        f"not {described!r}")
    return kind, index


def is_chief(config):
    kind, index = task(config)
    has_chief = bool((config.get("cluster") or {}).get("chief"))
    return kind == "chief" or (kind == "worker" and index == 0 and not has_chief)


def choose(requested="auto", config=None, timeout=CLUSTER_TIMEOUT):
    """The tf.distribute strategy for `requested` (one of STRATEGIES). Call it before any
    TensorFlow operation: the multi-worker strategy must configure TensorFlow first. Its
    workers have `timeout` seconds to connect; then, or at Ctrl-C or SIGTERM, the process
    ends with one line (pyimagesearch/watchdog.py), rather than waiting for ever."""
    import tensorflow as tf

    config = tf_config() if config is None else config
    if requested == "auto":
        if is_cluster(config):
            requested = "multi-worker"
        else:
            requested = "mirrored" if len(tf.config.list_physical_devices("GPU")) > 1 \
                else "default"
    if requested == "multi-worker":
        return _reducing_structures(_multi_worker(config, timeout))
    if requested == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([device.name for device in devices])
    return tf.distribute.get_strategy()


def _multi_worker(config, timeout):
    """MultiWorkerMirroredStrategy, its cluster given `timeout` seconds to form: the strategy
    waits for every task TF_CONFIG lists to connect, inside C++, for ever, deaf to Ctrl-C;
    pyimagesearch/watchdog.py ends that wait with one line."""
    import tensorflow as tf

    from pyimagesearch import watchdog

    cluster = config.get("cluster") or {}
    tasks = ", ".join(address for kind in ("chief", "worker") for address in cluster.get(kind) or ())
    with watchdog.deadline(timeout, f"the cluster's tasks to connect ({tasks})",
                           "; start every task TF_CONFIG lists, correct TF_CONFIG, or raise "
                           "--cluster-timeout"):
        return tf.distribute.MultiWorkerMirroredStrategy()


def _reducing_structures(strategy):
    """`strategy` (multi-worker) with a reduce() that Keras 3's fit can use.

    Keras 3.15's fit calls reduce() on a whole (images, targets) batch at its start and, each
    step, reduce(..., axis=0) on scalar metrics; MultiWorkerMirroredStrategy's reduce takes
    neither (keras-team/keras#20585, tensorflow/tensorflow#72388), while MirroredStrategy's
    maps over structures. This reduce does as MirroredStrategy's: each part of a structure
    alone, a scalar across the replicas. A part of a type that collective operations cannot
    add (the uint8 images) is this worker's own: fit looks only at its shape and type. Two
    workers then train to the same weights as one process on the same global batches
    (checked on a seeded model, to float precision).
    """
    import tensorflow as tf

    reduce = strategy.reduce
    summable = (tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64)

    def reduce_part(reduce_op, part, axis):
        local = strategy.experimental_local_results(part)[0] \
            if isinstance(part, tf.distribute.DistributedValues) else part
        if getattr(local, "dtype", tf.float32) not in summable:
            return local
        rank = getattr(local, "shape", tf.TensorShape([])).rank
        return reduce(reduce_op, part, axis if axis is not None and rank else None)

    def reduce_each(reduce_op, value, axis=None):
        return tf.nest.map_structure(lambda part: reduce_part(reduce_op, part, axis), value)

    strategy.reduce = reduce_each
    return strategy


@contextlib.contextmanager
def model_scope(strategy):
    """`strategy.scope()`, for building, compiling or loading a model: its variables are the
    strategy's, one copy per replica.

    A float variable that nothing trains and no one said how to combine across replicas
    (Keras 3 creates batch normalisation's moving mean and variance so) is averaged across
    the replicas whenever it is assigned, as Keras 2 did. Otherwise each replica would keep
    the statistics of its own share of the batches, the saved model the first replica's, and
    the workers would end with different models.
    """
    import tensorflow as tf

    def averaged(next_creator, **kwargs):
        dtype = kwargs.get("dtype")
        if (not kwargs.get("trainable", True) and dtype is not None
                and tf.as_dtype(dtype).is_floating
                and kwargs.get("aggregation") in (None, tf.VariableAggregation.NONE)):
            kwargs["aggregation"] = tf.VariableAggregation.MEAN
        return next_creator(**kwargs)

    with strategy.scope(), tf.variable_creator_scope(averaged):
        yield


def is_default(strategy):
    """Whether `strategy` is TensorFlow's default one (call outside any strategy's scope)."""
    import tensorflow as tf

    return strategy is tf.distribute.get_strategy()


def scaled(batch_size, learning_rate, replicas):
    """(global batch size, learning rate) for `replicas` under the scaling rule above."""
    return batch_size * replicas, learning_rate * replicas


def describe(strategy, batch_size, learning_rate):
    """One line: the strategy, its replicas, and the global batch and rate it trains with."""
    import tensorflow as tf

    replicas = strategy.num_replicas_in_sync
    name = "default" if is_default(strategy) else "multi-worker" if isinstance(
        strategy, tf.distribute.MultiWorkerMirroredStrategy) else "mirrored"
    if replicas == 1:
        return f"strategy: {name}, 1 replica; batch {batch_size}, learning rate {learning_rate:g}"
    return (f"strategy: {name}, {replicas} replicas; global batch {batch_size * replicas} "
            f"({batch_size} per replica), learning rate {learning_rate * replicas:g} "
            f"({learning_rate:g} x {replicas})")


def worker_folder(model_path, index):
    """Where worker `index` (not the chief) writes: beside the model, as Keras' tutorial does."""
    return os.path.join(os.path.dirname(os.path.abspath(model_path)), f"workertemp_{index}")


@contextlib.contextmanager
def worker_outputs(args):
    """Run the block with `args`' outputs (model, labelbin, plot, TensorBoard logs) moved into
    this worker's own folder unless it is the chief; the folder goes when the block succeeds
    and stays when it fails, holding the checkpoint that --resume continues from."""
    config = tf_config()
    if is_chief(config):
        yield
        return
    folder = worker_folder(args.model, task(config)[1])
    args.model, args.labelbin, args.plot = (os.path.join(folder, os.path.basename(path))
                                            for path in (args.model, args.labelbin, args.plot))
    if args.tensorboard:
        args.tensorboard = os.path.join(folder, "tensorboard")
    os.makedirs(folder, exist_ok=True)
    yield
    shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def lost_workers_reported(how_to_resume):
    """Run the block (the training); when another worker of the cluster is gone, so that a
    collective operation fails, end with one line: what happened, and `how_to_resume()`
    (called then, when the last complete epoch is known) instead of a traceback."""
    import tensorflow as tf

    try:
        yield
    except (tf.errors.UnavailableError, tf.errors.DeadlineExceededError,
            tf.errors.AbortedError) as error:
        reason = re.sub(r"\{\{.*?\}\}", "", " ".join(str(error.message).split())).strip()
        raise UserError(f"training stopped: another worker of the cluster is gone or "
                        f"unreachable ({reason[:200]}); {how_to_resume()}") from None


def dump_weights_for_tests(model):
    """Test-only: with PYIMAGESEARCH_TEST_WEIGHTS_DIR set, save this worker's final weights
    there as <type>-<index>.npz, so that a test can compare the workers. Nothing otherwise."""
    folder = os.environ.get(TEST_WEIGHTS)
    if not folder:
        return
    import numpy as np

    kind, index = task(tf_config())
    np.savez(os.path.join(folder, f"{kind}-{index}.npz"), *model.get_weights())
