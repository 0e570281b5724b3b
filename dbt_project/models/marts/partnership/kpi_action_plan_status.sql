-- One row per action plan, date and status: how many of the plan's items stand at each of the
-- five statuses, 0 where none does, so the counts always cover all five.
with

items as (

    select * from {{ ref('kpi_action_plan_items') }}

),

statuses as (

    select unnest(['complete', 'on_target', 'at_risk', 'off_target', 'not_started']) as status

),

plans as (

    select distinct
        provider,
        plan,
        as_at
    from items

),

final as (

    select
        cast(plans.provider as varchar) as provider,
        cast(plans.plan as varchar) as plan,
        cast(plans.as_at as date) as as_at,
        cast(statuses.status as varchar) as status,
        cast(count(items.item) as integer) as items
    from plans
    cross join statuses
    left join items
        on
        items.provider = plans.provider
        and items.plan = plans.plan
        and items.as_at = plans.as_at
        and items.status = statuses.status
    group by plans.provider, plans.plan, plans.as_at, statuses.status

)

select * from final
