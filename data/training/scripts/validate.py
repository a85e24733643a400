# -*- coding: utf-8 -*-
"""Validate the training files and print per-label counts."""
import json, os, collections
D = os.path.join(os.path.dirname(__file__), "..")
LEVELS = {"beginner", "experimenting", "advanced"}
INDUSTRIES = {"food_beverage", "agriculture_fishery", "metal_machinery", "electronics_instruments", "plastics_chemicals",
              "wood_furniture", "textiles_fashion", "construction_installation", "architecture_engineering", "software_it",
              "telecom_media_creative", "retail_ecommerce", "wholesale_distribution", "transport_logistics",
              "maritime_offshore", "energy_utilities", "water_environment_recycling", "health_medtech_pharma",
              "biotech_life_science", "tourism_hospitality", "finance_insurance", "legal_accounting_consulting",
              "marketing_communication", "education_research", "public_sector_nonprofit", "real_estate_facility",
              "personal_services", "cleaning_security_services"}
SPEC = {
    "maturity.jsonl": (["technology", "language", "technology_role", "experience", "barriers", "potentials", "level"], "level", LEVELS),
    "industry.jsonl": (["language", "core_business", "market_now", "industry"], "industry", INDUSTRIES),
}
for fn, (fields, lab, allowed) in SPEC.items():
    rows = []
    with open(os.path.join(D, fn), encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            r = json.loads(line)
            assert list(r.keys()) == fields, (fn, i, list(r.keys()))
            assert all(isinstance(r[k], str) and r[k].strip() for k in fields), (fn, i)
            assert r["language"] in ("da", "en"), (fn, i)
            assert r[lab] in allowed, (fn, i, r[lab])
            rows.append(r)
    c = collections.Counter(r[lab] for r in rows)
    missing = allowed - set(c)
    assert not missing, (fn, missing)
    lang = collections.Counter(r["language"] for r in rows)
    print(f"{fn}: {len(rows)} lines OK; languages {dict(lang)} ({lang['da']/len(rows):.0%} da)")
    for k in sorted(c):
        by = collections.Counter(r["language"] for r in rows if r[lab] == k)
        print(f"  {k:32s} {c[k]:4d}  (da {by['da']}, en {by['en']})")
    if fn == "maturity.jsonl":
        print("  distinct technology name strings (25 underlying themes):", len({r['technology'] for r in rows}))
