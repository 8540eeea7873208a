"""The closed vocabularies of the provision contract (PROVISIONS.md v2), in one place.

Extractors, the language-data loader, the database, the CLI, the JSON Schema and the
tests all take their allowed values from here, so a new sanction type is one enum
member (plus its data entry and a case), never a string scattered through the code.
"""
from __future__ import annotations

from enum import Enum


class Kind(str, Enum):
    THRESHOLD = "threshold"
    RATIO = "ratio"
    DEADLINE = "deadline"
    SANCTION = "sanction"


class SanctionType(str, Enum):
    """Party and workplace discipline, then administrative law (行政处罚法 art. 9,
    行政强制法 art. 9 and 12)."""

    WARNING = "warning"
    CRITICISM = "criticism"
    INTERVIEW = "interview"
    RECTIFICATION = "rectification"
    RATING_CAP = "rating_cap"
    VETO = "veto"
    DISQUALIFICATION = "disqualification"
    REMOVAL = "removal"
    PROMOTION_BAN = "promotion_ban"
    ACCOUNTABILITY = "accountability"
    REFERRAL = "referral"
    REVOCATION = "revocation"
    DEDUCTION = "deduction"
    REWARD = "reward"
    FINE = "fine"
    CONFISCATION = "confiscation"
    LICENSE = "license"
    SUSPENSION = "suspension"
    DETENTION = "detention"
    COMPULSORY = "compulsory"
    CREDIT = "credit"
    COMPENSATION = "compensation"
    OTHER = "other"


class Op(str, Enum):
    GE = ">="
    GT = ">"
    LE = "<="
    LT = "<"
    EQ = "="
    RANGE = "range"
    WITHIN = "within"  # deadlines only: a length of time


class Per(str, Enum):
    YEAR = "year"
    HALF_YEAR = "half-year"
    QUARTER = "quarter"
    MONTH = "month"
    WEEK = "week"
    DAY = "day"
    TERM = "term"


class Polarity(str, Enum):
    NEGATIVE = "negative"
    POSITIVE = "positive"


class Currency(str, Enum):
    """ISO 4217 codes of the currencies Chinese-language legislation fines in."""

    CNY = "CNY"
    TWD = "TWD"
    HKD = "HKD"
    MOP = "MOP"


class UnitClass(str, Enum):
    """What a comparison value measures (pipeline/compare.py): only values of one class
    (and one qualifier: the currency of an amount, the base of a multiple) share an axis."""

    AMOUNT = "amount"  # money, in one currency: 罚款二百元
    MULTIPLE = "multiple"  # times a base: 违法所得一倍以上三倍以下
    SHARE = "share"  # a percentage of a base: 工程合同价款百分之二
    PER_ITEM = "per-item"  # money per item counted: 每株五百元 (元/株)
    DAYS = "days"  # durations and time limits
    PERCENT = "percent"  # ratios (‰ as tenths of a percent)
    QUANTITY = "quantity"  # anything counted or measured in its own unit (米, 次/年, 分)


def values(enum: type[Enum]) -> list[str]:
    """The allowed strings of a vocabulary, in declaration order."""
    return [m.value for m in enum]
