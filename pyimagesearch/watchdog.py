"""A wait inside C++ that may never end, bounded: a time-out and Ctrl-C end the process.

Usage:
    with watchdog.deadline(300, "the cluster's tasks to connect", "; check TF_CONFIG"):
        strategy = tf.distribute.MultiWorkerMirroredStrategy()  # may wait for ever

While TensorFlow waits inside C++ it holds Python's global lock, so no Python signal handler,
timer or thread runs. So a small watcher process, which needs nothing of this one, keeps the
time: past the deadline it prints one `error:` line and kills this process (exit 137). A
signal's number reaches it through the pipe that Python's C-level handler writes to (the
wakeup descriptor, written without the lock): it then prints one `stopped:` line and kills
this process. Nothing has been written when such a wait happens (the strategy is made before
training), so ending without unwinding loses nothing, and file locks die with the process.

Known limit: TensorFlow's coordination service installs its own SIGTERM handler (its
preemption notifier, which only logs "SIGTERM caught") while it waits, replacing Python's, so
SIGTERM reaches no one until the wait ends or times out; Ctrl-C (SIGINT) works throughout.
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)

# The watcher: waits on a pipe for a byte (a signal's number, written by Python's C-level
# signal handler into the wakeup descriptor, which needs no lock) or for the time-out; then
# prints one line and ends process `pid`. It ends itself when `pid` is gone or closes the pipe.
WATCHER = """
import os, select, signal, sys, time
pid, read_end, seconds, message, hint = (int(sys.argv[1]), int(sys.argv[2]),
                                         float(sys.argv[3]), sys.argv[4], sys.argv[5])
for number in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C reaches the whole process group
    signal.signal(number, signal.SIG_IGN)
deadline = time.monotonic() + seconds
while os.getppid() == pid:
    left = deadline - time.monotonic()
    if left <= 0:
        print(f"error: gave up after {seconds:g} s waiting for {message}{hint}",
              file=sys.stderr, flush=True)
        os.kill(pid, signal.SIGKILL)
        break
    ready, _, _ = select.select([read_end], [], [], min(left, 1.0))
    if ready:
        data = os.read(read_end, 16)
        if not data:
            break  # the wait is over: the pipe was closed
        name = signal.Signals(data[0]).name
        print(f"stopped: {name} while waiting for {message}", file=sys.stderr, flush=True)
        os.kill(pid, signal.SIGKILL)
        break
"""


@contextlib.contextmanager
def deadline(seconds, waiting_for, hint=""):
    """Run the block; past `seconds`, or at SIGINT or SIGTERM, end the process with one
    line (exit 137: the kill), whatever the block waits in."""
    if threading.current_thread() is not threading.main_thread() or os.name != "posix":
        yield
        return
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous = {number: signal.signal(number, _note) for number in SIGNALS}
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    watcher = subprocess.Popen(
        [sys.executable, "-c", WATCHER, str(os.getpid()), str(read_end), str(seconds),
         waiting_for, hint], pass_fds=(read_end,), stdin=subprocess.DEVNULL)
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous_fd)
        for number, handler in previous.items():
            signal.signal(number, handler)
        watcher.kill()
        watcher.wait()
        os.close(read_end)
        os.close(write_end)


def _note(number, frame):
    """Python's part of a signal during the block: the watcher acts on it."""
