#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-examples.py: every documented headless example on the demo server ends by itself.

Finds each `loopscope --headless --demo …` (or `--replay …`) command in the
README and docs/*.md code blocks (continuation lines joined), runs it with the
built binary in a scratch directory, one per document, so that an example may
replay the capture an earlier one of the same document saved, and checks that
it exits 0 on its own, its output is JSON lines, and the last one is the
`closed` line. Examples that need a server of the reader's own (no --demo) are
listed and skipped.

A limit (EXAMPLE_LIMIT_S) only stops an example that would never end; it is
far above what any takes, and the time each took is printed, not judged.

  check-examples.py SOURCE_ROOT LOOPSCOPE_OR_HEADLESS_RUNNER
"""
import glob
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

EXAMPLE_LIMIT_S = 120

top = os.path.abspath(sys.argv[1])
binary = os.path.abspath(sys.argv[2])
failures = []


def examples(path):
    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    in_code = False
    pending = ''
    for number, line in enumerate(lines, 1):
        if line.startswith('```'):
            in_code = not in_code
            pending = ''
            continue
        if not in_code:
            continue
        text = line.split(' #')[0].rstrip() if ' #' in line else line.rstrip()
        if pending:
            text = pending + ' ' + text.strip()
        if text.endswith('\\'):
            pending = text[:-1].rstrip()
            continue
        pending = ''
        if text.startswith('loopscope --headless'):
            yield number, text


def run(scratch, name, number, command, argv):
    start = time.monotonic()
    try:
        done = subprocess.run([binary] + argv[1:], cwd=scratch, capture_output=True,
                              timeout=EXAMPLE_LIMIT_S)
    except subprocess.TimeoutExpired:
        failures.append(f'{name}:{number}: still running after {EXAMPLE_LIMIT_S} s: {command}')
        return
    took = time.monotonic() - start
    out = done.stdout.decode('utf-8')
    if '--events-out' in argv or '-o' in argv:
        option = '--events-out' if '--events-out' in argv else '-o'
        target = argv[argv.index(option) + 1]
        if target not in ('-', '/dev/null'):
            with open(os.path.join(scratch, target), encoding='utf-8') as f:
                out = f.read()
    print(f'{name}:{number}: exit {done.returncode} after {took:.2f} s: {command}')
    if done.returncode != 0:
        failures.append(f'{name}:{number}: exit {done.returncode}: {done.stderr.decode()[-300:]}')
        return
    if '/dev/null' in argv:
        return
    lines = [json.loads(line) for line in out.splitlines() if line]
    if not lines or lines[-1].get('kind') != 'closed':
        failures.append(f'{name}:{number}: the output does not end with its closed line')


found = 0
for path in [os.path.join(top, 'README.md')] + sorted(glob.glob(os.path.join(top, 'docs', '*.md'))):
    name = os.path.relpath(path, top)
    # One scratch directory per document, its examples in order.
    with tempfile.TemporaryDirectory() as scratch:
        for number, command in examples(path):
            argv = shlex.split(command)
            if '--demo' not in argv and '--replay' not in argv:
                print(f'{name}:{number}: skipped (needs a server of its own): {command}')
                continue
            found += 1
            run(scratch, name, number, command, argv)

if found == 0:
    failures.append('no --demo example found: the documents moved?')
for failure in failures:
    print('FAIL ' + failure)
sys.exit(1 if failures else 0)
