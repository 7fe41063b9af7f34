#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-man.py: the manual page says what the program does, and renders cleanly.

  check-man.py sync SOURCE_DIR LOOPSCOPE
      Every option `LOOPSCOPE --headless --help` lists is in the options table
      of docs/headless.md and under HEADLESS OPTIONS in docs/loopscope.1.scd,
      and each of those documents no option the parser lacks; the same for
      the window's `LOOPSCOPE --help` and the page's OPTIONS. The output kinds
      and the exit statuses of docs/headless.md are the page's too.

  check-man.py lint MAN_PAGE
      `man --warnings -l MAN_PAGE` renders it without one warning.
"""
import os
import re
import subprocess
import sys

failures = []
OPTION = re.compile(r'(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])')


def help_options(binary, *args):
    """Long and short options of the 'Application Options' section."""
    env = dict(os.environ)
    env.pop('DISPLAY', None)   # --help needs no display; make sure of it
    out = subprocess.run([binary, *args, '--help'], check=True, capture_output=True,
                         text=True, env=env).stdout
    section = out.split('Application Options:', 1)
    if len(section) != 2:
        sys.exit(f'{binary} {" ".join(args)} --help: no "Application Options:" section:\n{out}')
    options = set()
    for line in section[1].splitlines()[1:]:
        if not line.strip():
            break
        # "  -X, --method=METHOD    HTTP method" : the names before the text.
        names = re.split(r'\s{2,}', line.strip(), maxsplit=1)[0]
        for name in names.split(','):
            options.add(name.strip().split('=', 1)[0])
    return options


def section(text, start, heading):
    """The lines of TEXT from the heading START up to the next HEADING-level one."""
    lines = text.splitlines()
    try:
        begin = lines.index(start)
    except ValueError:
        sys.exit(f'no heading {start!r}')
    body = []
    for line in lines[begin + 1:]:
        if line.startswith(heading):
            break
        body.append(line)
    return body


def scd_terms(text, start):
    """The terms of a scdoc definition list: unindented lines followed by a tab-indented one."""
    body = section(text, start, '# ')
    return [line for i, line in enumerate(body)
            if line.startswith('*') and i + 1 < len(body) and body[i + 1].startswith('\t')]


def scd_options(text, start):
    options = set()
    for term in scd_terms(text, start):
        # Option names are bold (*--name*); arguments are underlined.
        options.update(m for m in re.findall(r'\*([^*]+)\*', term) if OPTION.fullmatch(m))
    return options


def md_table_first_column(text, start):
    cells = []
    for line in section(text, start, '## '):
        if line.startswith('|') and not line.startswith('| ---'):
            cells.append(line.split('|')[1])
    return cells[1:]   # past the header row


def compare(what, truth_name, truth, doc_name, doc):
    for option in sorted(truth - doc):
        failures.append(f'{what}: {option} is in {truth_name} but not in {doc_name}')
    for option in sorted(doc - truth):
        failures.append(f'{what}: {doc_name} documents {option}, which {truth_name} does not have')


def sync(top, binary):
    with open(os.path.join(top, 'docs', 'headless.md'), encoding='utf-8') as f:
        headless_md = f.read()
    with open(os.path.join(top, 'docs', 'loopscope.1.scd'), encoding='utf-8') as f:
        scd = f.read()

    parser = help_options(binary, '--headless')
    # --help is GOption's own; the page documents it, the table needs not.
    parser_options = parser | {'-h', '--help'}
    md_options = set()
    for cell in md_table_first_column(headless_md, '## Options'):
        md_options.update(re.findall(r'`(--?[a-zA-Z][a-z0-9-]*)', cell))
    page_options = scd_options(scd, '# HEADLESS OPTIONS')
    # --headless itself is the mode the whole of docs/headless.md is about.
    compare('headless', '`loopscope --headless --help`', parser - {'--headless'}, 'docs/headless.md',
            md_options)
    compare('headless', '`loopscope --headless --help`', parser_options, 'the man page', page_options)

    window = help_options(binary) | {'-h', '--help'}
    compare('window', '`loopscope --help`', window, 'the man page', scd_options(scd, '# OPTIONS'))

    md_kinds = set()
    for cell in md_table_first_column(headless_md, '## Output: one JSON object per line'):
        md_kinds.update(re.findall(r'^\s*`([a-z]+)`', cell))
    page_kinds = {term.strip('*') for term in scd_terms(scd, '# OUTPUT')}
    compare('output kinds', 'docs/headless.md', md_kinds, 'the man page', page_kinds)

    md_status = {cell.strip() for cell in md_table_first_column(headless_md, '## Exit status')}
    page_status = {term.strip('*') for term in scd_terms(scd, '# EXIT STATUS')}
    compare('exit statuses', 'docs/headless.md', md_status, 'the man page', page_status)

    if not parser or len(window) < 3 or not md_kinds or not md_status:
        failures.append('found nothing to compare: has a heading changed?')
    print(f'{len(parser)} headless options, {len(window)} window options, '
          f'{len(md_kinds)} output kinds, {len(md_status)} exit statuses compared')


def lint(page):
    env = dict(os.environ, MANWIDTH='80', MANPAGER='cat', PAGER='cat', LC_ALL='C.UTF-8')
    result = subprocess.run(['man', '--warnings=w', '-l', page], capture_output=True,
                            text=True, env=env)
    if result.returncode != 0:
        failures.append(f'man -l {page} exited with {result.returncode}')
    for line in result.stderr.splitlines():
        failures.append(f'man -l {page}: {line}')
    if 'HEADLESS OPTIONS' not in result.stdout:
        failures.append(f'man -l {page} did not render the page')


if len(sys.argv) == 4 and sys.argv[1] == 'sync':
    sync(os.path.abspath(sys.argv[2]), sys.argv[3])
elif len(sys.argv) == 3 and sys.argv[1] == 'lint':
    lint(sys.argv[2])
else:
    sys.exit(__doc__)

for failure in failures:
    print(failure)
print('man: %d problem(s)' % len(failures))
sys.exit(1 if failures else 0)
