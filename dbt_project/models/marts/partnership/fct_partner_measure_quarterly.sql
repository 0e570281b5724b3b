-- One row per provider, measure and quarter: the quarter's figure from the ledger (from the
-- quarter's own return, else from the latest return that restates it), with the year to date
-- the same return gave. Figures of other periods, breakdowns, comparators and plan items are
-- in the other partner marts.
with

figures as (

    select * from {{ ref('int_partner_figures') }}
    where breakdown is null and area is null and plan is null

),

measures as (

    select * from {{ ref('partner_measures') }}

),

quarter_figures as (

    select
        *,
        case
            when basis = 'quarter' then financial_year
            else {{ financial_year_of('period_start') }}
        end as figure_year,
        case
            when basis = 'quarter' then fiscal_quarter
            else {{ fiscal_quarter_of('period_start') }}
        end as figure_quarter
    from figures
    where basis = 'quarter' or (basis = 'period' and period_kind = 'quarter')
    qualify row_number() over (
            partition by provider, measure, period_start
            order by basis = 'quarter' desc, submitted_on desc, source_file desc
        ) = 1

),

ytd_figures as (

    select * from figures
    where basis = 'year_to_date'

),

final as (

    select
        cast(quarter_figures.provider as varchar) as provider,
        cast(quarter_figures.measure as varchar) as measure,
        cast(measures.label as varchar) as label,
        cast(measures.unit as varchar) as unit,
        cast(quarter_figures.figure_year as varchar) as financial_year,
        cast(quarter_figures.figure_quarter as integer) as quarter,
        cast(quarter_figures.period_start as date) as period_start,
        cast(quarter_figures.period_start + interval 3 month - interval 1 day as date)
            as period_end,
        cast('quarter' as varchar) as period_kind,
        cast(quarter_figures.value as double) as value,
        cast(quarter_figures.numerator as double) as numerator,
        cast(quarter_figures.denominator as double) as denominator,
        -- As typed, where the published figure is recomputed from its counts.
        cast(
            case when measures.numerator is not null then quarter_figures.typed_value end
            as double
        ) as provider_value,
        cast(quarter_figures.is_not_available as boolean) as is_not_available,
        cast(quarter_figures.status as varchar) as status,
        cast(ytd_figures.value as double) as returned_ytd_value,
        cast(ytd_figures.numerator as double) as returned_ytd_numerator,
        cast(ytd_figures.denominator as double) as returned_ytd_denominator,
        cast(
            case when measures.numerator is not null then ytd_figures.typed_value end
            as double
        ) as provider_ytd_value,
        cast(nullif(concat_ws(' ', quarter_figures.note, ytd_figures.note), '') as varchar)
            as note,
        cast(quarter_figures.submitted_on as date) as submitted_on,
        cast(quarter_figures.source_file as varchar) as source_file,
        cast(quarter_figures.source_sha256 as varchar) as source_sha256,
        cast(quarter_figures.cell as varchar) as source_cell,
        cast(measures.sort_order as integer) as sort_order
    from quarter_figures
    inner join measures
        on
        measures.provider = quarter_figures.provider
        and measures.measure = quarter_figures.measure
    left join ytd_figures
        on
        ytd_figures.provider = quarter_figures.provider
        and ytd_figures.source_file = quarter_figures.source_file
        and ytd_figures.measure = quarter_figures.measure
        and quarter_figures.basis = 'quarter'

)

select * from final
