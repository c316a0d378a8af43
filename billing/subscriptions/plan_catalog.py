"""The default plans, seeded by a data migration and by services.plans_seed().

Plain data so the migration does not depend on models or services. Prices are yearly, in fen.
The trial has 专业版's limits so a school can import all its records and try every feature;
SMS limits are caps (each school sends through its own SMS account), records None = unlimited.
"""

ALL_FEATURES = ["events", "giving", "cards", "crawlers", "elasticsearch"]
TRIAL_PLAN = "trial"

DEFAULT_PLANS = [
    {
        "code": TRIAL_PLAN,
        "name": "体验版",
        "price_fen": 0,
        "max_alumni": 200_000,
        "sms_per_year": 100_000,
        "storage_mb": 10 * 1024,
        "features": ALL_FEATURES,
        "trial_days": 30,
        "is_public": False,
        "sort_order": 0,
    },
    {
        "code": "standard",
        "name": "标准版",
        "price_fen": 1_980_000,
        "max_alumni": 30_000,
        "sms_per_year": 20_000,
        "storage_mb": 20 * 1024,
        "features": ["events", "giving", "cards"],
        "trial_days": 0,
        "is_public": True,
        "sort_order": 10,
    },
    {
        "code": "professional",
        "name": "专业版",
        "price_fen": 4_980_000,
        "max_alumni": 200_000,
        "sms_per_year": 100_000,
        "storage_mb": 100 * 1024,
        "features": ALL_FEATURES,
        "trial_days": 0,
        "is_public": True,
        "sort_order": 20,
    },
    {
        "code": "flagship",
        "name": "旗舰版",
        "price_fen": 9_800_000,
        "max_alumni": None,
        "sms_per_year": 500_000,
        "storage_mb": 500 * 1024,
        "features": ALL_FEATURES,
        "trial_days": 0,
        "is_public": True,
        "sort_order": 30,
    },
]
# Demo schools show every feature on the top plan, paid with no end date.
DEMO_PLAN = "flagship"
