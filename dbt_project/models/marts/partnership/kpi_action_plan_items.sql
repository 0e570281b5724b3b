-- One row per item of an action plan, as at the date its return gives: its theme, owner and
-- status (complete, on target, at risk, off target, not started).
with

items as (

    select * from {{ ref('int_partner_figures') }}
    where plan is not null

),

final as (

    select
        cast(provider as varchar) as provider,
        cast(plan as varchar) as plan,
        cast(plan_item as varchar) as item,
        cast(item_theme as varchar) as theme,
        cast(item_owner as varchar) as owner,
        cast(status as varchar) as status,
        cast(period_end as date) as as_at,
        cast(source_file as varchar) as source_file
    from items

)

select * from final
