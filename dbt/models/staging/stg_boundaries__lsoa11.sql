{#- 2011 LSOA boundaries (ONS, generalised): places 2011 LSOAs that changed in 2021 on today's wards -#}
{{ boundaries_renamed(source('raw', 'boundaries_lsoa11'), 'lsoa') }}
