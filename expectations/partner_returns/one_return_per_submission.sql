-- One row per figure of a provider's returns: does every return for the same quarter and
-- "submitted on" day give the same figure? (Otherwise nothing says which one counts.)
select
    source_file,
    source_row,
    financial_year || ' Q' || fiscal_quarter as quarter,
    strftime(submitted_on, '%Y-%m-%d') as submitted_on,
    measure,
    count(distinct coalesce(cast(value as varchar), status, 'n/a')) over (
        partition by
            financial_year, fiscal_quarter, submitted_on, measure, basis, period_end,
            breakdown, category, area, plan_item
    ) = 1 as agrees
from landed
