"""The partnership's quarterly returns: one source per provider, built from the catalogue.

Each provider in `catalogue.yml` is a source of its own (`partner_<key>`): its landing folder
`raw/providers/<key>/` (the template's `.xlsx`, or its Return sheet saved as `.csv`), its raw
table and its publication unit. One hand-written chain of dbt models (`models/*/partnership/`)
reads every provider's raw table; its tables are the combined unit `partnership`, published a
provider's rows at a time (`row_column`), so one provider's refused return holds back only its
own rows. Nothing here names a provider: adding one is an edit to the catalogue.
"""

from __future__ import annotations

from datetime import date

from orchestration.landing.source import Grain, Source, Suite
from orchestration.lib.config import EXPECTATIONS_DIR
from orchestration.lib.periods import FinancialQuarter
from orchestration.lib.units import CombinedUnit
from orchestration.sources.partner_returns.catalogue import Catalogue, Provider, load_catalogue
from orchestration.sources.partner_returns.parser import COLUMNS, ReturnParser

# The suites every provider's gate runs, shared: expectations/partner_returns/.
SUITES_DIR = EXPECTATIONS_DIR / "partner_returns"
SUITES = (
    Suite(
        "one_return_per_submission",
        "two returns for one quarter submitted on the same day give the same figures",
        index_columns=("source_file", "source_row", "quarter", "submitted_on", "measure"),
    ),
    Suite(
        "return_notes",
        "no figure needs a note (a typed percentage recomputed, a figure far outside the "
        "provider's history)",
        blocking=False,
        index_columns=("source_file", "cell", "note"),
    ),
)
# The combined publication unit of the partner chain's tables (fct_partner_measure_quarterly,
# kpi_partner_measures, the breakdowns, comparators and action plans, rpt_partner_measures).
PARTNERSHIP = "partnership"
# The column of those tables that says whose rows they are: the provider's key.
PROVIDER_COLUMN = "provider"
# The staging model that reads every provider's raw table.
STAGING_MODEL = "stg_partner_returns"
PARTNERSHIP_TITLE = "Partnership measures, every provider"


def financial_quarter(start: date) -> str:
    """`2022/23 Q4`: how a return's quarter is named."""
    return FinancialQuarter.containing(start).label


def provider_source(provider: Provider, catalogue: Catalogue) -> Source:
    """The landing source of one provider's returns."""
    return Source(
        key=provider.source_key,
        title=f"{provider.title} quarterly return",
        folder=provider.folder,
        file_types=(".xlsx", ".csv"),
        parser=ReturnParser(provider, catalogue),
        columns=COLUMNS,
        grain=Grain.QUARTER,
        # A figure: the measure (or plan), its basis and period, and on the Figures sheet its
        # breakdown's category, comparator area or plan item.
        figure_keys=(
            "measure",
            "basis",
            "period_end",
            "breakdown",
            "category",
            "area",
            "plan_item",
        ),  # fmt: skip
        figure_columns=("value", "status"),
        period_label=financial_quarter,
        release_rule=(
            "A return's release is its quarter and its 'submitted on' date. For each quarter "
            "the return submitted last wins (then the later file name); the returns it replaces "
            f"stay in raw.{provider.source_key} and the landing ledger (int_partner_figures "
            "holds the chosen figures)."
        ),
        suites=SUITES,
        dbt_staging=(STAGING_MODEL,),
        delivery_day=catalogue.delivery_day,
        licence=catalogue.licence,
        expectations_dir=SUITES_DIR,
    )


CATALOGUE = load_catalogue()
SOURCES: tuple[Source, ...] = tuple(provider_source(p, CATALOGUE) for p in CATALOGUE)
# The chain's tables (dbt_project/models/*/partnership/): each provider's rows publish with
# that provider (from this build, or kept from the last published copy while it is held back);
# every row is kept while a node of the chain itself failed; stale while one provider is.
COMBINED_UNITS = (
    CombinedUnit(
        key=PARTNERSHIP,
        title=PARTNERSHIP_TITLE,
        sources=tuple(source.key for source in SOURCES),
        licence=CATALOGUE.licence,
        row_column=PROVIDER_COLUMN,
        row_values=tuple(provider.key for provider in CATALOGUE),
    ),
)
