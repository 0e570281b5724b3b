-- Every provider's accepted returns released by the as-of date, one row per figure cell (the
-- landed rows of docs/decisions.md, "One chain of partner models"). The providers are the
-- catalogue's; a raw table written before the period and breakdown columns existed reads as a
-- quarter's figure and its year to date, as the returns then were.
-- depends_on: {{ ref('partner_providers') }}
with

source as (

    {{ partner_raw_returns(ref('partner_providers')) }}

),

final as (

    select
        source_file,
        source_sha256,
        source_row,
        release,
        released_on,
        loaded_at,
        provider,
        financial_year,
        fiscal_quarter,
        cast(period_start as date) as period_start,
        cast(
            coalesce(
                period_end,
                case
                    when basis in ('quarter', 'year_to_date')
                        then period_start + interval 3 month - interval 1 day
                end
            ) as date
        ) as period_end,
        coalesce(period_kind, basis) as period_kind,
        cast(submitted_on as date) as submitted_on,
        measure,
        basis,
        cell,
        -- A withheld figure has no value, whatever the cell held: never a 0.
        case when status = 'withheld' then null else value end as value,
        typed_value,
        numerator,
        denominator,
        coalesce(is_not_available, false) as is_not_available,
        note,
        breakdown,
        category,
        category_label,
        coalesce(is_not_known, false) as is_not_known,
        area,
        area_label,
        comparator_source,
        plan,
        plan_item,
        item_theme,
        item_owner,
        status
    from source
    where {{ released_by_as_of('released_on') }}

)

select * from final
