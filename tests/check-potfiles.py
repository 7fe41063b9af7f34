#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-potfiles.py: every file with translatable strings is in po/POTFILES.in.

Scans src/, ui/ and data/ for marked strings (_(), N_(), C_(), NC_(),
ngettext and g_dngettext in C; translatable="yes" in GtkBuilder and
GSettings XML; the desktop file's and metainfo's translatable fields) and
fails naming each such file that po/POTFILES.in leaves out, and each
POTFILES.in entry that no longer exists. A string missing from the .pot is
a string no translator ever sees.
"""
import os
import re
import sys

top = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..'))

C_MARK = re.compile(r'(?<![A-Za-z0-9_])(?:N?C?_|ngettext|g_dngettext|g_dpgettext2?|g_dgettext)\s*\(')
XML_MARK = re.compile(r'translatable\s*=\s*"yes"')


def has_marks(rel, text):
    if rel.endswith(('.c', '.h')):
        # Comments do not count: strip them before looking.
        code = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
        code = re.sub(r'//[^\n]*', '', code)
        # The domain is bound in one place; g_dgettext on another domain
        # (libsoup's own words) is a lookup, not a string of ours.
        code = re.sub(r'g_dgettext\s*\(\s*"[^"]*"', '', code)
        return C_MARK.search(code) is not None
    if rel.endswith('.desktop.in'):
        # Name, GenericName, Comment and Keywords are translated by msgfmt.
        return re.search(r'^(Name|GenericName|Comment|Keywords)=', text, re.M) is not None
    if rel.endswith('.gschema.xml'):
        # A key's <summary> and <description> are translatable.
        return re.search(r'<(summary|description)\b', text) is not None
    if rel.endswith(('.metainfo.xml.in', '.appdata.xml.in')):
        # Every <name>, <summary>, <p>, <li>… of a metainfo file is translatable.
        return re.search(r'<(name|summary|description)\b', text) is not None
    if rel.endswith(('.ui', '.xml', '.xml.in')):
        return XML_MARK.search(text) is not None
    return False


with open(os.path.join(top, 'po', 'POTFILES.in'), encoding='utf-8') as f:
    listed = [line.strip() for line in f if line.strip() and not line.startswith('#')]

failures = []
for name in listed:
    if not os.path.exists(os.path.join(top, name)):
        failures.append(f'po/POTFILES.in lists {name}, which does not exist')
if len(set(listed)) != len(listed):
    failures.append('po/POTFILES.in lists a file twice')
if listed != sorted(listed):
    failures.append('po/POTFILES.in is not sorted')

for folder in ('src', 'ui', 'data'):
    for root, dirs, files in os.walk(os.path.join(top, folder)):
        dirs.sort()
        for file in sorted(files):
            path = os.path.join(root, file)
            rel = os.path.relpath(path, top)
            try:
                with open(path, encoding='utf-8') as f:
                    text = f.read()
            except (UnicodeDecodeError, OSError):
                continue
            if has_marks(rel, text) and rel not in listed:
                failures.append(f'{rel} has translatable strings but is missing from po/POTFILES.in')

for failure in failures:
    print(failure)
print('potfiles: %d problem(s), %d file(s) listed' % (len(failures), len(listed)))
sys.exit(1 if failures else 0)
