#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-translations.py: every language in po/LINGUAS is complete and valid.

Extracts the strings the sources mark today (xgettext over po/POTFILES.in,
with the same options as meson's i18n "glib" preset, so no stale .pot
counts), merges each po/LANG.po against them as msgmerge would (no fuzzy
matching), and fails naming the language and the strings that are
untranslated or fuzzy; then runs `msgfmt --check` on the po file as it is
(format strings, plural forms, header) and fails on any complaint.
"""
import os
import subprocess
import sys
import tempfile

top = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..'))
po_dir = os.path.join(top, 'po')

XGETTEXT_GLIB = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


failures = []
with open(os.path.join(po_dir, 'LINGUAS'), encoding='utf-8') as f:
    languages = [w for line in f for w in line.split('#')[0].split()]
if not languages:
    failures.append('po/LINGUAS lists no language')

with tempfile.TemporaryDirectory(prefix='ls-po-') as tmp:
    pot = os.path.join(tmp, 'loopscope.pot')
    result = run(['xgettext', '--package-name=loopscope', '-p', tmp, '-o', 'loopscope.pot',
                  '--directory=' + top, '--files-from=' + os.path.join(po_dir, 'POTFILES.in')]
                 + XGETTEXT_GLIB)
    if result.returncode != 0:
        print(result.stderr)
        print('translations: xgettext failed')
        sys.exit(1)

    for lang in languages:
        po = os.path.join(po_dir, lang + '.po')
        if not os.path.exists(po):
            failures.append(f'po/LINGUAS lists {lang}, but po/{lang}.po does not exist')
            continue

        result = run(['msgfmt', '--check', '--statistics', '-o', os.devnull, po])
        if result.returncode != 0:
            failures.append(f'po/{lang}.po: msgfmt --check failed:\n{result.stderr.strip()}')

        merged = os.path.join(tmp, lang + '.po')
        result = run(['msgmerge', '--quiet', '--no-fuzzy-matching', '-o', merged, po, pot])
        if result.returncode != 0:
            failures.append(f'po/{lang}.po: msgmerge failed:\n{result.stderr.strip()}')
            continue
        for what, option in (('untranslated', '--untranslated'), ('fuzzy', '--only-fuzzy')):
            result = run(['msgattrib', option, '--no-obsolete', '--no-wrap', merged])
            for block in result.stdout.split('\n\n'):
                lines = block.splitlines()
                for i, line in enumerate(lines):
                    if line.startswith('msgid '):
                        msgid = line[6:]
                        for more in lines[i + 1:]:
                            if not more.startswith('"'):
                                break
                            msgid += more
                        if msgid.replace('"', '') != '':
                            failures.append(f'po/{lang}.po: {what}: {msgid}')
                        break
        # The count decides (a message the listing above missed still fails).
        result = run(['msgfmt', '--statistics', '-o', os.devnull, merged])
        stats = result.stderr.strip()
        print(f'{lang}: {stats}')
        if 'untranslated' in stats or 'fuzzy' in stats:
            failures.append(f'po/{lang}.po is incomplete against the sources: {stats}')

for failure in failures:
    print(failure)
print('translations: %d problem(s) in %d language(s)' % (len(failures), len(languages)))
sys.exit(1 if failures else 0)
