-- One row per loaded file and borough: how many of the borough's ward codes in the file are 2022
-- wards (dbt seed wards_2022) and how many are not. A file gives each borough on one ward
-- generation (boroughs whose wards did not change in May 2022 keep their codes in old files
-- too); a mix means codes were mangled or two files were joined.
with

codes as (

    select distinct
        landed.source_file,
        landed.borough_name,
        landed.ward_code
    from landed

)

select
    codes.source_file,
    codes.borough_name,
    count(wards.ward_code) as wards_2022,
    count(*) - count(wards.ward_code) as other_wards,
    count(wards.ward_code) = 0 or count(wards.ward_code) = count(*) as is_one_generation
from codes
left join wards_2022 as wards on codes.ward_code = wards.ward_code
group by codes.source_file, codes.borough_name
