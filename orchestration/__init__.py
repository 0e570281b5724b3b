"""Barnet Safer Communities performance pipeline: the Dagster code location's package."""

import warnings

# `backfill_policy` is a beta parameter in Dagster 1.13, used on purpose: a backfill of many
# months is one run (see docs/decisions.md). Said once here instead of at every asset.
warnings.filterwarnings(
    "ignore", message=r"Parameter `backfill_policy` of function", module="dagster"
)
