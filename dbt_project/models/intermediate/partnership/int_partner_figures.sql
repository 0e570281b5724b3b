-- The ledger of every provider's figures as published: for each provider and return quarter,
-- the figures of the return submitted last (then the later file name); the returns it replaces
-- stay in the raw tables and the landing ledger. A figure a later chosen return gives again
-- (a year's figure repeated each quarter, an earlier quarter restated) is taken from the latest.
with

staged as (

    select * from {{ ref('stg_partner_returns') }}

),

returns as (

    select distinct
        provider,
        financial_year,
        fiscal_quarter,
        submitted_on,
        source_file
    from staged

),

latest as (

    select
        *,
        row_number() over (
            partition by provider, financial_year, fiscal_quarter
            order by submitted_on desc, source_file desc
        ) as recency
    from returns

),

chosen as (

    select staged.*
    from staged
    inner join latest
        on
        latest.provider = staged.provider
        and latest.source_file = staged.source_file
        and latest.recency = 1

),

final as (

    select *
    from chosen
    qualify row_number() over (
            partition by
                provider, measure, basis, period_kind, period_start, period_end, breakdown,
                category, area, plan_item
            order by financial_year desc, fiscal_quarter desc, submitted_on desc, source_file desc
        ) = 1

)

select * from final
