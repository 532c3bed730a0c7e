#!/usr/bin/python3
"""A mixed table from Debian's package metadata (apt-cache dumpavail): numbers,
a category and two short texts per package, and its section to predict.

    /usr/bin/python3 bench/debian_table.py /tmp/debian_mixed.csv [rows] [seed]

Columns: installed_size (KiB, number; a few missing), priority (category),
n_depends (number), name_length (number), summary (the one-line
description, text), tags (the debtags, text; empty for untagged packages)
→ section (the 8 largest sections). Rows are sampled at their natural
frequency with a fixed seed, so the file is the same on the same apt lists.
"""
import csv
import random
import subprocess
import sys
from collections import Counter


def packages():
    out = subprocess.run(['apt-cache', 'dumpavail'], capture_output=True, text=True, check=True).stdout
    for block in out.split('\n\n'):
        fields, key = {}, None
        for line in block.split('\n'):
            if line.startswith(' ') and key:
                fields[key] += ' ' + line.strip()
            elif ':' in line:
                key, _, value = line.partition(':')
                fields[key] = value.strip()
        if 'Package' in fields and 'Section' in fields:
            yield fields


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else '/tmp/debian_mixed.csv'
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    seen, pkgs = set(), []
    for p in packages():
        if p['Package'] in seen:
            continue
        seen.add(p['Package'])
        p['Section'] = p['Section'].split('/')[-1]
        pkgs.append(p)
    top = {s for s, _ in Counter(p['Section'] for p in pkgs).most_common(8)}
    pool = sorted((p for p in pkgs if p['Section'] in top), key=lambda p: p['Package'])
    chosen = random.Random(seed).sample(pool, min(rows, len(pool)))
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['installed_size', 'priority', 'n_depends', 'name_length', 'summary', 'tags', 'section'])
        for p in chosen:
            depends = [d for d in p.get('Depends', '').split(',') if d.strip()]
            tags = ' '.join(t.strip().replace('::', ' ').replace('-', ' ') for t in p.get('Tag', '').split(',') if t.strip())
            w.writerow([p.get('Installed-Size', ''), p.get('Priority', ''), len(depends), len(p['Package']), p.get('Description', ''), tags, p['Section']])
    print(f'wrote {path}: {len(chosen)} rows from {len(pool)} packages in sections {", ".join(sorted(top))}')


if __name__ == '__main__':
    main()
