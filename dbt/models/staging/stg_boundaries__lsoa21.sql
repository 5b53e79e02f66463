{#- 2021 LSOA boundaries (ONS, generalised): places LSOAs on today's wards where no lookup does -#}
{{ boundaries_renamed(source('raw', 'boundaries_lsoa21'), 'lsoa') }}
