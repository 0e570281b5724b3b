-- The MARAC benchmark as the pack reads it: the latest financial year with a year of
-- referrals first.
with

benchmark as (

    select * from {{ ref('kpi_marac_benchmark') }}

),

final as (

    select
        *,
        row_number() over (order by financial_year desc) as recency
    from benchmark

)

select * from final
