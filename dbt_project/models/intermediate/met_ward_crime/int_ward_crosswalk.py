"""Old wards to 2022 wards, learnt from the months both were published for.

One row per borough, old ward and 2022 ward the old ward's crimes are apportioned to, with its
weight (an old ward's weights sum to 1), the borough's holdout error and the fingerprint of the
overlap it was fitted on. The fit is orchestration.sources.met_ward_crime.crosswalk.fit_crosswalk,
tested there.

A table, and a Python model. The overlap months are history, so a borough whose overlap is the
one its weights in the table were fitted on keeps them, and only a borough whose overlap changed
(a revised release, a build as of another date) is fitted again: a refresh costs a fit when the
data calls for one. A table without the fingerprints (or none) is fitted whole.
"""

import pandas as pd

from orchestration.sources.met_ward_crime.crosswalk import (
    CROSSWALK_COLUMNS,
    fit_crosswalk,
    overlap_fingerprints,
)


def _fitted(session, this) -> pd.DataFrame:
    """The weights the table holds, when it holds them with their fingerprints."""
    schema, table = str(this).replace('"', "").split(".")[-2:]
    columns = {
        name
        for (name,) in session.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }
    if not set(CROSSWALK_COLUMNS) <= columns:
        return pd.DataFrame(columns=CROSSWALK_COLUMNS)
    return session.sql(f"select {', '.join(CROSSWALK_COLUMNS)} from {this}").df()


def model(dbt, session):
    dbt.config(materialized="table")
    overlap = dbt.ref("int_ward_crime__overlap").df()
    fingerprints = overlap_fingerprints(overlap)
    fitted = _fitted(session, dbt.this)
    kept = fitted[fitted["overlap_fingerprint"] == fitted["borough_code"].map(fingerprints)]
    refit = overlap[~overlap["borough_code"].isin(set(kept["borough_code"]))]
    fresh = fit_crosswalk(refit, fingerprints)
    return pd.concat([kept, fresh], ignore_index=True)[CROSSWALK_COLUMNS].astype(
        {"weight": float, "holdout_wape": float, "baseline_wape": float}
    )
