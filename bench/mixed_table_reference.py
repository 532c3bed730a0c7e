#!/usr/bin/python3
"""scikit-learn's answer on the same split as sixstep (bench/mixed_table.ts):
a logistic regression on the numbers (median-filled, standardized), the
categories (one-hot) and a bag of words per text column (counts of words and
word pairs, as fastText's input), its C chosen on the validation rows, then
evaluated once on the test rows.

    /usr/bin/python3 bench/mixed_table_reference.py split.json

split.json: {"target", "numeric": [...], "categorical": [...], "text": [...],
"train": [rows], "validation": [rows], "test": [rows]}. Prints one JSON line.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def frame(rows, spec):
    """The rows as a DataFrame: numbers as floats (NaN when missing), categories and texts as strings."""
    cols = {}
    for c in spec["numeric"]:
        cols[c] = [np.nan if r.get(c) in (None, "") else float(r[c]) for r in rows]
    for c in spec["categorical"] + spec["text"]:
        cols[c] = ["" if r.get(c) is None else str(r[c]) for r in rows]
    return pd.DataFrame(cols)


def main():
    spec = json.load(open(sys.argv[1]))
    t0 = time.time()
    parts = []
    if spec["numeric"]:
        parts.append(("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), spec["numeric"]))
    if spec["categorical"]:
        parts.append(("categorical", OneHotEncoder(handle_unknown="ignore"), spec["categorical"]))
    for c in spec["text"]:
        parts.append((f"text_{c}", CountVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b"), c))
    X = {k: frame(spec[k], spec) for k in ("train", "validation", "test")}
    y = {k: np.array([str(r[spec["target"]]) for r in spec[k]]) for k in ("train", "validation", "test")}
    best = None
    for C in (0.03, 0.1, 0.3, 1.0, 3.0, 10.0):
        model = make_pipeline(ColumnTransformer(parts), LogisticRegression(C=C, max_iter=3000))
        model.fit(X["train"], y["train"])
        p = model.predict_proba(X["validation"])
        loss = log_loss(y["validation"], p, labels=model.classes_)
        if best is None or loss < best[0]:
            best = (loss, C, model, accuracy_score(y["validation"], model.predict(X["validation"])))
    loss, C, model, vacc = best
    tp = model.predict_proba(X["test"])
    print(json.dumps({
        "name": "sklearn-bow-numeric-logistic-regression",
        "C": C,
        "validation": {"loss": loss, "accuracy": vacc},
        "test": {"loss": log_loss(y["test"], tp, labels=model.classes_), "accuracy": accuracy_score(y["test"], model.predict(X["test"]))},
        "rows": {k: len(spec[k]) for k in ("train", "validation", "test")},
        "seconds": time.time() - t0,
    }))


if __name__ == "__main__":
    main()
