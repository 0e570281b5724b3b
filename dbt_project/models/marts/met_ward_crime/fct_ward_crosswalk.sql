-- The crosswalk from old wards to 2022 wards, learnt from the 12 months the Met published both
-- (int_ward_crosswalk), with each borough's holdout error: fitted on the first half of those
-- months, the weighted absolute percentage error of the rebuilt 2022-ward counts in the second,
-- and the same for the borough's total split by the new wards' shares (the baseline to beat).
with

crosswalk as (

    select * from {{ ref('int_ward_crosswalk') }}

),

final as (

    select
        cast(borough_code as varchar) as borough_code,
        cast(old_ward_code as varchar) as old_ward_code,
        cast(new_ward_code as varchar) as new_ward_code,
        cast(weight as double) as weight,
        cast(holdout_wape as double) as holdout_wape,
        cast(baseline_wape as double) as baseline_wape
    from crosswalk

)

select * from final
