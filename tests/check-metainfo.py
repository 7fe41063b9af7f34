#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-metainfo.py: the AppStream metadata is clean and tells the truth.

  check-metainfo.py METAINFO SOURCE_DIR VERSION

Fails on anything `appstreamcli validate --pedantic --no-net` reports but
the one accepted note (below); on a screenshot whose URL is not an https
URL of a file in the repository, whose file is missing or whose size is not
the one given; when the first screenshot is not the default one or one has
no caption; when the newest release is not VERSION (the project's) or the
releases are out of order; when the light or the dark brand colour is
missing.
"""
import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

# Reverse-DNS ids of GNOME apps keep the app's capitalised name
# (io.github.loopscope.Loopscope, as the desktop file and the D-Bus name
# are): appstreamcli notes it, pedantically, and that is all it may say.
ACCEPTED = {'cid-contains-uppercase-letter'}
# Where the repository's files are served from (the homepage's repository).
RAW = 'https://raw.githubusercontent.com/loopscope/loopscope/main/'

failures = []


def validate(path):
    result = subprocess.run(['appstreamcli', 'validate', '--pedantic', '--no-net', '--explain', path],
                            capture_output=True, text=True)
    seen = 0
    for line in result.stdout.splitlines():
        m = re.match(r'^([EWIP]): [^ ]*: ([a-z0-9-]+)', line)
        if m is None:
            continue
        seen += 1
        if m.group(2) not in ACCEPTED:
            failures.append(f'appstreamcli: {line}')
    if result.returncode != 0:
        failures.append(f'appstreamcli validate exited with {result.returncode}:\n{result.stdout}{result.stderr}')
    print(f'appstreamcli: {seen} issue(s) reported, accepted: {", ".join(sorted(ACCEPTED))}')


def png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    if head[:8] != b'\x89PNG\r\n\x1a\n':
        return None
    return struct.unpack('>II', head[16:24])


def version_key(version):
    return tuple(int(part) for part in version.split('.'))


def check(path, top, version):
    root = ET.parse(path).getroot()

    shots = root.findall('./screenshots/screenshot')
    if not shots:
        failures.append('no screenshots')
    for i, shot in enumerate(shots):
        if (shot.get('type') == 'default') != (i == 0):
            failures.append(f'screenshot {i + 1}: only the first one is type="default"')
        if not (shot.findtext('caption') or '').strip():
            failures.append(f'screenshot {i + 1} has no caption')
        for image in shot.findall('image'):
            url = (image.text or '').strip()
            if not url.startswith(RAW):
                failures.append(f'screenshot {i + 1}: {url} is not under {RAW}')
                continue
            file = os.path.join(top, url[len(RAW):])
            size = png_size(file) if os.path.isfile(file) else None
            if size is None:
                failures.append(f'screenshot {i + 1}: {url[len(RAW):]} is not a PNG in the repository')
            elif size != (int(image.get('width', 0)), int(image.get('height', 0))):
                failures.append(f'screenshot {i + 1}: {url[len(RAW):]} is {size[0]}x{size[1]}, '
                                f'not {image.get("width")}x{image.get("height")}')

    releases = root.findall('./releases/release')
    if not releases or releases[0].get('version') != version:
        failures.append(f'the newest release is not {version}, the project version in meson.build')
    for newer, older in zip(releases, releases[1:]):
        if (version_key(newer.get('version')) <= version_key(older.get('version'))
                or newer.get('date') < older.get('date')):
            failures.append(f'release {newer.get("version")} is listed before {older.get("version")}')

    schemes = {c.get('scheme_preference') for c in root.findall('./branding/color[@type="primary"]')}
    for scheme in ('light', 'dark'):
        if scheme not in schemes:
            failures.append(f'no primary brand colour for the {scheme} scheme')


if len(sys.argv) != 4:
    sys.exit(__doc__)
validate(sys.argv[1])
check(sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3])
for failure in failures:
    print(failure)
print('metainfo: %d problem(s)' % len(failures))
sys.exit(1 if failures else 0)
