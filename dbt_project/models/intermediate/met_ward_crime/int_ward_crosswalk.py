"""Old wards to 2022 wards, learnt from the months both were published for.

One row per borough, old ward and 2022 ward the old ward's crimes are apportioned to, with its
weight (an old ward's weights sum to 1) and the borough's holdout error. The fit is
orchestration.sources.met_ward_crime.crosswalk.fit_crosswalk, tested there.
"""

from orchestration.sources.met_ward_crime.crosswalk import fit_crosswalk


def model(dbt, session):
    # A table: a Python model fits the weights once; it cannot be a view.
    dbt.config(materialized="table")
    overlap = dbt.ref("int_ward_crime__overlap").df()
    return fit_crosswalk(overlap)
