"""`make train`'s output: what Rasa is training and how far it is, without Rasa's full log.

    python bot/train_progress.py --log .cache/rasa/train.log -- rasa train ...

Runs the command (``rasa train`` without ``--quiet``) with its output and errors going to the
log file, and prints one line per component trained (or restored from Rasa's cache) and the
epochs of the components that have them (DIET, TED), with the seconds since the start:

    [  31s] training DIETClassifier
    [  52s]   DIETClassifier epoch 30/60  t_loss=1.23 i_acc=0.95

On a terminal the epoch line is redrawn in place; otherwise a line is printed every quarter
of the epochs. When the command fails, its exit code is this script's and the end of its
output is printed. Standard library only: it runs under Rasa's Python 3.10.
"""

from __future__ import annotations

import argparse
import codecs
import collections
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

VALIDATING = re.compile(r"Started validating domain and training data")
STARTED = re.compile(r"Starting to train component '([^']+)'")
RESTORED = re.compile(r"Restored component '([^']+)' from cache")
# tqdm's bar: "Epochs:  37%|███▋      | 37/100 [00:10<00:17,  3.61it/s, t_loss=2.35, i_acc=0.9]"
EPOCHS = re.compile(r"Epochs:.*?\|\s*(\d+)/(\d+)\s*\[([^\]]*)\]")
METRIC = re.compile(r"\b([a-z]_[a-z]+)=([-\d.e]+)")
TRACKERS = re.compile(r"Processed trackers:.*?\|\s*\d+/(\d+)")
SAVED = re.compile(r"Your Rasa model is trained and saved at '?([^']+?)'?\.?$")
WARNING = re.compile(r"\b(UserWarning|FutureWarning|DeprecationWarning|WARNING)\b")
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # Rasa colours some lines
TAIL_LINES = 60


def split_lines(stream: IO[bytes]) -> Iterator[str]:
    """The stream's lines, split at "\\r" too: tqdm redraws its bar with carriage returns."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    while chunk := os.read(stream.fileno(), 65536):
        pending += decoder.decode(chunk)
        *lines, pending = re.split(r"\r\n|\r|\n", pending)
        yield from lines
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


class Progress:
    """Turns Rasa's output lines into a few lines on the terminal."""

    def __init__(self, out: IO[str], tty: bool) -> None:
        self.out = out
        self.tty = tty
        self.start = time.monotonic()
        self.component = "training"
        self.restored: list[str] = []
        self.warnings = 0
        self.next_epoch_line = 0
        self.last_epoch_line = -1
        self.last_redraw = 0.0
        self.redrawing = False
        self.saved: str | None = None
        self.featurizing = ""

    def stamp(self) -> str:
        return f"[{time.monotonic() - self.start:5.0f}s]"

    def say(self, text: str) -> None:
        if self.redrawing:
            self.out.write("\n")
            self.redrawing = False
        self.out.write(f"{self.stamp()} {text}\n")
        self.out.flush()

    def redraw(self, text: str) -> None:
        self.out.write(f"\r\033[K{self.stamp()} {text}")
        self.out.flush()
        self.redrawing = True

    def flush_restored(self) -> None:
        if self.restored:
            self.say(f"restored from Rasa's cache: {', '.join(self.restored)}")
            self.restored = []

    def feed(self, line: str) -> None:
        line = ANSI.sub("", line)
        if VALIDATING.search(line):
            self.say("validating the domain and the training data")
        elif found := RESTORED.search(line):
            self.restored.append(found.group(1))
        elif found := STARTED.search(line):
            self.flush_restored()
            self.component = found.group(1)
            self.next_epoch_line = 0
            self.last_epoch_line = -1
            self.say(f"training {self.component}")
        elif found := EPOCHS.search(line):
            self.epoch(int(found.group(1)), int(found.group(2)), found.group(3))
        elif (found := TRACKERS.search(line)) and self.component != self.featurizing:
            # TED turns the stories into trackers before its first epoch: a minute, silent.
            self.featurizing = self.component
            self.say(f"  {self.component}: featurizing {found.group(1)} story trackers")
        elif found := SAVED.search(line.strip()):
            self.saved = found.group(1)
        elif WARNING.search(line):
            self.warnings += 1

    def epoch(self, done: int, total: int, details: str) -> None:
        metrics = " ".join(f"{name}={value}" for name, value in METRIC.findall(details))
        text = f"  {self.component} epoch {done}/{total}  {metrics}".rstrip()
        if self.tty:
            now = time.monotonic()
            if done == total or now - self.last_redraw >= 0.5:
                self.last_redraw = now
                self.redraw(text)
        elif done != self.last_epoch_line and done and (done >= self.next_epoch_line or done == total):
            self.last_epoch_line = done  # tqdm redraws the last epoch as its figures settle
            self.say(text)
            step = max(1, total // 4)
            self.next_epoch_line = (done // step + 1) * step

    def finish(self, code: int, log: Path, tail: Sequence[str]) -> None:
        self.flush_restored()
        if code == 0:
            where = f" -> {self.saved}" if self.saved else ""
            self.say(f"done{where} ({self.warnings} warnings; Rasa's full output: {log})")
            return
        self.say(f"rasa failed (exit code {code}); the end of its output ({log} has all of it):")
        self.out.write("".join(f"    {line}\n" for line in tail))
        self.out.flush()


def run(command: Sequence[str], log: Path, out: IO[str], tty: bool) -> int:
    log.parent.mkdir(parents=True, exist_ok=True)
    progress = Progress(out, tty)
    tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("w", encoding="utf-8") as log_file:
        progress.say(f"rasa started; its output goes to {log}")
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        assert child.stdout is not None
        try:
            for line in split_lines(child.stdout):
                log_file.write(line + "\n")
                if line.strip() and not EPOCHS.search(line):  # the bar's redraws would fill the tail
                    tail.append(ANSI.sub("", line))
                progress.feed(line)
            code = child.wait()
        except KeyboardInterrupt:
            # Ctrl-C reached rasa too (same process group): let it stop, then stop.
            child.wait()
            progress.say("interrupted")
            return 130
    progress.finish(code, log, tail)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--log", type=Path, required=True, help="where the command's whole output goes")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command, e.g. rasa train ...")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    return run(command, args.log, sys.stdout, sys.stdout.isatty())


if __name__ == "__main__":
    sys.exit(main())
