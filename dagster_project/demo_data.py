"""Deterministic SYNTHETIC demonstration data in the exact layouts of real public releases.

Run ``python -m dagster_project.demo_data [--out DIR]`` (default ``data/raw/``). Every value
is invented from one seeded random generator: a latent deprivation level per LSOA, with
ward-level gradients, drives correlated income, employment, health, skills and other
indicators, with gentle trends between releases. Headers, quoting, row order and number
formatting copy the real files (see ``../shared/real``), which are never read here. Two
ward-level files (deaths; emergency admissions) stand for local extracts with no public layout.
Output is byte-for-byte reproducible; ``demo_manifest.json`` lists each file's SHA-256 so
the pipeline can flag its rows as demonstration data.

``--councils N`` writes N councils into each file, as a regional or national release would:
Wigan, then other councils with synthetic LSOA and ward codes, the same LSOA values and a
different (seeded) assignment of LSOAs to wards, so each council's wards, quintiles and gaps
differ. One council (the default) is the bundled data.
"""

import argparse
import csv
import hashlib
import io
import json
import math
import statistics
import zlib
from bisect import bisect_right
from pathlib import Path

import numpy as np

SEED = 20230504
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "data" / "raw"

LAD_CODE, LAD_NAME = "E08000010", "Wigan"
# Further councils for multi-council demonstrations (--councils N): real codes and names, invented data.
OTHER_COUNCILS = (
    ("E08000001", "Bolton"), ("E08000002", "Bury"), ("E08000003", "Manchester"), ("E08000004", "Oldham"),
    ("E08000005", "Rochdale"), ("E08000006", "Salford"), ("E08000007", "Stockport"), ("E08000008", "Tameside"),
    ("E08000009", "Trafford"),
)
LSOA_CODES = tuple(f"E0100{n}" for n in range(6212, 6412))  # 200 codes; LSOA 2011 == 2021 for Wigan
LSOAS_PER_WARD = 8
N_LSOA_2019, N_LSOA_2025 = 32_844, 33_755  # LSOAs in England, IoD2019 and IoD2025
N_LSOA = {2015: 32_844, 2019: N_LSOA_2019, 2025: N_LSOA_2025}  # IoD2015 used the same 2011 LSOAs
N_UK_COMPOSITE = 41_729  # small areas in mySociety's composite UK index

# May 2023 wards: code, name, mean latent deprivation (synthetic; positive = more deprived).
WARDS = (
    ("E05014989", "Abram", 0.7),
    ("E05014990", "Ashton-in-Makerfield South", 0.1),
    ("E05014991", "Aspull, New Springs & Whelley", 0.0),
    ("E05014992", "Astley", -0.9),
    ("E05014993", "Atherton North", 0.2),
    ("E05014994", "Atherton South & Lilford", 0.4),
    ("E05014995", "Bryn with Ashton-in-Makerfield North", 0.2),
    ("E05014996", "Douglas", 1.0),
    ("E05014997", "Golborne & Lowton West", -0.2),
    ("E05014998", "Hindley", 0.9),
    ("E05014999", "Hindley Green", 0.0),
    ("E05015000", "Ince", 1.5),
    ("E05015001", "Leigh Central & Higher Folds", 0.7),
    ("E05015002", "Leigh South", -0.3),
    ("E05015003", "Leigh West", 1.2),
    ("E05015004", "Lowton East", -1.1),
    ("E05015005", "Orrell", -0.8),
    ("E05015006", "Pemberton", 0.8),
    ("E05015007", "Shevington with Lower Ground & Moor", -0.7),
    ("E05015008", "Standish with Langtree", -1.3),
    ("E05015009", "Tyldesley & Mosley Common", 0.1),
    ("E05015010", "Wigan Central", 1.1),
    ("E05015011", "Wigan West", 0.0),
    ("E05015012", "Winstanley", -0.8),
    ("E05015013", "Worsley Mesnes", 1.3),
)

# December 2017 wards (real codes and names; the LSOA assignment below is synthetic).
WARDS_2017 = (
    ("E05000840", "Abram"), ("E05000841", "Ashton"), ("E05000842", "Aspull New Springs Whelley"),
    ("E05000843", "Astley Mosley Common"), ("E05000844", "Atherleigh"), ("E05000845", "Atherton"),
    ("E05000846", "Bryn"), ("E05000847", "Douglas"), ("E05000848", "Golborne and Lowton West"),
    ("E05000849", "Hindley"), ("E05000850", "Hindley Green"), ("E05000851", "Ince"), ("E05000852", "Leigh East"),
    ("E05000853", "Leigh South"), ("E05000854", "Leigh West"), ("E05000855", "Lowton East"), ("E05000856", "Orrell"),
    ("E05000857", "Pemberton"), ("E05000858", "Shevington with Lower Ground"), ("E05000859", "Standish with Langtree"),
    ("E05000860", "Tyldesley"), ("E05000861", "Wigan Central"), ("E05000862", "Wigan West"),
    ("E05000863", "Winstanley"), ("E05000864", "Worsley Mesnes"),
)
CLAIMANT_MONTHS = tuple(f"{y}-{m:02d}" for y in range(2014, 2018) for m in range(1, 13))[:46]  # 2014-01 .. 2017-10
INSOLVENCY_YEARS = tuple(range(2012, 2023))
INSOLVENCY_TYPES = ("Bankruptcy", "DRO", "IVA")  # then Total

F_LOOKUP = "lookup_lsoa21_to_ward2023_bestfit_wigan.csv"
F_LOOKUP17 = "lookup_lsoa11_to_ward2017_bestfit_wigan.csv"
F_CLAIMANTS_WARD17 = "nomis_claimant_count_ward_monthly_2014_2017_wigan.csv"
F_INSOLVENCIES = "individual_insolvencies_ward_annual_2012_2022_wigan.csv"
F_POPULATION_2016 = "population_mid2016_lsoa_syoa_wigan.csv"
F_IOD19_FILE8 = "iod2019_file8_underlying_indicators_wigan.csv"
F_IOD19_FILE6 = "iod2019_file6_population_denominators_wigan.csv"
F_IOD19_SCORES = "iod2019_scores_imd_income_employment_wigan_mysociety.csv"
F_IOD25_FILE8 = "iod2025_file8_underlying_indicators_wigan.csv"
F_IOD25_SCORES = "iod2025_lsoa21_scores_ranks_deciles_wigan.csv"
F_IOD25_FILE6 = "iod2025_file6_population_denominators_wigan.csv"
F_CENSUS21 = "census2021_ts067_highest_qualification_lsoa21_wigan.csv"
F_CENSUS11 = "census2011_ks501ew_highest_qualification_lsoa11_wigan.csv"
F_IOD15_LONG = "iod2015_lsoa_long_wigan.csv"
F_HOUSEHOLD_DEPRIVATION = "census2021_household_deprivation_lsoa21_wigan.csv"
F_CLAIMANTS = "claimant_count_lsoa_2018-11_wigan.csv"
F_MORTALITY = "mortality_ward2023_age_sex_wigan.csv"
F_ADMISSIONS = "emergency_admissions_ward2023_age_wigan.csv"
F_UC_HOUSEHOLDS = "dwp_uc_households_msoa11_monthly_2015_2023_wigan.csv"
F_CILIF = "dwp_cilif_relative_msoa11_fye2015_2022_wigan.csv"
F_HOUSEHOLD_DEPRIVATION_2011 = "census2011_household_deprivation_lsoa11_wigan.csv"
F_DISABILITY = "census2021_disability_lsoa21_wigan.csv"
F_GENERAL_HEALTH_LONG = "census2021_general_health_lsoa_wigan.csv"
F_LOCALHEALTH = "wigan_ward_health_localhealth_series.csv"
F_LOOKUP_OA11 = "lookup_oa11_lsoa11_msoa11_wigan.csv"
F_LOOKUP_LSOA11_21 = "lookup_lsoa11_to_lsoa21_wigan.csv"
F_POPULATIONS = {year: f"population_mid{year}_lsoa11_syoa_wigan.csv" for year in (2017, 2019, 2020)}
F_UNPAID_CARE_LONG = "census2021_unpaid_care_lsoa_wigan.csv"
F_ECONOMIC_ACTIVITY_LONG = "census2021_economic_activity_status_lsoa_wigan.csv"
F_QUALIFICATION_LONG = "census2021_highest_level_qualification_lsoa_wigan.csv"
F_LOOKUP_OA21 = "lookup_oa21_lsoa21_msoa21_wigan.csv"
F_POPULATIONS_21 = {year: f"population_mid{year}_lsoa21_syoa_wigan.csv" for year in (2022, 2024)}
# Ward-level files standing for local extracts councils receive (no public national layout).
LOCAL_EXTRACTS = (F_MORTALITY, F_ADMISSIONS)

# The real release each file copies the layout of (README and manifest).
LAYOUTS = {
    F_LOOKUP17: "ONS LSOA (2011) to Electoral Ward (December 2017) best-fit lookup, as extracted by "
    "traffordDataLab/spatial_data (with LSOA names)",
    F_CLAIMANTS_WARD17: "ONS/DWP Claimant Count (Nomis NM_162_1), 2017 wards and the district, monthly "
    "January 2014 to October 2017, as downloaded by Trafford Data Lab (ward names with a ' (Wigan)' "
    "suffix; counts rounded to 5)",
    F_INSOLVENCIES: "The Insolvency Service, individual insolvencies by ward (2017 wards), calendar years "
    "2012 to 2022 wide, one row per ward and type (Bankruptcy, DRO, IVA, Total)",
    F_POPULATION_2016: "ONS small area population estimates, mid-2016, LSOA 2011 by single year of age, as "
    "reshaped by Trafford Data Lab (totals that are whole thousands written as R does, e.g. 2e3)",
    F_LOOKUP: "ONS LSOA (2021) to Electoral Ward (May 2023) best-fit lookup; same layout as the "
    "LSOA21 to Ward (May 2022) lookup extract (traffordDataLab/spatial_data), with 23 for 22",
    F_IOD19_FILE8: "MHCLG English Indices of Deprivation 2019, File 8 (underlying indicators), "
    "as converted by the humaniverse/IMD R package",
    F_IOD19_FILE6: "MHCLG English Indices of Deprivation 2019, File 6 (population denominators, mid-2015)",
    F_IOD19_SCORES: "mySociety composite UK IMD (UK_IMD_E.csv), built from MHCLG IoD2019 File 5 scores",
    F_IOD25_FILE8: "MHCLG English Indices of Deprivation 2025, File 8 (underlying indicators), "
    "as converted by the humaniverse/IMD R package",
    F_IOD25_SCORES: "MHCLG English Indices of Deprivation 2025, File 7 (scores, ranks, deciles), "
    "as selected by the humaniverse/IMD R package",
    F_IOD25_FILE6: "MHCLG English Indices of Deprivation 2025, File 6 style (population denominators, "
    "mid-2022), mirroring the IoD2019 File 6 layout",
    F_CENSUS21: "ONS Census 2021 TS067 (highest level of qualification), LSOA 2021 bulk download layout",
    F_CENSUS11: "ONS Census 2011 KS501EW (highest level of qualification), LSOA 2011; mirrors the "
    "Census 2021 TS067 bulk download layout (not KS501EW's own layout)",
    F_IOD15_LONG: "DCLG English Indices of Deprivation 2015 (scores, ranks, deciles of the IMD, 7 domains, "
    "IDACI and IDAOPI), long format as reshaped by Trafford Data Lab (IMD_2015_long.csv)",
    F_HOUSEHOLD_DEPRIVATION: "ONS Census 2021 TS011 (households by deprivation dimensions), LSOA 2021, "
    "as converted by the humaniverse/IMD R package",
    F_CLAIMANTS: "ONS/DWP Claimant Count (Nomis NM_162_1), LSOA 2011, November 2018, as reshaped by "
    "Trafford Data Lab; unlike the published counts (rounded to 5) these are not rounded, so small "
    "numbers (1-4) occur",
    F_MORTALITY: "Local-extract layout (no public national layout): deaths and mid-year populations from the "
    "ONS Public Health Mortality file, aggregated to May 2023 wards; pooled 3-year periods, by sex and the "
    "20 life-table age bands; unsuppressed, so small numbers (0-4) occur",
    F_UC_HOUSEHOLDS: "DWP Stat-Xplore, households on Universal Credit by MSOA (2011), monthly August 2015 to "
    "December 2022 and November 2023, wide with an annotations column per month ('(r)' revised, '(p)' provisional; "
    "'..' nil or negligible), MSOA codes added beside the names (MatteoLarrode/ChildrenLowIncomeHouseholdsUK)",
    F_CILIF: "DWP Stat-Xplore, children aged 0 to 15 in relative low income families by MSOA (2011), financial "
    "years 2014/15 to 2021/22 (p), wide with annotations, MSOA codes added beside the names",
    F_HOUSEHOLD_DEPRIVATION_2011: "ONS Census 2011 QS119EW (households by deprivation dimensions), LSOA 2011, "
    "as converted by the humaniverse/IMD R package (proportion 0-1)",
    F_DISABILITY: "ONS Census 2021 TS038 (disability, Equality Act), LSOA 2021, two categories, as converted "
    "by the humaniverse/demographr R package",
    F_GENERAL_HEALTH_LONG: "ONS Census 2021 TS037 (general health), LSOA 2021, long, as extracted from Nomis "
    "by Trafford Data Lab (2021_general_health_lsoa_trafford.csv)",
    F_LOCALHEALTH: "OHID Local Health ward indicators on the wards before May 2023 (here the December 2017 "
    "wards), rolling periods, as published by Trafford Data Lab (ward_data/health/data) and stacked with "
    "source path and commit",
    F_LOOKUP_OA11: "ONS output area (2011) to LSOA to MSOA to LAD lookup (traffordDataLab/spatial_data "
    "statistical_lookup.csv); one output area per LSOA here",
    F_LOOKUP_LSOA11_21: "ONS LSOA (2011) to LSOA (2021) to LAD (2022) lookup with change codes, as converted by "
    "the humaniverse/geographr R package (every Wigan LSOA unchanged: U)",
    F_UNPAID_CARE_LONG: "ONS Census 2021 TS039 (unpaid care), LSOA 2021, long, as extracted from Nomis by Trafford "
    "Data Lab (2021_unpaid_care_lsoa_trafford.csv)",
    F_ECONOMIC_ACTIVITY_LONG: "ONS Census 2021 TS066 (economic activity status, 19 categories), LSOA 2021, long, as "
    "extracted from Nomis by Trafford Data Lab (2021_economic_activity_status_lsoa_trafford.csv)",
    F_QUALIFICATION_LONG: "ONS Census 2021 TS067 (highest level of qualification), LSOA 2021, long, as extracted "
    "from Nomis by Trafford Data Lab (2021_highest_level_qualification_lsoa_trafford.csv)",
    F_LOOKUP_OA21: "ONS output area (2021) to LSOA to MSOA to LAD (2022) lookup (traffordDataLab/spatial_data "
    "lookups/2021/statistical_lookup.csv); one output area per LSOA here",
    **{name: f"ONS small area population estimates, mid-{year}, LSOA 2021 by sex (Females, Males, Persons) and "
       "single year of age, as extracted by Trafford Data Lab" for year, name in F_POPULATIONS_21.items()},
    **{name: f"ONS small area population estimates, mid-{year}, LSOA 2011 by single year of age, as converted "
       "by the humaniverse/demographr R package (counts written as R doubles, e.g. 1585.0)"
       for year, name in F_POPULATIONS.items()},
    F_ADMISSIONS: "Local-extract layout (no public national layout): emergency hospital admissions from "
    "Hospital Episode Statistics with mid-year populations, aggregated to May 2023 wards; financial years, "
    "persons, the 19 ESP2013 age bands; unsuppressed",
}

HEADER_LOOKUP = ("lsoa21cd", "lsoa21nm", "wd23cd", "wd23nm", "lad23cd", "lad23nm")
HEADER_IOD19_FILE8 = (
    "lsoa11_code",
    "income_domain_numerator",
    "income_deprivation_affecting_children_index_idaci_numerator",
    "income_deprivation_affecting_older_people_index_idaopi_numerator",
    "employment_domain_numerator",
    "staying_on_in_education_post_16_indicator",
    "entry_to_higher_education_indicator",
    "adult_skills_and_english_language_proficiency_indicator",
    "years_of_potential_life_lost_indicator",
    "comparative_illness_and_disability_ratio_indicator",
    "acute_morbidity_indicator",
    "mood_and_anxiety_disorders_indicator",
    "road_distance_to_a_post_office_indicator_km",
    "road_distance_to_a_primary_school_indicator_km",
    "road_distance_to_general_store_or_supermarket_indicator_km",
    "road_distance_to_a_gp_surgery_indicator_km",
    "household_overcrowding_indicator",
    "homelessness_indicator_rate_per_1000_households",
    "owner_occupation_affordability_component_of_housing_affordability_indicator",
    "private_rental_affordability_component_of_housing_affordability_indicator",
    "housing_affordability_indicator",
    "housing_in_poor_condition_indicator",
    "houses_without_central_heating_indicator",
    "road_traffic_accidents_indicator",
    "nitrogen_dioxide_component_of_air_quality_indicator",
    "benzene_component_of_air_quality_indicator",
    "sulphur_dioxide_component_of_air_quality_indicator",
    "particulates_component_of_air_quality_indicator",
    "air_quality_indicator",
)
HEADER_IOD19_FILE6 = (
    "LSOA code (2011)",
    "LSOA name (2011)",
    "Local Authority District code (2019)",
    "Local Authority District name (2019)",
    "Total population: mid 2015 (excluding prisoners)",
    "Dependent Children aged 0-15: mid 2015 (excluding prisoners)",
    "Population aged 16-59: mid 2015 (excluding prisoners)",
    "Older population aged 60 and over: mid 2015 (excluding prisoners)",
    "Working age population 18-59/64: for use with Employment Deprivation Domain (excluding prisoners)",
)
HEADER_IOD19_SCORES = (
    "nation",
    "lsoa",
    "overall_local_score",
    "income_score",
    "employment_score",
    "UK_IMD_E_score",
    "original_decile",
    "E_expanded_decile",
    "UK_IMD_E_rank",
    "UK_IMD_E_pop_decile",
    "UK_IMD_E_pop_quintile",
)
HEADER_IOD25_FILE8 = (
    "lsoa21_code",
    "income_domain_numerator",
    "income_deprivation_affecting_children_index_idaci_numerator",
    "income_deprivation_affecting_older_people_index_idaopi_numerator",
    "employment_domain_numerator",
    "adult_skills_and_english_language_proficiency_indicator",
    "entry_to_higher_education_indicator",
    "acute_morbidity_indicator",
    "comparative_illness_and_disability_ratio_indicator",
    "mental_health_indicator",
    "years_of_potential_life_lost_indicator",
    "violence_with_injury_rate_per_1_000_at_risk_population",
    "violence_without_injury_rate_per_1_000_at_risk_population",
    "stalking_and_harassment_rate_per_1_000_at_risk_population",
    "burglary_rate_per_1_000_at_risk_properties",
    "theft_rate_per_1_000_at_risk_population",
    "criminal_damage_rate_per_1_000_at_risk_population",
    "public_order_and_possession_of_weapons_rate_per_1_000_at_risk_population",
    "anti_social_behaviour_rate_per_1_000_at_risk_population",
    "connectivity_score",
    "owner_occupation_affordability_component_of_housing_affordability_indicator",
    "private_rental_affordability_component_of_housing_affordability_indicator",
    "housing_affordability_indicator",
    "digital_connectivity_broadband_download_and_upload_speeds",
    "core_homelessness_rate_percent_of_households",
    "patient_to_gp_ratio",
    "homelessness_indicator_rate_per_1_000_households",
    "household_overcrowding_indicator_rooms",
    "household_overcrowding_indicator_bedrooms",
)
IOD25_DOMAINS = ("IMD", "Income", "Employment", "Education", "Health", "Crime", "Housing_and_Services", "Environment")
HEADER_IOD25_SCORES = (
    ("lsoa21_code",)
    + tuple(f"{d}_decile" for d in IOD25_DOMAINS)
    + tuple(f"{d}_rank" for d in IOD25_DOMAINS)
    + tuple(f"{d}_score" for d in IOD25_DOMAINS)
)
HEADER_IOD25_FILE6 = (
    "LSOA code (2021)",
    "LSOA name (2021)",
    "Local Authority District code (2024)",
    "Local Authority District name (2024)",
    "Total population: mid 2022 (excluding prisoners)",
    "Dependent Children aged 0-15: mid 2022 (excluding prisoners)",
    "Population aged 16-59: mid 2022 (excluding prisoners)",
    "Older population aged 60 and over: mid 2022 (excluding prisoners)",
    "Working age population 18-66 (for use with Employment Deprivation Domain): mid 2022 (excluding prisoners)",
)
QUALIFICATIONS = (
    "No qualifications",
    "Level 1 and entry level qualifications",
    "Level 2 qualifications",
    "Apprenticeship",
    "Level 3 qualifications",
    "Level 4 qualifications and above",
    "Other qualifications",
)
HEADER_CENSUS = (
    "date",
    "geography",
    "geography code",
    "Highest level of qualification: Total: All usual residents aged 16 years and over",
) + tuple(f"Highest level of qualification: {q}" for q in QUALIFICATIONS)

HEADER_IOD15_LONG = ("lsoa11cd", "measure", "value", "index_domain")
IOD15_MEASURES = ("Score", "Rank", "Decile")
IOD15_DOMAINS = (  # index_domain label, latent domain
    ("Index of Multiple Deprivation", "IMD"),
    ("Income", "income"),
    ("Employment", "employment"),
    ("Education, Skills and Training", "education"),
    ("Health Deprivation and Disability", "health"),
    ("Crime", "crime"),
    ("Barriers to Housing and Services", "housing"),
    ("Living Environment", "environment"),
    ("Income Deprivation Affecting Children", "idaci"),
    ("Income Deprivation Affecting Older People", "idaopi"),
)
# IDACI and IDAOPI latents: (Wigan median national fraction, spread, loading on the income domain).
IOD15_SUPPLEMENTARY = {"idaci": (0.42, 0.95, 0.9), "idaopi": (0.50, 0.75, 0.8)}
HEADER_HOUSEHOLD_DEPRIVATION = ("lsoa21_code", "households_number_deprivation_dimensions", "count", "percent")
# Households deprived in >= 1, 2, 3, 4 dimensions: logit (intercept, slope on deprivation), synthetic.
HOUSEHOLD_LOGITS = ((0.05, 0.42), (-1.55, 0.6), (-3.3, 0.8), (-6.4, 0.8))
HEADER_CLAIMANTS = ("Date", "Geography", "Measure Type", "Unit", "Value")
HEADER_LOOKUP17 = ("lsoa11cd", "lsoa11nm", "wd17cd", "wd17nm", "lad17cd", "lad17nm")
HEADER_CLAIMANTS_WARD17 = ("date", "area_code", "area_name", "measure", "value")
HEADER_INSOLVENCIES = ("ward_code", "ward_name", "local_authority_code", "local_authority_name", "insolvency_type",
                       *map(str, INSOLVENCY_YEARS))
HEADER_POPULATION_2016 = ("lsoa11cd", "lsoa11nm", "lad16nm", "total_pop", *map(str, range(90)), "90+")
HEADER_MORTALITY = ("period", "area_code", "area_name", "sex", "age_band", "deaths", "population")
HEADER_ADMISSIONS = ("period", "area_code", "area_name", "age_band", "admissions", "population")

# Wigan-wide shares by qualification (synthetic) and their sensitivity to skills deprivation.
QUAL_SHARES = {
    2011: (0.275, 0.155, 0.165, 0.045, 0.115, 0.205, 0.040),
    2021: (0.215, 0.110, 0.145, 0.070, 0.165, 0.265, 0.030),
}
QUAL_BETAS = (0.45, 0.18, 0.06, 0.05, -0.06, -0.50, 0.10)

# Domain latents: (Wigan median national fraction, spread, loading on deprivation).
DOMAINS = {
    "income": (0.45, 0.95, 0.95),
    "employment": (0.36, 0.95, 0.92),
    "education": (0.40, 0.90, 0.92),
    "health": (0.26, 0.85, 0.92),
    "crime": (0.31, 0.90, 0.85),
    "housing": (0.72, 0.60, 0.25),
    "environment": (0.53, 0.70, 0.40),
}
IMD_WEIGHTS = {
    "income": 0.225,
    "employment": 0.225,
    "education": 0.135,
    "health": 0.135,
    "crime": 0.093,
    "housing": 0.093,
    "environment": 0.093,
}
# Scaling of each domain's spread in a release: > 1 widens the gap, < 1 narrows it.
TRENDS = {
    2015: {"income": 0.97, "employment": 0.97, "education": 1.03, "health": 1.02},
    2019: {},
    2025: {"income": 1.08, "employment": 1.05, "education": 0.94, "health": 0.95},
}

# National quantile functions: (fraction of LSOAs more deprived, score). Synthetic, plausible.
QUANTILES = {
    (2019, "IMD"): ((0, 92), (0.01, 64), (0.1, 44), (0.2, 33.5), (0.3, 27), (0.4, 21.8), (0.5, 17.6),
                    (0.6, 14.3), (0.7, 11.3), (0.8, 8.6), (0.9, 5.9), (1, 0.5)),
    (2019, "income"): ((0, 0.62), (0.01, 0.44), (0.1, 0.28), (0.2, 0.21), (0.3, 0.165), (0.4, 0.13),
                       (0.5, 0.103), (0.6, 0.082), (0.7, 0.065), (0.8, 0.05), (0.9, 0.036), (1, 0.012)),
    (2019, "employment"): ((0, 0.42), (0.01, 0.30), (0.1, 0.205), (0.2, 0.165), (0.3, 0.135), (0.4, 0.112),
                           (0.5, 0.094), (0.6, 0.079), (0.7, 0.066), (0.8, 0.054), (0.9, 0.042), (1, 0.02)),
    (2025, "IMD"): ((0, 95), (0.001, 81), (0.01, 63), (0.1, 42.5), (0.2, 32.5), (0.3, 26), (0.4, 21.6),
                    (0.5, 17.6), (0.6, 14.4), (0.7, 11.5), (0.8, 8.8), (0.9, 6.1), (0.97, 3.1), (1, 0.5)),
    (2025, "income"): ((0, 0.8), (0.01, 0.62), (0.1, 0.43), (0.2, 0.33), (0.3, 0.265), (0.45, 0.2),
                       (0.6, 0.15), (0.7, 0.12), (0.8, 0.095), (0.9, 0.07), (0.99, 0.03), (1, 0.01)),
    (2025, "employment"): ((0, 0.55), (0.002, 0.48), (0.1, 0.26), (0.2, 0.2), (0.36, 0.145), (0.5, 0.115),
                           (0.6, 0.1), (0.7, 0.085), (0.8, 0.07), (0.92, 0.048), (1, 0.025)),
    (2025, "education"): ((0, 99), (0.003, 84), (0.1, 48), (0.2, 35), (0.3, 27), (0.4, 21.2), (0.5, 16.5),
                          (0.6, 12.6), (0.7, 9.2), (0.8, 6.2), (0.9, 3.5), (0.985, 0.7), (1, 0.01)),
    (2025, "health"): ((0, 3.3), (0.001, 2.8), (0.05, 1.55), (0.1, 1.15), (0.2, 0.75), (0.26, 0.57),
                       (0.4, 0.22), (0.5, 0.0), (0.6, -0.22), (0.7, -0.46), (0.8, -0.74), (0.9, -1.1),
                       (1, -3.2)),
    (2025, "crime"): ((0, 3.3), (0.001, 2.6), (0.1, 1.2), (0.2, 0.78), (0.31, 0.44), (0.4, 0.22),
                      (0.5, 0.02), (0.6, -0.17), (0.7, -0.38), (0.8, -0.62), (0.9, -0.95), (0.994, -1.95),
                      (1, -2.8)),
    (2025, "housing"): ((0, 70), (0.01, 45), (0.1, 34.5), (0.16, 32), (0.3, 25.5), (0.5, 20), (0.72, 14.9),
                        (0.8, 12.8), (0.9, 9.8), (0.997, 3.0), (1, 0.5)),
    (2025, "environment"): ((0, 85), (0.01, 67), (0.1, 38), (0.2, 30), (0.3, 25), (0.4, 21), (0.53, 16.6),
                            (0.6, 14.6), (0.7, 11.8), (0.8, 9.0), (0.9, 6.0), (0.984, 1.3), (1, 0.1)),
}
QUANTILES.update({  # IoD2015: rates a little higher than in 2019, other scales much the same
    (2015, "IMD"): ((0, 92.6), (0.01, 63), (0.1, 43), (0.2, 32.8), (0.3, 26.5), (0.4, 21.4), (0.5, 17.3),
                    (0.6, 14.0), (0.7, 11.1), (0.8, 8.5), (0.9, 5.9), (1, 0.4)),
    (2015, "income"): ((0, 0.65), (0.01, 0.46), (0.1, 0.295), (0.2, 0.225), (0.3, 0.178), (0.4, 0.141),
                       (0.5, 0.112), (0.6, 0.089), (0.7, 0.071), (0.8, 0.055), (0.9, 0.04), (1, 0.01)),
    (2015, "employment"): ((0, 0.44), (0.01, 0.32), (0.1, 0.215), (0.2, 0.173), (0.3, 0.143), (0.4, 0.119),
                           (0.5, 0.1), (0.6, 0.084), (0.7, 0.07), (0.8, 0.057), (0.9, 0.044), (1, 0.015)),
    (2015, "education"): ((0, 99.7), (0.003, 84), (0.1, 47), (0.2, 34), (0.3, 26.3), (0.4, 20.6), (0.5, 16),
                          (0.6, 12.2), (0.7, 8.9), (0.8, 6.0), (0.9, 3.4), (0.985, 0.7), (1, 0.02)),
    (2015, "health"): ((0, 3.4), (0.001, 2.9), (0.05, 1.6), (0.1, 1.18), (0.2, 0.76), (0.3, 0.45),
                       (0.4, 0.21), (0.5, 0.0), (0.6, -0.22), (0.7, -0.46), (0.8, -0.75), (0.9, -1.12),
                       (0.97, -1.55), (0.995, -2.2), (1, -3.3)),
    (2015, "crime"): ((0, 3.4), (0.001, 2.6), (0.1, 1.2), (0.2, 0.78), (0.3, 0.46), (0.4, 0.22),
                      (0.5, 0.02), (0.6, -0.18), (0.7, -0.39), (0.8, -0.63), (0.9, -0.96), (0.994, -1.95),
                      (1, -3.0)),
    (2015, "housing"): ((0, 70), (0.01, 46), (0.1, 35), (0.2, 30.5), (0.3, 26.5), (0.5, 20.6), (0.7, 15.6),
                        (0.8, 13.2), (0.9, 10.1), (0.997, 3.0), (1, 0.6)),
    (2015, "environment"): ((0, 92), (0.01, 68), (0.1, 39), (0.2, 30.5), (0.3, 25.3), (0.4, 21.2),
                            (0.5, 17.8), (0.6, 14.8), (0.7, 11.9), (0.8, 9.0), (0.9, 6.0), (0.984, 1.3),
                            (1, 0.2)),
    (2015, "idaci"): ((0, 0.87), (0.01, 0.58), (0.1, 0.375), (0.2, 0.285), (0.3, 0.225), (0.4, 0.177),
                      (0.5, 0.14), (0.6, 0.109), (0.7, 0.083), (0.8, 0.061), (0.9, 0.041), (1, 0.006)),
    (2015, "idaopi"): ((0, 0.99), (0.01, 0.6), (0.1, 0.32), (0.2, 0.25), (0.3, 0.205), (0.4, 0.17),
                       (0.5, 0.142), (0.6, 0.119), (0.7, 0.099), (0.8, 0.081), (0.9, 0.062), (1, 0.01)),
})
SCORE_DOMAINS_2025 = (("IMD", "IMD"), ("Income", "income"), ("Employment", "employment"),
                      ("Education", "education"), ("Health", "health"), ("Crime", "crime"),
                      ("Housing_and_Services", "housing"), ("Environment", "environment"))

# ---- ward-level local extracts (synthetic rates and structures, plausible for England)
LIFE_TABLE_BANDS = ("0", "1-4") + tuple(f"{a}-{a + 4}" for a in range(5, 90, 5)) + ("90+",)
ESP2013_BANDS = tuple(f"{a}-{a + 4}" for a in range(0, 90, 5)) + ("90+",)
SEXES = ("Female", "Male")  # row order
MORTALITY_PERIODS = {f"{y - 2}-{y % 100:02d}": (y - 2, y - 1, y) for y in range(2019, 2024)}  # 2017-19 .. 2021-23
ADMISSION_YEARS = {f"{y}/{(y + 1) % 100:02d}": y for y in range(2019, 2024)}  # 2019/20 .. 2023/24; mid-year y
# England-like population by life-table band (thousands), the shape within each broad age group.
AGE_STRUCTURE = {
    "Female": (295, 1265, 1690, 1680, 1520, 1680, 1880, 1990, 1900, 1770,
               1850, 1990, 1910, 1650, 1430, 1460, 1090, 770, 500, 300),
    "Male": (310, 1330, 1770, 1760, 1600, 1730, 1880, 1950, 1860, 1740,
             1800, 1930, 1860, 1590, 1350, 1330, 940, 610, 340, 140),
}  # fmt: skip
# Death rates per person-year by life-table band, England-like before the pandemic.
DEATH_RATES = {
    "Female": (0.0035, 0.00015, 0.00007, 0.00008, 0.00018, 0.00022, 0.0003, 0.00045, 0.00068, 0.001,
               0.0016, 0.0024, 0.0036, 0.0056, 0.009, 0.0145, 0.0255, 0.046, 0.088, 0.21),
    "Male": (0.0042, 0.00019, 0.00009, 0.0001, 0.0003, 0.0005, 0.0006, 0.0008, 0.0011, 0.0016,
             0.0025, 0.0037, 0.0056, 0.0088, 0.014, 0.0225, 0.038, 0.066, 0.12, 0.25),
}  # fmt: skip
# Emergency admissions per 1,000 persons a year by ESP2013 band, England-like.
ADMISSION_RATES = (130, 58, 60, 75, 80, 80, 80, 82, 85, 90, 98, 110, 128, 150, 185, 235, 295, 350, 400)
MORTALITY_YEAR = {2017: 1.0, 2018: 1.0, 2019: 0.97, 2020: 1.13, 2021: 1.08, 2022: 1.04, 2023: 0.99}  # COVID
ADMISSION_YEAR = {2019: 1.0, 2020: 0.85, 2021: 0.97, 2022: 0.99, 2023: 1.02}  # 2020/21 dips
# Rate ratios at ward latent deprivation d in year y: base x exp((1 + widening (y - 2017)) (a d + b d^2)),
# convex so that mortality climbs fastest in the most deprived wards (rate ratio ~1.6 there).
MORTALITY_BASE = {"Female": 1.05, "Male": 0.95}
MORTALITY_GRADIENT, MORTALITY_WIDENING = (0.24, 0.14), 0.015
ADMISSION_GRADIENT = 0.27  # rate ratio exp(gradient d), up to ~1.5

# Local-authority-level indicators repeated on every LSOA row (synthetic constants).
HOMELESSNESS_2019 = 1.271
HOMELESSNESS_2025 = 3.862
CORE_HOMELESSNESS_2025 = 0.614

_NORMAL = statistics.NormalDist()
N = len(LSOA_CODES)


# ---------------------------------------------------------------- random streams and helpers
def _rng(tag: str) -> np.random.Generator:
    """An independent generator per named stream, so streams do not depend on call order."""
    return np.random.default_rng([SEED, zlib.crc32(tag.encode())])


def _normals(tag: str, n: int = N) -> list[float]:
    return _rng(tag).standard_normal(n).tolist()


def _interp(x: float, points) -> float:
    xs = [p[0] for p in points]
    i = min(max(bisect_right(xs, x) - 1, 0), len(points) - 2)
    (x0, y0), (x1, y1) = points[i], points[i + 1]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def _bounded(x: float, lo: float, med: float, hi: float, beta: float = 0.8) -> float:
    """Map a standard-normal-ish x into (lo, hi), with median med and spread beta."""
    alpha = _NORMAL.inv_cdf((med - lo) / (hi - lo))
    return lo + (hi - lo) * _NORMAL.cdf(alpha + beta * x)


def _mix(signal: list[float], noise: list[float], rho: float) -> list[float]:
    other = math.sqrt(1 - rho * rho)
    return [rho * s + other * e for s, e in zip(signal, noise)]


def _num(x: float, dp: int = 3) -> str:
    """A float as the humaniverse/pandas conversions print it: shortest repr after rounding."""
    return repr(float(round(x, dp)) + 0.0)  # + 0.0 turns -0.0 into 0.0


def _round5(x: float) -> int:
    return 5 * math.floor(x / 5 + 0.5)


def _count(x: float, suppress: bool = False) -> str:
    """A numerator rounded to 5 and printed as a float; blank where suppressed (below 10)."""
    n = _round5(x)
    return "" if suppress and n < 10 else repr(float(max(n, 5)))


def _thousands(n: int) -> str:
    return f"{n:,}"


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    raw = [total * w / sum(weights) for w in weights]
    counts = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _ranks(fractions: list[float], n_national: int) -> list[int]:
    """Distinct national ranks (1 = most deprived) in the order of the national fractions."""
    order = sorted(range(len(fractions)), key=lambda i: (fractions[i], i))
    ranks, last = [0] * len(fractions), 0
    for i in order:
        last = max(last + 1, min(max(math.ceil(fractions[i] * n_national), 1), n_national))
        ranks[i] = last
    return ranks


def _decile(rank: int, n_national: int) -> int:
    return -(-rank * 10 // n_national)


def _csv_bytes(header, rows) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _indicator(tag: str, signal, rho: float, lo: float, med: float, hi: float, beta: float = 0.8):
    """An indicator in (lo, hi) correlated (rho) with a latent signal, with fresh noise."""
    return [_bounded(x, lo, med, hi, beta) for x in _mix(signal, _normals(tag), rho)]


def _lasting(tag: str, year: int, signal, rho: float, lo: float, med: float, hi: float, beta: float = 0.8):
    """As _indicator, but with noise mostly shared between releases, so LSOAs keep their place."""
    noise = _mix(_normals(f"{tag}-persistent"), _normals(f"{tag}-{year}"), 0.8)
    return [_bounded(x, lo, med, hi, beta) for x in _mix(signal, noise, rho)]


def _scores_at(ranks: list[int], n_national: int, table) -> list[float]:
    """Scores at national ranks (1 = most deprived), from a national quantile function."""
    return [_interp((r - 0.5) / n_national, table) for r in ranks]


def _interleaved(rng: np.random.Generator, queues: list[list]) -> list:
    """Drain the queues in runs of random length, as a long file filtered to one area interleaves its groups."""
    queues, out = [list(q) for q in queues], []
    while any(queues):
        live = [k for k, q in enumerate(queues) if q]
        k = live[int(rng.integers(len(live)))]
        n = int(rng.integers(1, 120))
        out += queues[k][:n]
        del queues[k][:n]
    return out


# ---------------------------------------------------------------- the synthetic world
class _World:
    """Geography, populations and latent domain levels shared by every file."""

    def __init__(self):
        msoa_numbers = (_rng("msoa").permutation(N // 5) + 1).tolist()
        self.names = [f"Wigan {msoa_numbers[i // 5]:03d}{'ABCDE'[i % 5]}" for i in range(N)]
        order = _rng("wards").permutation(N).tolist()
        self.ward = [0] * N
        for position, lsoa in enumerate(order):
            self.ward[lsoa] = position // LSOAS_PER_WARD
        spread = _normals("deprivation")
        self.deprivation = [WARDS[self.ward[i]][2] + 0.5 * spread[i] for i in range(N)]
        self.rurality = _mix([-d for d in self.deprivation], _normals("rurality"), 0.45)
        self._populations()
        self.latent = {year: self._latent(year) for year in (2015, 2019, 2025)}

    def _populations(self):
        size, kids, old, work = (_normals(f"pop-{k}") for k in ("size", "kids", "old", "work"))
        grow, kids2, old2, work2 = (_normals(f"pop22-{k}") for k in ("grow", "kids", "old", "work"))
        self.pop2015, self.pop2022 = [], []
        for i, d in enumerate(self.deprivation):
            total = min(max(round(1580 * math.exp(0.2 * size[i])), 1010), 2850)
            k_share = min(max(0.185 + 0.025 * d + 0.02 * kids[i], 0.11), 0.30)
            o_share = min(max(0.24 - 0.035 * d + 0.04 * old[i], 0.10), 0.40)
            children, older = round(total * k_share), round(total * o_share)
            middle = total - children - older
            working = round(middle * min(max(1.0 + 0.015 * work[i], 0.97), 1.06))
            self.pop2015.append((total, children, middle, older, working))
            total22 = min(max(round(total * math.exp(0.025 + 0.03 * grow[i])), 1010), 2950)
            k_share22 = min(max(k_share + 0.005 * kids2[i], 0.11), 0.30)
            o_share22 = min(max(o_share + 0.012 + 0.008 * old2[i], 0.10), 0.42)
            children22, older22 = round(total22 * k_share22), round(total22 * o_share22)
            middle22 = total22 - children22 - older22
            working22 = round(middle22 * 0.965 + older22 * (0.24 + 0.02 * work2[i]))
            self.pop2022.append((total22, children22, middle22, older22, working22))

    def _latent(self, year: int) -> dict:
        """Per domain: latent u (higher = more deprived), national fraction and rank; IMD combines them."""
        out, zs = {}, {}
        for domain, (centre, spread, loading) in DOMAINS.items():
            persistent = _mix(self.deprivation, _normals(f"domain-{domain}"), loading)
            fresh = _normals(f"domain-{domain}-{year}")
            if year == 2015:  # IoD2015 shares most of its release-specific noise with IoD2019
                fresh = _mix(_normals(f"domain-{domain}-2019"), fresh, 0.6)
            scale = TRENDS[year].get(domain, 1.0)
            u = [scale * p + 0.3 * f for p, f in zip(persistent, fresh)]
            z = [_NORMAL.inv_cdf(centre) - spread * x for x in u]
            zs[domain] = z
            out[domain] = {"u": u, "fraction": [_NORMAL.cdf(v) for v in z]}
        combined = [sum(IMD_WEIGHTS[k] * zs[k][i] for k in IMD_WEIGHTS) for i in range(N)]
        mid, sd = statistics.median(combined), statistics.pstdev(combined)
        z_imd = [_NORMAL.inv_cdf(0.40) + 0.95 * (c - mid) / sd for c in combined]
        out["IMD"] = {"fraction": [_NORMAL.cdf(z) for z in z_imd]}
        for values in out.values():
            values["rank"] = _ranks(values["fraction"], N_LSOA[year])
        return out

    def score(self, year: int, domain: str) -> list[float]:
        """Domain score at each LSOA's national rank, from the national quantile function."""
        return _scores_at(self.latent[year][domain]["rank"], N_LSOA[year], QUANTILES[(year, domain)])


# ---------------------------------------------------------------- files
def _lookup(world: _World) -> list[list[str]]:
    return [[code, world.names[i], WARDS[world.ward[i]][0], WARDS[world.ward[i]][1], LAD_CODE, LAD_NAME]
            for i, code in enumerate(LSOA_CODES)]


def _file6(world: _World, populations) -> list[list[str]]:
    return [[code, world.names[i], LAD_CODE, LAD_NAME] + [_thousands(n) for n in populations[i]]
            for i, code in enumerate(LSOA_CODES)]


def _income_numerators(world: _World, year: int) -> list[list[str]]:
    """Income, IDACI, IDAOPI and employment numerators from the domain rates and denominators."""
    pops = world.pop2015 if year == 2019 else world.pop2022
    income, employment = world.score(year, "income"), world.score(year, "employment")
    older_share = 0.95 if year == 2019 else 0.55  # IoD2025 income rates count more working-age claims
    child_noise, old_noise = _normals(f"iod{year}-idaci"), _normals(f"iod{year}-idaopi")
    rows = []
    for i in range(N):
        total, children, _, older, working = pops[i]
        idaci = min(max(income[i] * 1.3 * math.exp(0.15 * child_noise[i]), 0.005), 0.85)
        idaopi = min(max((income[i] * older_share + 0.03) * math.exp(0.15 * old_noise[i]), 0.005), 0.7)
        rows.append([_count(income[i] * total), _count(idaci * children, suppress=True),
                     _count(idaopi * older, suppress=True), _count(employment[i] * working)])
    return rows


def _iod2019_file8(world: _World) -> list[list[str]]:
    lat = world.latent[2019]
    edu, health, env, inc = lat["education"]["u"], lat["health"]["u"], lat["environment"]["u"], lat["income"]["u"]
    urban = [-r for r in world.rurality]

    owner = _lasting("owner", 2019, inc, 0.85, 0.18, 0.33, 0.80)
    private = _lasting("private", 2019, inc, 0.85, 0.14, 0.32, 0.80)
    afford_noise = _normals("afford-2019")
    afford = [min(max(12.0 * ((o + p) / 2 - 0.33) - 2.0 + 0.25 * e, -5.4), 2.4)
              for o, p, e in zip(owner, private, afford_noise)]
    no2 = _indicator("no2", urban, 0.7, 0.28, 0.415, 0.70, 0.7)
    benzene = _indicator("benzene", urban, 0.6, 0.05, 0.08, 0.14, 0.6)
    so2 = _indicator("so2", urban, 0.4, 0.02, 0.04, 0.08, 0.6)
    pm = _indicator("pm", urban, 0.6, 0.31, 0.35, 0.41, 0.6)
    columns = [
        _indicator("staying-on", edu, 0.75, 0.06, 0.20, 0.50),
        _lasting("entry-he", 2019, edu, 0.8, 0.76, 0.905, 0.985),
        _lasting("adult-skills", 2019, edu, 0.95, 0.10, 0.34, 0.72),
        _lasting("ypll", 2019, health, 0.88, 40, 62, 120),
        _lasting("cidr", 2019, health, 0.95, 60, 126, 290),
        _lasting("acute", 2019, health, 0.88, 75, 128, 220),
        _lasting("mood", 2019, health, 0.85, -0.8, 0.8, 2.3),
        _indicator("post-office", world.rurality, 0.7, 0.20, 0.88, 2.4, 0.7),
        _indicator("primary-school", world.rurality, 0.7, 0.20, 0.70, 2.3, 0.7),
        _indicator("store", world.rurality, 0.7, 0.12, 0.45, 2.4, 0.7),
        _indicator("gp", world.rurality, 0.7, 0.20, 0.95, 2.7, 0.7),
        _lasting("overcrowding", 2019, inc, 0.85, 0.008, 0.039, 0.16),
        [HOMELESSNESS_2019] * N,
        owner,
        private,
        afford,
        _indicator("poor-condition", env, 0.7, 0.06, 0.19, 0.42),
        _indicator("central-heating", env, 0.6, 0.004, 0.015, 0.085),
        _indicator("rta", env, 0.3, 0.26, 0.386, 0.85),
    ]
    numerators = _income_numerators(world, 2019)
    rows = []
    for i, code in enumerate(LSOA_CODES):
        air = [round(no2[i], 2), round(benzene[i], 2), round(so2[i], 2), round(pm[i], 2)]
        rows.append([code] + numerators[i] + [_num(c[i]) for c in columns]
                    + [_num(a, 2) for a in air] + [_num(sum(air), 2)])
    return rows


def _iod2019_scores(world: _World) -> list[list[str]]:
    lat = world.latent[2019]
    imd, income, employment = world.score(2019, "IMD"), world.score(2019, "income"), world.score(2019, "employment")
    halves = _rng("uk-rank-ties").random(N).tolist()
    rows = []
    for i in sorted(range(N), key=lambda i: (-round(imd[i], 3), LSOA_CODES[i])):
        rank = lat["IMD"]["rank"][i]
        decile = _decile(rank, N_LSOA_2019)
        uk_rank = math.floor(rank * N_UK_COMPOSITE / N_LSOA_2019) + (0.5 if halves[i] < 0.25 else 0.0)
        pop_decile = max(decile, min(10, math.ceil((uk_rank / N_UK_COMPOSITE + 0.005) * 10)))
        rows.append(["E", LSOA_CODES[i], _num(imd[i]), repr(round(income[i], 3) * 100),
                     repr(round(employment[i], 3) * 100), _num(imd[i]), str(decile), str(decile),
                     repr(uk_rank), str(pop_decile), str((pop_decile + 1) // 2)])
    return rows


def _iod2025_file8(world: _World) -> list[list[str]]:
    lat = world.latent[2025]
    edu, health, crime, inc = lat["education"]["u"], lat["health"]["u"], lat["crime"]["u"], lat["income"]["u"]

    def crime_rate(tag, med, lo, hi):
        return [min(max(med * math.exp(0.65 * x), lo), hi) for x in _mix(crime, _normals(f"crime-{tag}"), 0.9)]

    owner = _lasting("owner", 2025, inc, 0.85, 0.27, 0.44, 0.76)
    private = _lasting("private", 2025, inc, 0.85, 0.04, 0.17, 0.58)
    afford_noise = _normals("afford-2025")
    afford = [min(max(5.0 * ((o + p) / 2 - 0.305) - 0.7 + 0.15 * e, -2.3), 1.0)
              for o, p, e in zip(owner, private, afford_noise)]
    rooms = _lasting("overcrowding", 2025, inc, 0.85, 0.006, 0.033, 0.11)
    bedrooms_noise = _normals("bedrooms")
    columns = [
        _lasting("adult-skills", 2025, edu, 0.95, 0.07, 0.25, 0.55),
        _lasting("entry-he", 2025, edu, 0.8, 0.78, 0.908, 0.985),
        _lasting("acute", 2025, health, 0.88, 70, 110, 220),
        _lasting("cidr", 2025, health, 0.95, 60, 124, 310),
        _lasting("mood", 2025, health, 0.85, -1.4, 0.61, 3.0),
        _lasting("ypll", 2025, health, 0.88, 42, 67, 115),
    ]
    crimes = [
        crime_rate("violence-injury", 5.75, 0.5, 36.0),
        crime_rate("violence-no-injury", 8.9, 0.6, 48.0),
        crime_rate("stalking", 9.45, 1.2, 35.0),
        crime_rate("burglary", 12.25, 3.0, 44.0),
        crime_rate("theft", 10.4, 1.5, 37.0),
        crime_rate("criminal-damage", 7.3, 0.5, 40.0),
        crime_rate("public-order", 8.15, 0.6, 45.0),
        crime_rate("asb", 16.55, 1.5, 75.0),
    ]
    access = [
        _indicator("connectivity", [-r for r in world.rurality], 0.7, 42.0, 67.6, 86.0),
        owner,
        private,
        afford,
        _indicator("digital", world.rurality, 0.7, -1.9, -0.24, 1.5),
        [CORE_HOMELESSNESS_2025] * N,
        [min(max(2150 * math.exp(0.25 * x), 1000.0), 4500.0) for x in _normals("patients-per-gp")],
        [HOMELESSNESS_2025] * N,
        rooms,
        [min(max(r * (0.68 + 0.06 * e), 0.004), 0.085) for r, e in zip(rooms, bedrooms_noise)],
    ]
    numerators = _income_numerators(world, 2025)
    return [[code] + numerators[i] + [_num(c[i]) for c in columns] + [_num(c[i], 1) for c in crimes]
            + [_num(c[i]) for c in access] for i, code in enumerate(LSOA_CODES)]


def _iod2025_scores(world: _World) -> list[list[str]]:
    lat = world.latent[2025]
    scores = {name: world.score(2025, domain) for name, domain in SCORE_DOMAINS_2025}
    rows = []
    for i, code in enumerate(LSOA_CODES):
        ranks = [lat[domain]["rank"][i] for _, domain in SCORE_DOMAINS_2025]
        rows.append([code] + [repr(float(_decile(r, N_LSOA_2025))) for r in ranks]
                    + [repr(float(r)) for r in ranks] + [_num(scores[name][i]) for name, _ in SCORE_DOMAINS_2025])
    return rows


def _census(world: _World, year: int) -> list[list[str]]:
    edu = world.latent[2019 if year == 2011 else 2025]["education"]["u"]
    scale = 1.0 if year == 2011 else 0.93  # the skills gap narrows slightly between censuses
    signal = _mix(edu, _normals(f"census-{year}"), 0.9)
    size = _normals(f"census-{year}-size")
    category_noise = _rng(f"census-{year}-categories").standard_normal((N, len(QUALIFICATIONS))).tolist()
    rows = []
    for i, code in enumerate(LSOA_CODES):
        total, children = (world.pop2015 if year == 2011 else world.pop2022)[i][:2]
        drift = -0.015 if year == 2011 else -0.005
        adults = round((total - children) * math.exp(drift + 0.015 * size[i]))
        weights = [share * math.exp(beta * scale * signal[i] + 0.08 * e)
                   for share, beta, e in zip(QUAL_SHARES[year], QUAL_BETAS, category_noise[i])]
        counts = _largest_remainder(adults, weights)
        rows.append([str(year), world.names[i], code, str(adults)] + [str(c) for c in counts])
    return rows


def _iod2015_long(world: _World) -> list[list[str]]:
    """IoD2015 in long format: every Score row, then every Rank row, then every Decile row."""
    lat = world.latent[2015]
    ranks = {domain: lat[domain]["rank"] for _, domain in IOD15_DOMAINS if domain in lat}
    for domain, (centre, spread, loading) in IOD15_SUPPLEMENTARY.items():
        noise = _mix(_normals(f"iod2019-{domain}"), _normals(f"iod2015-{domain}"), 0.7)  # as the 2019 numerators
        u = _mix(lat["income"]["u"], noise, loading)
        ranks[domain] = _ranks([_NORMAL.cdf(_NORMAL.inv_cdf(centre) - spread * x) for x in u], N_LSOA[2015])
    scores = {domain: _scores_at(r, N_LSOA[2015], QUANTILES[(2015, domain)]) for domain, r in ranks.items()}
    values = {
        "Score": lambda domain, i: _num(scores[domain][i]),
        "Rank": lambda domain, i: repr(float(ranks[domain][i])),
        "Decile": lambda domain, i: repr(float(_decile(ranks[domain][i], N_LSOA[2015]))),
    }
    rng = _rng("iod2015-row-order")
    rows = []
    for measure in IOD15_MEASURES:
        queues = [[(label, domain, i) for i in rng.permutation(N).tolist()] for label, domain in IOD15_DOMAINS]
        order = [queues[k] for k in rng.permutation(len(queues)).tolist()]
        rows += [[LSOA_CODES[i], measure, values[measure](domain, i), label]
                 for label, domain, i in _interleaved(rng, order)]
    return rows


def _by_name(world: _World) -> list[int]:
    """LSOA positions in name order (Wigan 001A, 001B, ...), the order of the ONS/Nomis extracts."""
    return sorted(range(N), key=lambda i: (world.names[i], LSOA_CODES[i]))


def _household_deprivation(world: _World) -> list[list[str]]:
    """Census 2021 households by number of deprivation dimensions (0-4), from an ordered logit."""
    signal = _mix(world.deprivation, _normals("households-2021"), 0.9)
    size = _normals("households-2021-size")
    rows = []
    for i in _by_name(world):
        households = round(world.pop2022[i][0] * min(max(0.425 + 0.008 * world.deprivation[i] + 0.01 * size[i],
                                                          0.40), 0.45))
        at_least = [1.0]
        for intercept, slope in HOUSEHOLD_LOGITS:
            at_least.append(min(at_least[-1], 1 / (1 + math.exp(-(intercept + slope * signal[i])))))
        counts = _largest_remainder(households, [at_least[k] - at_least[k + 1] for k in range(4)] + [at_least[4]])
        rows += [[LSOA_CODES[i], repr(float(k)), repr(float(c)), repr(round(100 * c / households, 1))]
                 for k, c in enumerate(counts)]
    return rows


def _claimants(world: _World) -> list[list[str]]:
    """Claimant count, November 2018: residents 18-64 times a rate tracking employment deprivation."""
    signal = _mix(world.latent[2019]["employment"]["u"], _normals("claimants-2018-11"), 0.85)
    draws = _rng("claimants-2018-11-counts")
    rows = []
    for i in _by_name(world):
        rate = _bounded(signal[i], 0.001, 0.028, 0.13, 0.65)
        count = min(int(draws.poisson(rate * world.pop2015[i][4])), 120)
        rows.append(["2018-11", LSOA_CODES[i], "count", "persons", str(count)])
    return rows


# ---------------------------------------------------------------- series on the 2017 wards
def _ward17(world: _World) -> list[int]:
    """Each LSOA's December 2017 ward: its May 2023 ward's, except that the last LSOA (by code) of
    every third 2023 ward belonged to the next ward in 2017, so some 2017 wards were divided."""
    out = list(world.ward)
    for k in range(0, len(WARDS), 3):
        members = sorted(i for i in range(N) if world.ward[i] == k)
        out[members[-1]] = (k + 1) % len(WARDS_2017)
    return out


def _lookup_2017(world: _World) -> list[list[str]]:
    ward17 = _ward17(world)
    return [[LSOA_CODES[i], world.names[i], *WARDS_2017[ward17[i]], LAD_CODE, LAD_NAME] for i in _by_name(world)]


def _single_years(world: _World) -> list[list[int]]:
    """Mid-2016 population by single year of age 0..89 and 90+, from the mid-2015 groups grown 0.4%."""
    draws = _rng("population-2016-ages")
    out = []
    for total, children, middle, older, _ in world.pop2015:
        groups = ((children, 16, 0.0), (middle, 44, 0.0), (older, 31, -0.09))  # 0-15, 16-59, 60-89 and 90+
        ages = []
        for size, years, slope in groups:
            weights = [math.exp(slope * a) * max(0.4, 1 + 0.15 * draws.standard_normal()) for a in range(years)]
            ages += _largest_remainder(round(size * 1.004), weights)
        out.append(ages)
    return out


def _population_2016(world: _World) -> list[list[str]]:
    rows = []
    for i, ages in zip(range(N), _single_years(world)):
        total = sum(ages)
        shown = f"{total // 1000}e3" if total % 1000 == 0 else str(total)
        rows.append([LSOA_CODES[i], world.names[i], LAD_NAME, shown, *map(str, ages)])
    return [rows[i] for i in _by_name(world)]


def _ward17_members(world: _World) -> list[list[int]]:
    ward17 = _ward17(world)
    return [[i for i in range(N) if ward17[i] == k] for k in range(len(WARDS_2017))]


def _claimants_ward17(world: _World) -> list[list[str]]:
    """Monthly claimants on the 2017 wards: 16-64 residents times a rate that falls to 2016 and turns
    up in 2017 (Universal Credit), faster in the more deprived wards; seasonal; rounded to 5."""
    ages = _single_years(world)
    working = [sum(a[16:65]) for a in ages]
    draws = _rng("claimants-ward17")
    rows = []
    for t, month in enumerate(CLAIMANT_MONTHS):
        season = 0.04 * math.cos(2 * math.pi * (int(month[5:]) - 1) / 12)
        level = -0.018 * t + (0.012 * (t - 36) if t > 36 else 0.0)
        expected = []
        for members in _ward17_members(world):
            d = statistics.fmean(world.deprivation[i] for i in members)
            rate = 0.022 * math.exp(0.55 * d + level * (1 + 0.35 * max(d, 0)) + season)
            expected.append(draws.poisson(rate * sum(working[i] for i in members)))
        date = f"{month}-01"
        rows.append([date, LAD_CODE, LAD_NAME, "Claimant count", str(_round5(sum(expected)))])
        rows += [[date, code, f"{name} ({LAD_NAME})", "Claimant count", str(_round5(x))]
                 for (code, name), x in zip(WARDS_2017, expected)]
    return rows


def _insolvencies(world: _World) -> list[list[str]]:
    """New individual insolvencies by 2017 ward and year: bankruptcies falling, IVAs rising to 2019,
    debt relief orders jumping when eligibility widened in 2021; 2020-21 dip (COVID-19)."""
    ages = _single_years(world)
    adults = [sum(a[18:]) for a in ages]
    draws = _rng("insolvencies")
    per_10000 = {
        "Bankruptcy": [4.2, 3.6, 3.0, 2.4, 2.2, 2.0, 2.0, 1.9, 1.3, 1.1, 1.2],
        "DRO": [3.4, 3.2, 3.0, 2.9, 2.9, 3.0, 3.0, 2.9, 2.0, 3.2, 3.8],
        "IVA": [6.0, 6.5, 7.5, 8.0, 9.5, 11.0, 13.0, 14.5, 12.0, 11.5, 11.0],
    }
    rows = {kind: [] for kind in (*INSOLVENCY_TYPES, "Total")}
    for (code, name), members in zip(WARDS_2017, _ward17_members(world)):
        d = statistics.fmean(world.deprivation[i] for i in members)
        population = sum(adults[i] for i in members)
        counts = {kind: [int(draws.poisson(r / 10_000 * population * math.exp(0.35 * d))) for r in per_10000[kind]]
                  for kind in INSOLVENCY_TYPES}
        counts["Total"] = [sum(v) for v in zip(*counts.values())]
        for kind, values in counts.items():
            rows[kind].append([code, name, LAD_CODE, LAD_NAME, kind, *map(str, values)])
    return [row for kind in rows for row in rows[kind]]


# ---------------------------------------------------------------- ward-level local extracts
class _Wards:
    """The 25 May 2023 wards: latent health levels and mid-year populations by sex and life-table band."""

    def __init__(self, world: _World):
        self.order = sorted(range(len(WARDS)), key=lambda k: WARDS[k][0])
        members = [[i for i in range(N) if world.ward[i] == k] for k in range(len(WARDS))]
        self.deprivation = [statistics.fmean(world.deprivation[i] for i in m) for m in members]
        health, admissions = _normals("ward-health", len(WARDS)), _normals("ward-admissions", len(WARDS))
        self.mortality_signal = [d + 0.1 * e for d, e in zip(self.deprivation, health)]
        self.admission_signal = [d + 0.1 * e for d, e in zip(self.deprivation, _mix(health, admissions, 0.6))]
        shape = _rng("ward-age-structure").standard_normal((len(WARDS), len(SEXES), len(LIFE_TABLE_BANDS)))
        self.population = {}  # (ward, year) -> {sex: counts by life-table band}
        for k, m in enumerate(members):
            start, end = ([sum(pop[i][j] for i in m) for j in range(4)] for pop in (world.pop2015, world.pop2022))
            for year in range(2017, 2024):
                self.population[(k, year)] = self._split(start, end, (year - 2015) / 7, shape[k])

    @staticmethod
    def _split(start, end, t: float, shape) -> dict[str, list[int]]:
        """Interpolate (t = 0 mid-2015, 1 mid-2022) a ward's total and 0-15 and 60+ shares; spread each
        broad group over sex and band in England's shape, with a little ward-specific noise."""
        total = round(start[0] * (end[0] / start[0]) ** t)
        child, older = ((1 - t) * start[j] / start[0] + t * end[j] / end[0] for j in (1, 3))
        targets = (child * 15 / 16, 1 - child * 15 / 16 - older, older)  # bands 0-14, 15-59, 60+
        group = [0 if b < 4 else 2 if b >= 13 else 1 for b in range(len(LIFE_TABLE_BANDS))]
        england = [sum(AGE_STRUCTURE[s][b] for s in SEXES for b in range(len(group)) if group[b] == g)
                   for g in range(3)]
        weights = [AGE_STRUCTURE[sex][b] / england[group[b]] * targets[group[b]] * math.exp(0.05 * shape[s][b])
                   for s, sex in enumerate(SEXES) for b in range(len(group))]
        counts = _largest_remainder(total, weights)
        return {sex: counts[s * len(group):(s + 1) * len(group)] for s, sex in enumerate(SEXES)}


def _mortality(wards: _Wards) -> list[list[str]]:
    """Deaths and populations, 3-year totals pooled from Poisson deaths drawn year by year."""
    draws = _rng("mortality-deaths")
    deaths = {}
    for k in range(len(WARDS)):
        for year in range(2017, 2024):
            d, (a, b) = wards.mortality_signal[k], MORTALITY_GRADIENT
            ratio = MORTALITY_YEAR[year] * math.exp((1 + MORTALITY_WIDENING * (year - 2017)) * (a * d + b * d * d))
            for sex in SEXES:
                population = np.array(wards.population[(k, year)][sex])
                rates = np.minimum(np.array(DEATH_RATES[sex]) * MORTALITY_BASE[sex] * ratio, 0.6)
                drawn = draws.poisson(rates * population)
                deaths[(k, year, sex)] = np.minimum(drawn, population).tolist()
    rows = []
    for period, years in MORTALITY_PERIODS.items():
        for k in wards.order:
            for sex in SEXES:
                for b, band in enumerate(LIFE_TABLE_BANDS):
                    died = sum(deaths[(k, y, sex)][b] for y in years)
                    population = sum(wards.population[(k, y)][sex][b] for y in years)
                    rows.append([period, WARDS[k][0], WARDS[k][1], sex, band, str(died), str(population)])
    return rows


def _admissions(wards: _Wards) -> list[list[str]]:
    """Emergency admissions of persons in a financial year, over the mid-year population at its start."""
    draws = _rng("emergency-admissions")
    rates = np.array(ADMISSION_RATES) / 1000
    rows = []
    for period, year in ADMISSION_YEARS.items():
        for k in wards.order:
            persons = [f + m for f, m in zip(*(wards.population[(k, year)][sex] for sex in SEXES))]
            population = np.array([persons[0] + persons[1]] + persons[2:])  # 0 and 1-4 make 0-4
            ratio = ADMISSION_YEAR[year] * math.exp(ADMISSION_GRADIENT * wards.admission_signal[k])
            admitted = draws.poisson(rates * ratio * population).tolist()
            rows += [[period, WARDS[k][0], WARDS[k][1], band, str(a), str(n)]
                     for band, a, n in zip(ESP2013_BANDS, admitted, population.tolist())]
    return rows


def _readme(files: dict[str, int], councils: int = 1) -> str:
    lines = [
        "# SYNTHETIC DEMONSTRATION DATA - NOT REAL STATISTICS",
        "",
        "**Every number in these files is invented.** They were generated by",
        "`python -m dagster_project.demo_data` (seed " f"{SEED}; byte-for-byte reproducible) so the",
        "pipeline can be built and shown without downloading anything. Most copy the exact layouts",
        "(headers, quoting, number formatting, row order) of real public releases, but none of their",
        "values; two stand for local extracts that have no public layout (see below). Do not use them",
        "for analysis or decisions: everything built from them is labelled as demonstration data.",
        "",
        "`demo_manifest.json` lists each file with its SHA-256; the pipeline marks rows from a",
        "listed file with a matching hash as demonstration data (`is_demo`). Replace a file with",
        "the real release (same name pattern) and its rows are no longer marked.",
        "",
        "## Files",
        "",
        "| File | Rows | Layout copied from |",
        "| --- | ---: | --- |",
    ]
    lines += [f"| `{file_name(name, councils)}` | {rows} | {LAYOUTS[name]} |" for name, rows in sorted(files.items())]
    lines += [
        "",
        "All 200 Wigan (E08000010) LSOAs, E01006212 to E01006411 (for Wigan the 2011 and 2021",
        "codes are the same), and the 25 May 2023 wards with their real codes and names. LSOA",
        "names and the LSOA-to-ward assignment (8 LSOAs per ward) are synthetic.",
        "",
        "## Local extracts",
        "",
        f"`{F_MORTALITY}` and `{F_ADMISSIONS}` are",
        "synthetic too. They stand for ward-level extracts a council receives rather than downloads,",
        "already aggregated to the 25 May 2023 wards: deaths with mid-year populations from the ONS",
        "Public Health Mortality file (pooled 3-year periods 2017-19 to 2021-23, by sex and the 20",
        "life-table age bands 0, 1-4, ..., 90+, for ward life expectancy), and emergency hospital",
        "admissions from Hospital Episode Statistics with mid-year populations (financial years",
        "2019/20 to 2023/24, persons, the 19 ESP2013 age bands 0-4, ..., 90+, for directly",
        "standardised rates). The real equivalents are local extracts supplied under data-access",
        "agreements, not public files, and no national layout is published: these files use this",
        "project's own headers. Counts are not suppressed, so small numbers (0-4) occur; apply the",
        "real extract's disclosure rules before publishing anything built from it.",
        "",
        "## Licence",
        "",
        "The other files' layouts copy real releases published under the Open Government Licence v3.0:",
        "",
        "> Contains public sector information licensed under the Open Government Licence v3.0",
        "",
        "The synthetic values themselves are part of this project and describe no real place.",
        "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- current series (DWP by MSOA, Census 2011, health)
MSOA_CODES = tuple(f"E0200{2810 + m}" for m in range(N // 5))  # synthetic; 5 LSOAs (consecutive codes) per MSOA
UC_MONTHS = tuple(f"{y}-{m:02d}" for y in range(2015, 2023) for m in range(1, 13) if (y, m) >= (2015, 8)) + ("2023-11",)
CILIF_YEARS = tuple(f"{y}/{(y + 1) % 100:02d}" for y in range(2014, 2022))
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")


def _msoa_header(periods: list[str]) -> tuple[str, ...]:
    return ("msoa11cd", "msoa11nm", "lad11cd", "lad11nm", *(c for p in periods for c in (p, p.split(" (")[0] + " - Annotations")))


def _msoa_rows(world: _World, values: list[list[str]]) -> list[list[str]]:
    """One row per MSOA, in name order: code, name, council and each period's value with an empty annotation."""
    rows = [[MSOA_CODES[m], world.names[5 * m][:-1], LAD_CODE, LAD_NAME, *(c for v in per for c in (v, ""))]
            for m, per in enumerate(values)]
    return sorted(rows, key=lambda row: row[1])


def _uc_label(month: str) -> str:
    y, m = int(month[:4]), int(month[5:])
    mark = " (p)" if month == UC_MONTHS[-1] else " (r)" if (y, m) >= (2021, 12) else ""
    return f"{MONTH_NAMES[m - 1]} {y}{mark}"


def _uc_share(month: str) -> float:
    """Share of households on Universal Credit at an average MSOA: the full-service rollout to the end of
    2018, a plateau, the COVID-19 surge from March 2020, then managed migration from 2022."""
    t = int(month[:4]) + (int(month[5:]) - 1) / 12
    if t < 2016.9:
        return 0.004 + 0.003 * (t - 2015.58)
    if t < 2019.0:
        return 0.008 + 0.042 * (t - 2016.9)
    if t < 2020.17:
        return 0.096 + 0.012 * (t - 2019.0)
    if t < 2020.5:
        return 0.110 + 0.18 * (t - 2020.17)
    return min(0.170 + 0.012 * (t - 2020.5), 0.21)


def _uc_households(world: _World) -> list[list[str]]:
    households = [world.pop2022[i][0] * 0.425 for i in range(N)]
    draws = _rng("uc-households")
    values = []
    for m in range(len(MSOA_CODES)):
        members = range(5 * m, 5 * m + 5)
        d = statistics.fmean(world.deprivation[i] for i in members)
        base = sum(households[i] for i in members)
        counts = [int(draws.poisson(base * _uc_share(month) * math.exp(0.45 * d))) for month in UC_MONTHS]
        values.append([".." if c < 3 else str(c) for c in counts])
    return _msoa_rows(world, values)


def _cilif(world: _World) -> list[list[str]]:
    draws = _rng("cilif")
    values = []
    for m in range(len(MSOA_CODES)):
        members = range(5 * m, 5 * m + 5)
        d = statistics.fmean(world.deprivation[i] for i in members)
        children = sum(world.pop2015[i][1] for i in members)
        level = (0.95, 0.97, 1.0, 1.04, 1.08, 1.12, 0.98, 1.06)
        values.append([str(int(draws.poisson(children * 0.17 * k * math.exp(0.55 * d)))) for k in level])
    return _msoa_rows(world, values)


def _household_deprivation_2011(world: _World) -> list[list[str]]:
    """Census 2011 households by deprivation dimensions: more deprived than 2021 (as nationally)."""
    signal = _mix(world.deprivation, _normals("households-2011"), 0.9)
    rows = []
    for i in _by_name(world):
        households = round(world.pop2015[i][0] * 0.42)
        at_least = [1.0]
        for intercept, slope in HOUSEHOLD_LOGITS:
            at_least.append(min(at_least[-1], 1 / (1 + math.exp(-(intercept + 0.35 + slope * signal[i])))))
        counts = _largest_remainder(households, [at_least[k] - at_least[k + 1] for k in range(4)] + [at_least[4]])
        rows += [[LSOA_CODES[i], repr(float(k)), repr(float(c)), repr(c / households)] for k, c in enumerate(counts)]
    return rows


def _disability(world: _World) -> list[list[str]]:
    signal = _mix(world.deprivation, _normals("disability-2021"), 0.8)
    rows = []
    for i in sorted(range(N), key=lambda i: LSOA_CODES[i]):
        residents = world.pop2022[i][0]
        disabled = round(residents * _bounded(signal[i], 0.11, 0.195, 0.32, 0.6))
        for label, n in (("Disabled under the Equality Act", disabled), ("Not disabled under the Equality Act", residents - disabled)):
            rows.append([LSOA_CODES[i], label, repr(float(n)), repr(float(residents)), repr(n / residents)])
    return rows


HEALTH_LABELS = ("Very good health", "Good health", "Fair health", "Bad health", "Very bad health")


def _general_health_long(world: _World) -> list[list[str]]:
    signal = _mix(world.deprivation, _normals("general-health-2021"), 0.85)
    text = ("Estimates that classify usual residents by their own assessment of the general state of their health "
            "from very good to very bad. This assessment is not based on a person's health over any specified period of time.")
    rows = []
    for i in _by_name(world):
        bad = _bounded(signal[i], 0.025, 0.055, 0.12, 0.6)
        shares = [0.47 - 2.5 * bad, 0.33, 0.12 + 0.8 * bad, 0.75 * bad, 0.25 * bad]
        counts = _largest_remainder(world.pop2022[i][0], shares)
        rows += [[LSOA_CODES[i], world.names[i], "Lower-layer Super Output Area", "2021-03-21", text, label, "Count",
                  "Persons", str(c)] for label, c in zip(HEALTH_LABELS, counts)]
    return rows


LOCALHEALTH = (  # indicator, measure, unit, periods, England-like centre, spread by deprivation
    ("Male life expectancy at birth", "Years", "Males", ("2011 to 2015", "2013 to 2017", "2015 to 2019"), 78.5, -2.4),
    ("Female life expectancy at birth", "Years", "Females", ("2011 to 2015", "2013 to 2017", "2015 - 19"), 82.0, -1.9),
    ("Hospital admissions for self-harm", "SAR", "Admissions", ("2010/11 to 2014/15", "2013/14 to 2017/18", "2015/16 - 19/20"), 115.0, 35.0),
    ("Deaths from cancer", "SMR", "Persons", ("2011 to 2015", "2013 to 2017", "2015 - 19"), 112.0, 14.0),
    ("Children in Reception Year who were classified as obese", "Percentage", "Persons",
     ("2014/15 to 2016/17", "2016/17 to 2018/19", "2017/18 to 2019/20"), 10.0, 2.2),
)


def _localhealth(world: _World) -> list[list[str]]:
    """Local Health ward indicators on the December 2017 wards, three overlapping periods each."""
    draws = _rng("localhealth")
    rows = []
    for indicator, measure, unit, periods, centre, slope in LOCALHEALTH:
        for period in periods:
            for (code, name), members in zip(WARDS_2017, _ward17_members(world)):
                d = statistics.fmean(world.deprivation[i] for i in members)
                value = centre + slope * d + draws.normal(0, abs(slope) * 0.25)
                rows.append([code, name, indicator, period, measure, unit, f"{value:.1f}",
                             f"health/data/{indicator.lower().replace(' ', '_')}.csv", "0" * 40, "2022-07-21T14:57:57+01:00"])
    return rows


def _lookup_oa11(world: _World) -> list[list[str]]:
    return [[f"E00{100000 + i:06d}", LSOA_CODES[i], world.names[i], MSOA_CODES[i // 5], world.names[i][:-1], LAD_CODE, LAD_NAME]
            for i in _by_name(world)]


def _lookup_lsoa11_21(world: _World) -> list[list[str]]:
    return [[world.names[i], LSOA_CODES[i], "U", world.names[i], LSOA_CODES[i], LAD_NAME, LAD_CODE] for i in _by_name(world)]


def _population_year(world: _World, year: int, name_first: bool) -> list[list[str]]:
    """Mid-year LSOA population by single year of age: mid-2016's, aged on and grown a little each year."""
    draws = _rng(f"population-{year}")
    rows = []
    for i, ages in zip(range(N), _single_years(world)):
        shift = year - 2016
        aged = [ages[0]] * shift + ages[: len(ages) - shift - 1] + [sum(ages[len(ages) - shift - 1:])]
        aged = [max(0, round(a * (1 + 0.004 * shift) + draws.normal(0, 0.8))) for a in aged]
        cells = [repr(float(sum(aged))), *(repr(float(a)) for a in aged)]
        ident = [world.names[i], LSOA_CODES[i]] if name_first else [LSOA_CODES[i], world.names[i]]
        rows.append(ident + cells)
    return [rows[i] for i in _by_name(world)]


CARE_LABELS = ("Provides no unpaid care", "Provides 9 hours or less unpaid care a week",
               "Provides 10 to 19 hours unpaid care a week", "Provides 20 to 34 hours unpaid care a week",
               "Provides 35 to 49 hours unpaid care a week", "Provides 50 or more hours unpaid care a week")
ACTIVE = "Economically active (excluding full-time students): "
STUDENT = "Economically active and a full-time student: "
JOBS = tuple(f"In employment: {kind}: {hours}" for kind in ("Employee", "Self-employed with employees",
             "Self-employed without employees") for hours in ("Full-time", "Part-time"))
ACTIVITY_LABELS = (*(ACTIVE + j for j in JOBS), ACTIVE + "Unemployed", *(STUDENT + j for j in JOBS), STUDENT + "Unemployed",
                   "Economically inactive: Long-term sick or disabled", "Economically inactive: Looking after home or family",
                   "Economically inactive: Other", "Economically inactive: Retired", "Economically inactive: Student")
QUALIFICATION_LABELS = ("No qualifications", "Level 1 and entry level qualifications", "Level 2 qualifications",
                        "Apprenticeship", "Level 3 qualifications", "Level 4 qualifications or above", "Other qualifications")
LONG_HEADER = ("area_code", "area_name", "geography", "period", "indicator", "{}", "measure", "unit", "value")


def _long_census(world: _World, tag: str, text: str, labels, base, shares_at) -> list[list[str]]:
    """A council's long Census 2021 extract: one row per LSOA and category, counts from shares."""
    signal = _mix(world.deprivation, _normals(tag), 0.85)
    rows = []
    for i in _by_name(world):
        counts = _largest_remainder(base(i), shares_at(signal[i]))
        rows += [[LSOA_CODES[i], world.names[i], "Lower-layer Super Output Area", "2021-03-21", text, label, "Count",
                  "Persons", str(c)] for label, c in zip(labels, counts)]
    return rows


def _unpaid_care(world: _World) -> list[list[str]]:
    def shares(x):
        carers = _bounded(x, 0.07, 0.095, 0.13, 0.4)
        heavy = min(max(0.25 + 0.06 * x, 0.1), 0.5)
        return [1 - carers, carers * (1 - heavy) * 0.6, carers * (1 - heavy) * 0.4, carers * heavy * 0.4,
                carers * heavy * 0.2, carers * heavy * 0.4]
    return _long_census(world, "unpaid-care-2021", "Estimates that classify usual residents by the number of hours of "
                        "unpaid care they provide", CARE_LABELS, lambda i: round(world.pop2022[i][0] * 0.94), shares)


def _economic_activity(world: _World) -> list[list[str]]:
    def shares(x):
        sick = _bounded(x, 0.02, 0.045, 0.11, 0.6)
        unemployed = _bounded(x, 0.015, 0.03, 0.07, 0.6)
        employed = max(0.62 - 2.2 * sick, 0.3)
        jobs = [0.55, 0.18, 0.02, 0.005, 0.17, 0.075]
        return ([employed * 0.96 * j for j in jobs] + [unemployed] + [employed * 0.04 * j for j in jobs] + [0.003]
                + [sick, 0.04, 0.03, 0.30 - employed * 0.1, 0.05])
    return _long_census(world, "economic-activity-2021", "Economic activity status of usual residents (aged 16 years "
                        "and over)", ACTIVITY_LABELS, lambda i: world.pop2022[i][0] - world.pop2022[i][1], shares)


def _qualification_long(world: _World) -> list[list[str]]:
    def shares(x):
        none = _bounded(x, 0.08, 0.19, 0.38, 0.6)
        level4 = _bounded(-x, 0.10, 0.27, 0.55, 0.6)
        rest = 1 - none - level4
        return [none, rest * 0.16, rest * 0.26, rest * 0.1, rest * 0.30, level4, rest * 0.18]
    return _long_census(world, "qualifications-long-2021", "Highest level of qualification held by usual residents "
                        "aged 16 years and over", QUALIFICATION_LABELS, lambda i: world.pop2022[i][0] - world.pop2022[i][1],
                        shares)


def _population_21(world: _World, year: int) -> list[list[str]]:
    """Mid-year LSOA (2021) population by sex and single year of age, with broad age totals."""
    rows = []
    for i, ages in zip(range(N), _single_years(world)):
        grown = [round(a * (1 + 0.004 * (year - 2016))) for a in ages]
        females = [a // 2 + (a % 2) * (k % 2) for k, a in enumerate(grown)]
        males = [a - f for a, f in zip(grown, females)]
        for sex, counts in (("Females", females), ("Males", males), ("Persons", grown)):
            rows.append([f"{year}-06-30", LSOA_CODES[i], world.names[i], "LSOA", sex, str(sum(counts)), str(sum(counts[:16])),
                         str(sum(counts[16:65])), str(sum(counts[65:])), *map(str, counts)])
    return rows


def _lookup_oa21(world: _World) -> list[list[str]]:
    return [[f"E00{100000 + i:06d}", LSOA_CODES[i], world.names[i], MSOA_CODES[i // 5], world.names[i][:-1], LAD_CODE, LAD_NAME]
            for i in _by_name(world)]


AGES = tuple(str(a) for a in range(90)) + ("90+",)
HEADER_LOCALHEALTH = ("area_code", "area_name", "indicator", "period", "measure", "unit", "value", "source_path",
                      "source_commit", "commit_date")


def _series_tables(world: _World) -> dict:
    """The current-series files (issue 18), in their real layouts."""
    return {
        F_UC_HOUSEHOLDS: (_msoa_header([_uc_label(m) for m in UC_MONTHS]), _uc_households(world)),
        F_CILIF: (_msoa_header([y + (" (p)" if y == CILIF_YEARS[-1] else "") for y in CILIF_YEARS]), _cilif(world)),
        F_HOUSEHOLD_DEPRIVATION_2011: (("lsoa11_code", "households_number_deprivation_dimensions", "count", "proportion"),
                                       _household_deprivation_2011(world)),
        F_DISABILITY: (("lsoa21_code", "disability", "n", "total_residents", "prop"), _disability(world)),
        F_GENERAL_HEALTH_LONG: (("area_code", "area_name", "geography", "period", "indicator", "general_health", "measure",
                                 "unit", "value"), _general_health_long(world)),
        F_LOCALHEALTH: (HEADER_LOCALHEALTH, _localhealth(world)),
        F_LOOKUP_OA11: (("oa11cd", "lsoa11cd", "lsoa11nm", "msoa11cd", "msoa11nm", "lad11cd", "lad11nm"), _lookup_oa11(world)),
        F_LOOKUP_LSOA11_21: (("lsoa11_name", "lsoa11_code", "change_code", "lsoa21_name", "lsoa21_code", "ltla22_name",
                              "ltla22_code"), _lookup_lsoa11_21(world)),
        F_UNPAID_CARE_LONG: (tuple(c.format("unpaid_care") for c in LONG_HEADER), _unpaid_care(world)),
        F_ECONOMIC_ACTIVITY_LONG: (tuple(c.format("economic_activity_status") for c in LONG_HEADER),
                                   _economic_activity(world)),
        F_QUALIFICATION_LONG: (tuple(c.format("highest_qualification") for c in LONG_HEADER), _qualification_long(world)),
        F_LOOKUP_OA21: (("oa21cd", "lsoa21cd", "lsoa21nm", "msoa21cd", "msoa21nm", "lad22cd", "lad22nm"), _lookup_oa21(world)),
        **{name: (("period", "area_code", "area_name", "geography", "sex", "all_ages", "aged_0_to_15", "aged_16_to_64",
                   "aged_65_and_over") + AGES, _population_21(world, year)) for year, name in F_POPULATIONS_21.items()},
        **{name: ((("lsoa11_code", "lsoa11_name") if year == 2017 else ("lsoa11_name", "lsoa11_code"))
                  + ("total_population",) + AGES, _population_year(world, year, name_first=year != 2017))
           for year, name in F_POPULATIONS.items()},
    }


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def council(k: int) -> tuple[str, str]:
    """The k-th council of a multi-council demonstration (0 = Wigan): LA code and name."""
    if k == 0:
        return LAD_CODE, LAD_NAME
    if k <= len(OTHER_COUNCILS):
        return OTHER_COUNCILS[k - 1]
    return f"E06{900000 + k:06d}", f"Demonstration council {k + 1}"


# Councils after Wigan alternate more and less deprived than Wigan (the strength of the bias with
# which each draws its neighbourhoods from Wigan's), so each council's own figures differ.
COUNCIL_LEAN = 1.2
# A ward name every demonstration council shares, as real names repeat across councils (pages must
# then say whose ward it is); every other ward name carries its council's name.
SHARED_WARD_NAME = "Douglas"


def council_ward_name(k: int, ward_name: str) -> str:
    """The k-th council's name for Wigan's ward `ward_name` (0 = Wigan keeps its own names)."""
    if k == 0 or ward_name == SHARED_WARD_NAME:
        return ward_name
    name = council(k)[1]
    return name + ward_name[len(LAD_NAME):] if ward_name.startswith(LAD_NAME + " ") else f"{name} {ward_name}"


def _drawn(rows: list, source: dict, names: dict) -> list:
    """Each LSOA's rows (in their places in the file) replaced by its donor LSOA's rows, the n-th by
    the n-th, under the LSOA's own code and name. Rows without an LSOA code are kept."""
    by_lsoa: dict[str, list] = {}
    keyed = [(next((cell for cell in row if cell in source), None), row) for row in rows]
    for lsoa, row in keyed:
        by_lsoa.setdefault(lsoa, []).append(row)
    seen: dict[str, int] = {}
    out = []
    for lsoa, row in keyed:
        if lsoa is None:
            out.append(row)
            continue
        donor_rows = by_lsoa[source[lsoa]]
        n = seen[lsoa] = seen.get(lsoa, -1) + 1
        swap = {source[lsoa]: lsoa, names[source[lsoa]]: names[lsoa]}
        out.append([swap.get(cell, cell) for cell in donor_rows[n % len(donor_rows)]])
    return out


def _as_council(tables: dict, k: int, world: _World) -> dict:
    """Wigan's tables re-coded as the k-th council: new LSOA, ward and LA codes and names (ward names
    of its own), a seeded reassignment of LSOAs to wards in the lookup, and neighbourhoods drawn
    from Wigan's with a lean towards more (odd k) or less (even k) deprived ones, so the council's
    level differs. Ward-level files keep their rows under the council's ward codes and names."""
    code, name = council(k)
    codes = {old: f"E01{100000 + k * N + i:06d}" for i, old in enumerate(LSOA_CODES)}
    codes |= {ward[0]: f"E05{100000 + k * len(WARDS) + j:06d}" for j, ward in enumerate(WARDS)}
    codes |= {ward[0]: f"E05{200000 + k * len(WARDS_2017) + j:06d}" for j, ward in enumerate(WARDS_2017)}
    codes |= {ward[1]: council_ward_name(k, ward[1]) for ward in WARDS + WARDS_2017}
    codes |= {msoa: f"E02{100000 + k * len(MSOA_CODES) + m:06d}" for m, msoa in enumerate(MSOA_CODES)}
    codes |= {f"E00{100000 + i:06d}": f"E00{100000 + k * N + i:06d}" for i in range(N)}
    codes |= {LAD_CODE: code, LAD_NAME: name}
    prefix = LAD_NAME + " "
    lean = COUNCIL_LEAN * (1 if k % 2 else -1)
    weights = np.exp(lean * np.array(world.deprivation))
    drawn = _rng(f"council-{k}-lsoas").choice(N, size=N, p=weights / weights.sum()).tolist()
    source = {LSOA_CODES[i]: LSOA_CODES[j] for i, j in enumerate(drawn)}  # new LSOA i takes LSOA j's figures
    names = dict(zip(LSOA_CODES, world.names))

    def recode(cell: str) -> str:
        if cell.endswith(f" ({LAD_NAME})"):
            return cell[: -len(LAD_NAME) - 2] + f"({name})"
        return codes.get(cell) or (name + " " + cell[len(prefix):] if cell.startswith(prefix) else cell)

    out = {}
    for file, (header, rows) in tables.items():
        if file not in (F_LOOKUP, F_LOOKUP17, F_LOOKUP_OA11, F_LOOKUP_OA21, F_LOOKUP_LSOA11_21):  # geography, not figures
            rows = _drawn(rows, source, names)
        rows = [[recode(cell) for cell in row] for row in rows]
        if file == F_LOOKUP:
            wards = [row[2:4] for row in rows]
            order = _rng(f"council-{k}-wards").permutation(len(rows)).tolist()
            rows = [row[:2] + wards[order[i]] + row[4:] for i, row in enumerate(rows)]
        out[file] = (header, rows)
    return out


def file_name(name: str, councils: int) -> str:
    """A demonstration file's name: '..._wigan.csv' for Wigan alone, '..._3councils.csv' for three."""
    return name if councils == 1 else name.replace("_wigan", f"_{councils}councils")


def generate(out_dir: Path, councils: int = 1) -> dict[str, str]:
    """Write every demonstration file, README.md and demo_manifest.json; return name -> sha256."""
    if not 1 <= councils <= 4000:
        raise ValueError(f"councils must be between 1 and 4000 (got {councils})")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = _World()
    wards = _Wards(world)
    tables = {
        F_LOOKUP: (HEADER_LOOKUP, _lookup(world)),
        F_IOD19_FILE8: (HEADER_IOD19_FILE8, _iod2019_file8(world)),
        F_IOD19_FILE6: (HEADER_IOD19_FILE6, _file6(world, world.pop2015)),
        F_IOD19_SCORES: (HEADER_IOD19_SCORES, _iod2019_scores(world)),
        F_IOD25_FILE8: (HEADER_IOD25_FILE8, _iod2025_file8(world)),
        F_IOD25_SCORES: (HEADER_IOD25_SCORES, _iod2025_scores(world)),
        F_IOD25_FILE6: (HEADER_IOD25_FILE6, _file6(world, world.pop2022)),
        F_CENSUS21: (HEADER_CENSUS, _census(world, 2021)),
        F_CENSUS11: (HEADER_CENSUS, _census(world, 2011)),
        F_IOD15_LONG: (HEADER_IOD15_LONG, _iod2015_long(world)),
        F_HOUSEHOLD_DEPRIVATION: (HEADER_HOUSEHOLD_DEPRIVATION, _household_deprivation(world)),
        F_CLAIMANTS: (HEADER_CLAIMANTS, _claimants(world)),
        F_MORTALITY: (HEADER_MORTALITY, _mortality(wards)),
        F_ADMISSIONS: (HEADER_ADMISSIONS, _admissions(wards)),
        F_LOOKUP17: (HEADER_LOOKUP17, _lookup_2017(world)),
        F_CLAIMANTS_WARD17: (HEADER_CLAIMANTS_WARD17, _claimants_ward17(world)),
        F_INSOLVENCIES: (HEADER_INSOLVENCIES, _insolvencies(world)),
        F_POPULATION_2016: (HEADER_POPULATION_2016, _population_2016(world)),
        **_series_tables(world),
    }
    others = [_as_council(tables, k, world) for k in range(1, councils)]
    for name, (header, rows) in tables.items():
        tables[name] = (header, rows + [row for other in others for row in other[name][1]])
    hashes = {file_name(name, councils): _write(out_dir / file_name(name, councils), _csv_bytes(header, rows))
              for name, (header, rows) in tables.items()}
    readme = _readme({n: len(r) for n, (_, r) in tables.items()}, councils)
    if councils > 1:
        listed = ", ".join(f"{name} ({code})" for code, name in map(council, range(councils)))
        readme = readme.replace("## Files\n", f"## Councils\n\n{councils} councils: {listed}. Files are named `_{councils}councils`;\n"
                                "the other councils' LSOA and ward codes are synthetic (E01100000 up, E05100000 up).\n\n## Files\n")
    (out_dir / "README.md").write_bytes(readme.encode("utf-8"))
    manifest = {"generator": "dagster_project.demo_data", "seed": SEED, "files": hashes, "layouts": LAYOUTS}
    (out_dir / "demo_manifest.json").write_bytes((json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    return dict(sorted(hashes.items()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--councils", type=int, default=1, help="how many councils each file covers (default 1: Wigan)")
    args = parser.parse_args(argv)
    out = args.out
    for name, digest in generate(out, args.councils).items():
        print(f"{digest[:12]}  {out / name}")


if __name__ == "__main__":
    main()
