"""From old wards to the 2022 wards, learnt from the months both were published for.

No official lookup from London's pre-2022 wards to its 2022 wards exists. But the Met published
12 months (September 2021 to August 2022) on both: the old-ward file runs to August 2022, the
2022-ward file is back-cast from September 2021. For every borough whose wards changed, those
months give, per category and month, each old ward's count and each new ward's count of the same
crimes. The crosswalk is the set of weights W[o, n] >= 0, each old ward's weights summing to 1,
that best rebuild the new wards' counts from the old wards' (least squares over every category
and month of the overlap):

    new[n, m, c]  ~  sum over o of  W[o, n] * old[o, m, c]

Because each old ward's weights sum to 1, apportioned figures add up to the borough's total
exactly. The fit is a projected gradient descent onto those constraints (numpy only), from an
even split. Its error is measured on months it has not seen: fitted on the first half of the
overlap, the weighted absolute percentage error (WAPE) of the rebuilt new-ward counts in the
second half; beside it, the WAPE of the simplest alternative, the borough's total split by each
new ward's share of each category in the first half. The published weights are then fitted on
the whole overlap.

Each borough's fit is keyed by a fingerprint of its overlap: the overlap months are history, so
a refresh refits only a borough whose overlap changed (a revised release, a build as of another
date) and keeps the others' weights (`int_ward_crosswalk`, an incremental model).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

ITERATIONS = 3000


@dataclass(frozen=True)
class Fit:
    """One borough's weights, and how well they rebuild counts they were not fitted on."""

    old_wards: list[str]
    new_wards: list[str]
    weights: np.ndarray  # old x new, rows on the simplex
    holdout_wape: float | None
    baseline_wape: float | None


def project_rows_to_simplex(matrix: np.ndarray) -> np.ndarray:
    """Each row to the nearest point with non-negative entries summing to 1 (Duchi et al. 2008)."""
    rows, cols = matrix.shape
    ordered = -np.sort(-matrix, axis=1)
    cumulative = np.cumsum(ordered, axis=1) - 1.0
    index = np.arange(1, cols + 1)
    valid = ordered - cumulative / index > 0
    last = cols - 1 - np.argmax(valid[:, ::-1], axis=1)
    theta = cumulative[np.arange(rows), last] / (last + 1)
    return np.maximum(matrix - theta[:, None], 0.0)


def fit_weights(old: np.ndarray, new: np.ndarray, iterations: int = ITERATIONS) -> np.ndarray:
    """W minimising ||old @ W - new||^2 with each row of W on the simplex.

    Args:
        old: observations x old wards (one observation per category and month).
        new: observations x new wards, the same observations.
    """
    n_old, n_new = old.shape[1], new.shape[1]
    weights = np.full((n_old, n_new), 1.0 / n_new)
    gram = old.T @ old
    cross = old.T @ new
    # A step below 1 / the largest eigenvalue of the Gram matrix never overshoots.
    step = 1.0 / max(float(np.linalg.eigvalsh(gram)[-1]), 1e-12)
    for _ in range(iterations):
        weights = project_rows_to_simplex(weights - step * (gram @ weights - cross))
    return weights


def _matrices(frame: pd.DataFrame, months: list) -> tuple[np.ndarray, np.ndarray, list, list]:
    part = frame[frame["month"].isin(months)]
    old = part[part["generation"] == "old"].pivot_table(
        index=["category", "month"], columns="ward_code", values="offence_count", fill_value=0
    )
    new = part[part["generation"] == "new"].pivot_table(
        index=["category", "month"], columns="ward_code", values="offence_count", fill_value=0
    )
    index = old.index.union(new.index)
    old, new = old.reindex(index, fill_value=0), new.reindex(index, fill_value=0)
    return old.to_numpy(float), new.to_numpy(float), list(old.columns), list(new.columns)


def fit_borough(frame: pd.DataFrame) -> Fit:
    """The crosswalk of one borough from its overlap months.

    Args:
        frame: `generation` ('old' or 'new'), `ward_code`, `category`, `month`,
            `offence_count`, for the months both generations were published.
    """
    months = sorted(frame["month"].unique())
    half = len(months) // 2
    wape = baseline = None
    if half:
        old, new, _, _ = _matrices(frame, months[:half])
        weights = fit_weights(old, new)
        test_old, test_new, _, _ = _matrices(frame, months[half:])
        total = float(np.abs(test_new).sum())
        if total:
            wape = float(np.abs(test_old @ weights - test_new).sum()) / total
            baseline = _baseline_wape(frame, months[:half], months[half:])
    old, new, old_wards, new_wards = _matrices(frame, months)
    return Fit(old_wards, new_wards, fit_weights(old, new), wape, baseline)


def _baseline_wape(frame: pd.DataFrame, train: list, test: list) -> float | None:
    """The borough's new-ward total per category and month, split by the new wards' shares of
    that category in the training months: the crosswalk's error to beat."""
    new = frame[frame["generation"] == "new"]
    trained = (
        new[new["month"].isin(train)].groupby(["category", "ward_code"])["offence_count"].sum()
    )
    shares = (trained / trained.groupby(level="category").transform("sum")).fillna(0.0)
    tested = new[new["month"].isin(test)]
    totals = tested.groupby(["category", "month"])["offence_count"].sum().rename("total")
    predicted = (
        tested.join(totals, on=["category", "month"])
        .join(shares.rename("share"), on=["category", "ward_code"])
        .fillna({"share": 0.0})
    )
    observed = float(predicted["offence_count"].abs().sum())
    if not observed:
        return None
    error = (predicted["total"] * predicted["share"] - predicted["offence_count"]).abs().sum()
    return float(error) / observed


OVERLAP_COLUMNS = ["generation", "ward_code", "category", "month", "offence_count"]
CROSSWALK_COLUMNS = [
    "borough_code",
    "old_ward_code",
    "new_ward_code",
    "weight",
    "holdout_wape",
    "baseline_wape",
    "overlap_fingerprint",
]


def overlap_fingerprints(overlap: pd.DataFrame) -> dict[str, str]:
    """Borough -> a SHA-256 of its overlap rows, whatever their order: the same overlap, the
    same fit."""
    fingerprints = {}
    for borough, frame in overlap.groupby("borough_code", sort=True):
        rows = frame[OVERLAP_COLUMNS].sort_values(OVERLAP_COLUMNS)
        hashes = pd.util.hash_pandas_object(rows, index=False).to_numpy()
        fingerprints[str(borough)] = hashlib.sha256(hashes.tobytes()).hexdigest()
    return fingerprints


def fit_crosswalk(
    overlap: pd.DataFrame, fingerprints: dict[str, str] | None = None
) -> pd.DataFrame:
    """One row per borough, old ward and new ward with a weight above 0.0005.

    Args:
        overlap: `borough_code` and the columns `fit_borough` reads.
        fingerprints: each borough's `overlap_fingerprints`, kept beside its weights.
    """
    fingerprints = fingerprints if fingerprints is not None else overlap_fingerprints(overlap)
    rows = []
    for borough, frame in overlap.groupby("borough_code", sort=True):
        fit = fit_borough(frame)
        for i, old_ward in enumerate(fit.old_wards):
            for j, new_ward in enumerate(fit.new_wards):
                weight = float(fit.weights[i, j])
                if weight > 0.0005:
                    rows.append(
                        (
                            borough,
                            old_ward,
                            new_ward,
                            weight,
                            fit.holdout_wape,
                            fit.baseline_wape,
                            fingerprints[str(borough)],
                        )
                    )
    crosswalk = pd.DataFrame(rows, columns=CROSSWALK_COLUMNS).astype(
        {"weight": float, "holdout_wape": float, "baseline_wape": float}
    )
    # Small weights dropped: each old ward's remaining weights are scaled back to sum to 1.
    crosswalk["weight"] = crosswalk["weight"] / crosswalk.groupby(
        ["borough_code", "old_ward_code"]
    )["weight"].transform("sum")
    return crosswalk
