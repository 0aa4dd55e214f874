#!/usr/bin/env python3
"""layout-map.py: the map of src/ for README.md's Layout section.

    layout-map.py [SRCDIR]            print the map (markdown)
    layout-map.py --check README.md [SRCDIR]
                                      exit 1, saying what differs, when the
                                      README's map is not the one printed

Each .c file, and each header that has no .c of its own, is listed under
its folder with its role: the first sentence of the design comment at its
top ("name.c: role."). A file without such a comment is an error, so the
map cannot go stale and every file says what it is for.
"""
import os
import re
import sys

BEGIN = '<!-- layout map: made by tests/tools/layout-map.py; do not edit -->'
END = '<!-- end of layout map -->'
FOLDERS = [
    ('common', 'libcommon.a: what two or more programs link; it includes '
     'nothing from the other folders'),
    ('agent', 'outpostd and outpostctl (libagent.a, libhttp.a); per-OS '
     'files end in -linux, -portable or -disabled and are picked in '
     'am/agent.am'),
    ('platform', 'outpost-platform (libplatform.a); it never includes an '
     'agent header'),
    ('scan', 'outpost-scan (libscan.a)'),
]


def role(path):
    """The first sentence of the file's design comment, or None."""
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read(4096)
    m = re.match(r'/\*\s*\n?\s*\*?\s*([\w.-]+):\s*(.*?)\*/', text, re.S)
    if not m or m.group(1) != os.path.basename(path):
        return None
    body = ' '.join(l.strip().lstrip('*').strip()
                    for l in m.group(2).split('\n'))
    body = re.sub(r'\s+', ' ', body).strip()
    # The first sentence: up to a period followed by a space, or the end.
    s = re.split(r'(?<=[a-z0-9)\]"`\'])\.(?:\s|$)', body, maxsplit=1)[0]
    return s.rstrip('.').strip()


def build(srcdir):
    """The map as markdown lines, and the problems found."""
    out, problems = [BEGIN], []
    known = [f for f, _ in FOLDERS]
    for d in sorted(os.listdir(srcdir)):
        if os.path.isdir(os.path.join(srcdir, d)) and d not in known:
            problems.append('src/%s: a folder the map does not know' % d)
    for folder, what in FOLDERS:
        path = os.path.join(srcdir, folder)
        names = sorted(n for n in os.listdir(path)
                       if n.endswith(('.c', '.h')))
        out += ['', '`src/%s/`: %s.' % (folder, what), '',
                '| file | role |', '|---|---|']
        for n in names:
            if n.endswith('.h') and n[:-2] + '.c' in names:
                continue
            r = role(os.path.join(path, n))
            if r is None:
                problems.append('src/%s/%s: no design comment naming the '
                                'file at its top' % (folder, n))
                r = '?'
            out.append('| `%s` | %s |' % (n, r.replace('|', '\\|')))
    out += ['', END]
    return out, problems


def main(argv):
    check = None
    if len(argv) > 1 and argv[1] == '--check':
        check = argv[2]
        argv = argv[2:]
    srcdir = argv[1] if len(argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', '..', 'src')
    lines, problems = build(srcdir)
    for p in problems:
        print('layout-map: ' + p, file=sys.stderr)
    if check is None:
        print('\n'.join(lines))
        return 1 if problems else 0
    with open(check, encoding='utf-8') as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        print('layout-map: %s has no layout map' % check, file=sys.stderr)
        return 1
    have = text[text.index(BEGIN):text.index(END) + len(END)].split('\n')
    if have != lines:
        print('layout-map: the map in %s is stale; regenerate it with '
              'tests/tools/layout-map.py' % check, file=sys.stderr)
        for a, b in zip(have + [''] * len(lines), lines + [''] * len(have)):
            if a != b:
                print('  README: %s\n  now:    %s' % (a, b), file=sys.stderr)
                break
        return 1
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
