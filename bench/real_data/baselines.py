"""scikit-learn's simple models on the rows sixstep is scored on (bench/real_data.ts).

Each model trains on the whole training file (sixstep cuts its validation split from the same rows)
and is scored on the test file. Preprocessing is what a practitioner writes first: median-imputed,
standardized numbers; one-hot categories; date parts (year, month, day of year, weekday); a bag of
words and bigrams (tf-idf) for text; pixels scaled to [0, 1] for images. The models keep their
defaults except max_iter, so they converge:
  - logistic regression (classification) / ridge regression (regression);
  - gradient-boosted trees (HistGradientBoosting; text enters as 64 SVD components of its tf-idf).

  /usr/bin/python3 bench/real_data/baselines.py <dataset-dir> [...]   → one JSON line per dataset
"""
import json
import os
import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.pipeline import make_pipeline, FunctionTransformer
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler


def date_parts(df):
    out = []
    for c in df.columns:
        d = pd.to_datetime(df[c], errors='coerce')
        out += [d.dt.year, d.dt.month, d.dt.dayofyear, d.dt.weekday]
    return np.column_stack(out).astype(float)


def columns_transformer(meta, for_trees):
    parts = []
    for col, kind in meta['columns'].items():
        if kind == 'numeric':
            parts.append((col, make_pipeline(SimpleImputer(strategy='median'), StandardScaler()), [col]))
        elif kind == 'categorical':
            enc = OrdinalEncoder(handle_unknown='use_encoded_value', unknown_value=-1) if for_trees else OneHotEncoder(handle_unknown='ignore')
            parts.append((col, make_pipeline(SimpleImputer(strategy='constant', fill_value='(missing)'), enc), [col]))
        elif kind == 'datetime':
            parts.append((col, make_pipeline(FunctionTransformer(date_parts), SimpleImputer(strategy='median'), StandardScaler()), [col]))
        elif kind == 'text':
            tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
            parts.append((col, make_pipeline(tfidf, TruncatedSVD(64, random_state=0)) if for_trees else tfidf, col))
    return ColumnTransformer(parts, sparse_threshold=0.3 if not for_trees else 0)


def read_table(d, meta, which):
    kinds = meta['columns']
    dtypes = {c: str for c, k in kinds.items() if k in ('categorical', 'text', 'datetime')}
    df = pd.read_csv(os.path.join(d, meta[which]), dtype=dtypes, keep_default_na=True)
    for c, k in kinds.items():
        if k == 'text':
            df[c] = df[c].fillna('')
    return df.drop(columns=[meta['target']]), df[meta['target']]


def score(task, y, p):
    if task == 'regression':
        return {'rmse': float(np.sqrt(mean_squared_error(y, p)))}
    return {'accuracy': float(accuracy_score(y, p))}


def run(d):
    meta = json.load(open(os.path.join(d, 'meta.json')))
    task = meta['task']
    reg = task == 'regression'
    if meta['kind'] == 'images':
        xtr, xte = np.load(os.path.join(d, 'train-x.npy')) / 255.0, np.load(os.path.join(d, 'test-x.npy')) / 255.0
        ytr, yte = np.load(os.path.join(d, 'train-y.npy')), np.load(os.path.join(d, 'test-y.npy'))
        models = {'logistic': LogisticRegression(max_iter=2000), 'trees': HistGradientBoostingClassifier(random_state=0)}
    else:
        xtr, ytr = read_table(d, meta, 'train')
        xte, yte = read_table(d, meta, 'test')
        linear = Ridge() if reg else LogisticRegression(max_iter=2000)
        trees = HistGradientBoostingRegressor(random_state=0) if reg else HistGradientBoostingClassifier(random_state=0)
        models = {'logistic': make_pipeline(columns_transformer(meta, False), linear),
                  'trees': make_pipeline(columns_transformer(meta, True), trees)}
    out = {'name': meta['name'], 'task': task}
    for name, model in models.items():
        t = time.time()
        model.fit(xtr, ytr)
        out[name] = {**score(task, yte, model.predict(xte)), 'seconds': round(time.time() - t, 2)}
    return out


if __name__ == '__main__':
    for d in sys.argv[1:]:
        print(json.dumps(run(d)), flush=True)
