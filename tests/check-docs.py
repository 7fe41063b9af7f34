#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-docs.py: the repository's docs stay true and stand alone.

Fails when a source, template or test file is missing from the file map in
docs/architecture.md, when the map names a file that no longer exists, or
when any tracked text points outside the repository (the team's notes) or
at an issue number instead of saying what it means.
"""
import os
import re
import sys

top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..')
top = os.path.abspath(top)
failures = []

with open(os.path.join(top, 'docs', 'architecture.md'), encoding='utf-8') as f:
    architecture = f.read()

mapped = set(re.findall(r'`((?:src|ui|tests|data|po|build-aux|docs)/[^`\s]+)`', architecture))
for name in sorted(mapped):
    if '*' not in name and not os.path.exists(os.path.join(top, name)):
        failures.append(f'docs/architecture.md names {name}, which does not exist')

for folder, suffixes in (('src', ('.c', '.h')), ('ui', ('.ui', '.css', '.xml')),
                         ('tests', ('.c', '.h', '.py'))):
    for root, dirs, files in os.walk(os.path.join(top, folder)):
        dirs[:] = [d for d in dirs if d != 'corpus']
        for file in files:
            if file.endswith(suffixes):
                rel = os.path.relpath(os.path.join(root, file), top)
                if rel not in mapped:
                    failures.append(f'{rel} has no line in docs/architecture.md')

outside = re.compile(r'\.\./shared|glib-facts|sse-facts|\(issue \d+\)|\bissue #?\d+\b', re.I)
for root, dirs, files in os.walk(top):
    dirs[:] = [d for d in dirs if not d.startswith(('.git', '_build', 'corpus'))]
    for file in files:
        path = os.path.join(root, file)
        rel = os.path.relpath(path, top)
        if rel == 'tests/check-docs.py':
            continue
        try:
            with open(path, encoding='utf-8') as f:
                for number, line in enumerate(f, 1):
                    if outside.search(line):
                        failures.append(f'{rel}:{number}: points outside the repository: {line.strip()}')
        except (UnicodeDecodeError, OSError):
            continue

for failure in failures:
    print(failure)
print('docs: %d problem(s)' % len(failures))
sys.exit(1 if failures else 0)
