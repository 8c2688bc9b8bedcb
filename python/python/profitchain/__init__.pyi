"""Type stub of profitchain (written by python/make_stub.py from the command line's own
definition; do not edit by hand)."""

import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import polars as pl

Table = Union[str, "os.PathLike[str]", pl.DataFrame, pl.LazyFrame, Any]
"""A path (every format the command line reads), a polars DataFrame or LazyFrame, or a
pandas DataFrame."""
Study = Union[str, "os.PathLike[str]", Mapping[str, Any]]
"""A study file, a study as TOML text, or a dict (table paths may be DataFrames)."""
Value = Union[str, int, float]

VERBS: Dict[str, dict]

class InputError(ValueError): ...
class InternalError(RuntimeError): ...
class ProfitchainWarning(UserWarning): ...

class Result:
    verb: str
    def to_dict(self) -> Any: ...
    def to_json(self, path: Optional[str] = None) -> str: ...
    def summary(self, lang: Optional[str] = None) -> str: ...
    def to_excel(self, path: str) -> None: ...
    def report(self, out: str, force: bool = False, **options: Any) -> "Result": ...
    @property
    def table_names(self) -> List[str]: ...
    @property
    def tables(self) -> Dict[str, pl.DataFrame]: ...
    def table(self, name: str) -> pl.DataFrame: ...
    def to_pandas(self, name: str) -> Any: ...
    @property
    def warnings(self) -> List[str]: ...
    @property
    def charts(self) -> Dict[str, str]: ...
    def _repr_html_(self) -> str: ...
    def __getattr__(self, name: str) -> pl.DataFrame: ...

def inspect(
    *,
    files: Optional[Union[Table, Sequence[Table]]] = None,
    study: Optional[Study] = None,
    id: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    json: Optional[bool] = None,
    sheet: Optional[Union[Value, Sequence[Value]]] = None,
    encoding: Optional[Union[Value, Sequence[Value]]] = None,
    separator: Optional[Union[Value, Sequence[Value]]] = None,
    decimal_comma: Optional[bool] = None,
    lang: Optional[str] = None,
) -> Result:
    """Schema, row count, missing values and id uniqueness of tables"""

def build(
    *,
    study: Optional[Study] = None,
    data: Optional[Table] = None,
    id: Optional[Union[Value, Sequence[Value]]] = None,
    satisfaction: Optional[Union[Value, Sequence[Value]]] = None,
    share_of_wallet: Optional[Union[Value, Sequence[Value]]] = None,
    category_spend: Optional[Union[Value, Sequence[Value]]] = None,
    sow_scale: Optional[Union[Value, Sequence[Value]]] = None,
    revenue: Optional[Union[Value, Sequence[Value]]] = None,
    profit: Optional[Union[Value, Sequence[Value]]] = None,
    cost: Optional[Union[Value, Sequence[Value]]] = None,
    segment_rule: Optional[Union[Value, Sequence[Value]]] = None,
    allow_many_segments: Optional[bool] = None,
    units: Optional[Union[Value, Sequence[Value]]] = None,
    sheet: Optional[Union[Value, Sequence[Value]]] = None,
    encoding: Optional[Union[Value, Sequence[Value]]] = None,
    separator: Optional[Union[Value, Sequence[Value]]] = None,
    decimal_comma: Optional[bool] = None,
    missing_codes: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    allow_out_of_range: Optional[bool] = None,
    output: Optional[Union[Value, Sequence[Value]]] = None,
    diagnostics_json: Optional[Union[Value, Sequence[Value]]] = None,
    lang: Optional[str] = None,
) -> Result:
    """Build the one-row-per-customer table from a study file (or --data and role flags)"""

def simulate(
    *,
    scenario: Optional[Union[Value, Sequence[Value]]] = None,
    seed: Optional[Union[Value, Sequence[Value]]] = None,
    customers: Optional[Union[Value, Sequence[Value]]] = None,
    out: Optional[Union[Value, Sequence[Value]]] = None,
    force: Optional[bool] = None,
    format: Optional[Union[Value, Sequence[Value]]] = None,
    lang: Optional[str] = None,
) -> Result:
    """Generate a sample study with known true coefficients"""

def regress(
    *,
    data: Optional[Table] = None,
    study: Optional[Study] = None,
    id: Optional[Union[Value, Sequence[Value]]] = None,
    sheet: Optional[Union[Value, Sequence[Value]]] = None,
    encoding: Optional[Union[Value, Sequence[Value]]] = None,
    separator: Optional[Union[Value, Sequence[Value]]] = None,
    decimal_comma: Optional[bool] = None,
    missing_codes: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    allow_out_of_range: Optional[bool] = None,
    formula: Optional[Union[Value, Sequence[Value]]] = None,
    by: Optional[Union[Value, Sequence[Value]]] = None,
    se: Optional[Union[Value, Sequence[Value]]] = None,
    confidence: Optional[Union[Value, Sequence[Value]]] = None,
    format: Optional[Union[Value, Sequence[Value]]] = None,
    output: Optional[Union[Value, Sequence[Value]]] = None,
    streaming: Optional[bool] = None,
    export: Optional[Union[Value, Sequence[Value]]] = None,
    force: Optional[bool] = None,
    lang: Optional[str] = None,
) -> Result:
    """OLS regression with full inference, robust SEs and diagnostics"""

def chain(
    *,
    study: Optional[Study] = None,
    data: Optional[Table] = None,
    id: Optional[Union[Value, Sequence[Value]]] = None,
    satisfaction: Optional[Union[Value, Sequence[Value]]] = None,
    share_of_wallet: Optional[Union[Value, Sequence[Value]]] = None,
    category_spend: Optional[Union[Value, Sequence[Value]]] = None,
    sow_scale: Optional[Union[Value, Sequence[Value]]] = None,
    revenue: Optional[Union[Value, Sequence[Value]]] = None,
    profit: Optional[Union[Value, Sequence[Value]]] = None,
    cost: Optional[Union[Value, Sequence[Value]]] = None,
    segment_rule: Optional[Union[Value, Sequence[Value]]] = None,
    allow_many_segments: Optional[bool] = None,
    units: Optional[Union[Value, Sequence[Value]]] = None,
    sheet: Optional[Union[Value, Sequence[Value]]] = None,
    encoding: Optional[Union[Value, Sequence[Value]]] = None,
    separator: Optional[Union[Value, Sequence[Value]]] = None,
    decimal_comma: Optional[bool] = None,
    missing_codes: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    allow_out_of_range: Optional[bool] = None,
    bootstrap: Optional[Union[Value, Sequence[Value]]] = None,
    seed: Optional[Union[Value, Sequence[Value]]] = None,
    confidence: Optional[Union[Value, Sequence[Value]]] = None,
    alpha: Optional[Union[Value, Sequence[Value]]] = None,
    se: Optional[Union[Value, Sequence[Value]]] = None,
    resampling: Optional[Union[Value, Sequence[Value]]] = None,
    covariate: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    moderator: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    quadratic: Optional[bool] = None,
    spearman: Optional[bool] = None,
    outcome: Optional[Union[Value, Sequence[Value]]] = None,
    format: Optional[Union[Value, Sequence[Value]]] = None,
    output: Optional[Union[Value, Sequence[Value]]] = None,
    export: Optional[Union[Value, Sequence[Value]]] = None,
    force: Optional[bool] = None,
    streaming: Optional[bool] = None,
    lang: Optional[str] = None,
) -> Result:
    """The satisfaction → SOW → revenue → profit chain per segment, with mediation"""

def metrics(
    *,
    data: Optional[Table] = None,
    study: Optional[Study] = None,
    csat: Optional[Union[Value, Sequence[Value]]] = None,
    csat_scale: Optional[Union[Value, Sequence[Value]]] = None,
    nps: Optional[Union[Value, Sequence[Value]]] = None,
    ces: Optional[Union[Value, Sequence[Value]]] = None,
    ces_scale: Optional[Union[Value, Sequence[Value]]] = None,
    csi: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    csi_scale: Optional[Union[Value, Sequence[Value]]] = None,
    weights: Optional[Union[Value, Sequence[Value]]] = None,
    retained: Optional[Union[Value, Sequence[Value]]] = None,
    next_wave: Optional[Table] = None,
    by: Optional[Union[Value, Sequence[Value]]] = None,
    id: Optional[Union[Value, Sequence[Value]]] = None,
    rollup: Optional[Union[Value, Sequence[Value]]] = None,
    confidence: Optional[Union[Value, Sequence[Value]]] = None,
    streaming: Optional[bool] = None,
    format: Optional[Union[Value, Sequence[Value]]] = None,
    output: Optional[Union[Value, Sequence[Value]]] = None,
    export: Optional[Union[Value, Sequence[Value]]] = None,
    force: Optional[bool] = None,
    sheet: Optional[Union[Value, Sequence[Value]]] = None,
    encoding: Optional[Union[Value, Sequence[Value]]] = None,
    separator: Optional[Union[Value, Sequence[Value]]] = None,
    decimal_comma: Optional[bool] = None,
    missing_codes: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    allow_out_of_range: Optional[bool] = None,
    lang: Optional[str] = None,
) -> Result:
    """CSAT, NPS, CES, CSI and retention, overall or by group"""

def drivers(
    *,
    data: Optional[Table] = None,
    target: Optional[Union[Value, Sequence[Value]]] = None,
    drivers: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    by: Optional[Union[Value, Sequence[Value]]] = None,
    bootstrap: Optional[Union[Value, Sequence[Value]]] = None,
    seed: Optional[Union[Value, Sequence[Value]]] = None,
    confidence: Optional[Union[Value, Sequence[Value]]] = None,
    svg: Optional[Union[Value, Sequence[Value]]] = None,
    format: Optional[Union[Value, Sequence[Value]]] = None,
    output: Optional[Union[Value, Sequence[Value]]] = None,
    export: Optional[Union[Value, Sequence[Value]]] = None,
    force: Optional[bool] = None,
    sheet: Optional[Union[Value, Sequence[Value]]] = None,
    encoding: Optional[Union[Value, Sequence[Value]]] = None,
    separator: Optional[Union[Value, Sequence[Value]]] = None,
    decimal_comma: Optional[bool] = None,
    missing_codes: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    allow_out_of_range: Optional[bool] = None,
    streaming: Optional[bool] = None,
    lang: Optional[str] = None,
) -> Result:
    """Key-driver analysis: Shapley importance and relative weights of attribute ratings"""

def feedback(
    *,
    data: Optional[Table] = None,
    study: Optional[Study] = None,
    comment: Optional[Union[Value, Sequence[Value]]] = None,
    rating: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    by: Optional[Union[Value, Sequence[Value]]] = None,
    id: Optional[Union[Value, Sequence[Value]]] = None,
    codebook: Optional[Union[Value, Sequence[Value]]] = None,
    suggest: Optional[Union[Value, Sequence[Value]]] = None,
    write_defaults: Optional[Union[Value, Sequence[Value]]] = None,
    stopwords_en: Optional[Union[Value, Sequence[Value]]] = None,
    stopwords_zh: Optional[Union[Value, Sequence[Value]]] = None,
    lexicon_en: Optional[Union[Value, Sequence[Value]]] = None,
    lexicon_zh: Optional[Union[Value, Sequence[Value]]] = None,
    user_dict: Optional[Union[Value, Sequence[Value]]] = None,
    examples: Optional[Union[Value, Sequence[Value]]] = None,
    mask: Optional[bool] = None,
    max_chars: Optional[Union[Value, Sequence[Value]]] = None,
    min_comments: Optional[Union[Value, Sequence[Value]]] = None,
    top: Optional[Union[Value, Sequence[Value]]] = None,
    scale: Optional[Union[Value, Sequence[Value]]] = None,
    bootstrap: Optional[Union[Value, Sequence[Value]]] = None,
    seed: Optional[Union[Value, Sequence[Value]]] = None,
    confidence: Optional[Union[Value, Sequence[Value]]] = None,
    comments: Optional[Union[Value, Sequence[Value]]] = None,
    format: Optional[Union[Value, Sequence[Value]]] = None,
    output: Optional[Union[Value, Sequence[Value]]] = None,
    export: Optional[Union[Value, Sequence[Value]]] = None,
    force: Optional[bool] = None,
    sheet: Optional[Union[Value, Sequence[Value]]] = None,
    encoding: Optional[Union[Value, Sequence[Value]]] = None,
    separator: Optional[Union[Value, Sequence[Value]]] = None,
    decimal_comma: Optional[bool] = None,
    missing_codes: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    allow_out_of_range: Optional[bool] = None,
    lang: Optional[str] = None,
) -> Result:
    """Themes in open-ended comments (Chinese and English): prevalence per segment, impact on the ratings, what the codebook misses, and through the chain their profit"""

def value(
    *,
    data: Optional[Table] = None,
    id: Optional[Union[Value, Sequence[Value]]] = None,
    revenue: Optional[Union[Value, Sequence[Value]]] = None,
    profit: Optional[Union[Value, Sequence[Value]]] = None,
    cost: Optional[Union[Value, Sequence[Value]]] = None,
    retention: Optional[Union[Value, Sequence[Value]]] = None,
    discount: Optional[Union[Value, Sequence[Value]]] = None,
    margin: Optional[Union[Value, Sequence[Value]]] = None,
    war: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    svg: Optional[Union[Value, Sequence[Value]]] = None,
    format: Optional[Union[Value, Sequence[Value]]] = None,
    output: Optional[Union[Value, Sequence[Value]]] = None,
    export: Optional[Union[Value, Sequence[Value]]] = None,
    force: Optional[bool] = None,
    sheet: Optional[Union[Value, Sequence[Value]]] = None,
    encoding: Optional[Union[Value, Sequence[Value]]] = None,
    separator: Optional[Union[Value, Sequence[Value]]] = None,
    decimal_comma: Optional[bool] = None,
    lang: Optional[str] = None,
) -> Result:
    """Customer value: whale curve, profit and revenue deciles, CLV, Wallet Allocation Rule"""

def clv(
    *,
    transactions: Optional[Table] = None,
    id: Optional[Union[Value, Sequence[Value]]] = None,
    date: Optional[Union[Value, Sequence[Value]]] = None,
    amount: Optional[Union[Value, Sequence[Value]]] = None,
    date_format: Optional[Union[Value, Sequence[Value]]] = None,
    calibration_end: Optional[Union[Value, Sequence[Value]]] = None,
    observation_end: Optional[Union[Value, Sequence[Value]]] = None,
    time_unit: Optional[Union[Value, Sequence[Value]]] = None,
    horizon: Optional[Union[Value, Sequence[Value]]] = None,
    discount: Optional[Union[Value, Sequence[Value]]] = None,
    margin: Optional[Union[Value, Sequence[Value]]] = None,
    model: Optional[Union[Value, Sequence[Value]]] = None,
    compare: Optional[Union[Value, Sequence[Value]]] = None,
    returns: Optional[Union[Value, Sequence[Value]]] = None,
    allow_end_after_data: Optional[bool] = None,
    customers_out: Optional[Union[Value, Sequence[Value]]] = None,
    format: Optional[Union[Value, Sequence[Value]]] = None,
    output: Optional[Union[Value, Sequence[Value]]] = None,
    streaming: Optional[bool] = None,
    buckets: Optional[Union[Value, Sequence[Value]]] = None,
    covariates: Optional[Union[Value, Sequence[Value]]] = None,
    covariate_id: Optional[Union[Value, Sequence[Value]]] = None,
    covariate: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    covariate_purchase: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    covariate_dropout: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    covariate_equal: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    covariate_spend: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    seed: Optional[Union[Value, Sequence[Value]]] = None,
    export: Optional[Union[Value, Sequence[Value]]] = None,
    force: Optional[bool] = None,
    sheet: Optional[Union[Value, Sequence[Value]]] = None,
    encoding: Optional[Union[Value, Sequence[Value]]] = None,
    separator: Optional[Union[Value, Sequence[Value]]] = None,
    decimal_comma: Optional[bool] = None,
    lang: Optional[str] = None,
) -> Result:
    """Customer lifetime value from a transaction log: BG/NBD, MBG/NBD, Pareto/NBD or BG/BB purchases and Gamma-Gamma spend"""

def retention(
    *,
    cohorts: Optional[Union[Value, Sequence[Value]]] = None,
    period: Optional[Union[Value, Sequence[Value]]] = None,
    subscriptions: Optional[Union[Value, Sequence[Value]]] = None,
    id: Optional[Union[Value, Sequence[Value]]] = None,
    start: Optional[Union[Value, Sequence[Value]]] = None,
    end: Optional[Union[Value, Sequence[Value]]] = None,
    date_format: Optional[Union[Value, Sequence[Value]]] = None,
    as_of: Optional[Union[Value, Sequence[Value]]] = None,
    segment: Optional[Union[Value, Sequence[Value]]] = None,
    covariate: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    time_unit: Optional[Union[Value, Sequence[Value]]] = None,
    fit_periods: Optional[Union[Value, Sequence[Value]]] = None,
    horizon: Optional[Union[Value, Sequence[Value]]] = None,
    discount: Optional[Union[Value, Sequence[Value]]] = None,
    margin: Optional[Union[Value, Sequence[Value]]] = None,
    seed: Optional[Union[Value, Sequence[Value]]] = None,
    format: Optional[Union[Value, Sequence[Value]]] = None,
    output: Optional[Union[Value, Sequence[Value]]] = None,
    export: Optional[Union[Value, Sequence[Value]]] = None,
    force: Optional[bool] = None,
    sheet: Optional[Union[Value, Sequence[Value]]] = None,
    encoding: Optional[Union[Value, Sequence[Value]]] = None,
    separator: Optional[Union[Value, Sequence[Value]]] = None,
    decimal_comma: Optional[bool] = None,
    lang: Optional[str] = None,
) -> Result:
    """Contractual retention: the shifted-beta-geometric (sBG) model per cohort or segment, projected survival, DEL, DERL and CLV; covariates such as satisfaction"""

def csi(
    *,
    data: Optional[Table] = None,
    model: Optional[Union[Value, Sequence[Value]]] = None,
    scheme: Optional[Union[Value, Sequence[Value]]] = None,
    tolerance: Optional[Union[Value, Sequence[Value]]] = None,
    max_iterations: Optional[Union[Value, Sequence[Value]]] = None,
    consistent: Optional[bool] = None,
    bootstrap: Optional[Union[Value, Sequence[Value]]] = None,
    seed: Optional[Union[Value, Sequence[Value]]] = None,
    confidence: Optional[Union[Value, Sequence[Value]]] = None,
    missing: Optional[Union[Value, Sequence[Value]]] = None,
    scale: Optional[Union[Value, Sequence[Value]]] = None,
    target: Optional[Union[Value, Sequence[Value]]] = None,
    resampling: Optional[Union[Value, Sequence[Value]]] = None,
    streaming: Optional[bool] = None,
    by: Optional[Union[Value, Sequence[Value]]] = None,
    permutations: Optional[Union[Value, Sequence[Value]]] = None,
    scores_out: Optional[Union[Value, Sequence[Value]]] = None,
    respondent: Optional[Union[Value, Sequence[Value]]] = None,
    id: Optional[Union[Value, Sequence[Value]]] = None,
    format: Optional[Union[Value, Sequence[Value]]] = None,
    output: Optional[Union[Value, Sequence[Value]]] = None,
    export: Optional[Union[Value, Sequence[Value]]] = None,
    force: Optional[bool] = None,
    sheet: Optional[Union[Value, Sequence[Value]]] = None,
    encoding: Optional[Union[Value, Sequence[Value]]] = None,
    separator: Optional[Union[Value, Sequence[Value]]] = None,
    decimal_comma: Optional[bool] = None,
    missing_codes: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    allow_out_of_range: Optional[bool] = None,
    lang: Optional[str] = None,
) -> Result:
    """Satisfaction index model (ECSI/ACSI style): PLS path modeling of multi-item survey data, 0-100 indices, reliability, HTMT and importance-performance"""

def invest(
    *,
    study: Optional[Study] = None,
    data: Optional[Table] = None,
    id: Optional[Union[Value, Sequence[Value]]] = None,
    satisfaction: Optional[Union[Value, Sequence[Value]]] = None,
    share_of_wallet: Optional[Union[Value, Sequence[Value]]] = None,
    category_spend: Optional[Union[Value, Sequence[Value]]] = None,
    sow_scale: Optional[Union[Value, Sequence[Value]]] = None,
    revenue: Optional[Union[Value, Sequence[Value]]] = None,
    profit: Optional[Union[Value, Sequence[Value]]] = None,
    cost: Optional[Union[Value, Sequence[Value]]] = None,
    segment_rule: Optional[Union[Value, Sequence[Value]]] = None,
    allow_many_segments: Optional[bool] = None,
    units: Optional[Union[Value, Sequence[Value]]] = None,
    sheet: Optional[Union[Value, Sequence[Value]]] = None,
    encoding: Optional[Union[Value, Sequence[Value]]] = None,
    separator: Optional[Union[Value, Sequence[Value]]] = None,
    decimal_comma: Optional[bool] = None,
    missing_codes: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    allow_out_of_range: Optional[bool] = None,
    bootstrap: Optional[Union[Value, Sequence[Value]]] = None,
    seed: Optional[Union[Value, Sequence[Value]]] = None,
    confidence: Optional[Union[Value, Sequence[Value]]] = None,
    alpha: Optional[Union[Value, Sequence[Value]]] = None,
    se: Optional[Union[Value, Sequence[Value]]] = None,
    resampling: Optional[Union[Value, Sequence[Value]]] = None,
    covariate: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    moderator: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    quadratic: Optional[bool] = None,
    add: Optional[Union[Value, Sequence[Value]]] = None,
    to: Optional[Union[Value, Sequence[Value]]] = None,
    gap: Optional[Union[Value, Sequence[Value]]] = None,
    segment: Optional[Union[Value, Sequence[Value]]] = None,
    rule: Optional[Union[Value, Sequence[Value]]] = None,
    driver: Optional[Union[Value, Sequence[Value]]] = None,
    attribute: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    name: Optional[Union[Value, Sequence[Value]]] = None,
    fixed_cost: Optional[Union[Value, Sequence[Value]]] = None,
    cost_per_customer: Optional[Union[Value, Sequence[Value]]] = None,
    cost_per_point: Optional[Union[Value, Sequence[Value]]] = None,
    horizon: Optional[Union[Value, Sequence[Value]]] = None,
    discount: Optional[Union[Value, Sequence[Value]]] = None,
    retention: Optional[Union[Value, Sequence[Value]]] = None,
    scale: Optional[Union[Value, Sequence[Value]]] = None,
    format: Optional[Union[Value, Sequence[Value]]] = None,
    output: Optional[Union[Value, Sequence[Value]]] = None,
    export: Optional[Union[Value, Sequence[Value]]] = None,
    force: Optional[bool] = None,
    lang: Optional[str] = None,
) -> Result:
    """Return on satisfaction: what raising satisfaction is worth per segment, through the fitted chain, with bootstrap intervals, against a programme's cost"""

def segments(
    *,
    data: Optional[Table] = None,
    study: Optional[Study] = None,
    id: Optional[Union[Value, Sequence[Value]]] = None,
    sheet: Optional[Union[Value, Sequence[Value]]] = None,
    encoding: Optional[Union[Value, Sequence[Value]]] = None,
    separator: Optional[Union[Value, Sequence[Value]]] = None,
    decimal_comma: Optional[bool] = None,
    missing_codes: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    allow_out_of_range: Optional[bool] = None,
    formula: Optional[Union[Value, Sequence[Value]]] = None,
    chain: Optional[bool] = None,
    covariate: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    by: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    classes: Optional[Union[Value, Sequence[Value]]] = None,
    concomitant: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    starts: Optional[Union[Value, Sequence[Value]]] = None,
    seed: Optional[Union[Value, Sequence[Value]]] = None,
    minsize: Optional[Union[Value, Sequence[Value]]] = None,
    alpha: Optional[Union[Value, Sequence[Value]]] = None,
    maxdepth: Optional[Union[Value, Sequence[Value]]] = None,
    trim: Optional[Union[Value, Sequence[Value]]] = None,
    no_bonferroni: Optional[bool] = None,
    prune: Optional[Union[Value, Sequence[Value]]] = None,
    format: Optional[Union[Value, Sequence[Value]]] = None,
    output: Optional[Union[Value, Sequence[Value]]] = None,
    export: Optional[Union[Value, Sequence[Value]]] = None,
    force: Optional[bool] = None,
    lang: Optional[str] = None,
) -> Result:
    """Where does a regression differ? A linear model tree over the variables you name (model-based recursive partitioning, as R partykit's lmtree)"""

def report(
    *,
    study: Optional[Study] = None,
    data: Optional[Table] = None,
    id: Optional[Union[Value, Sequence[Value]]] = None,
    satisfaction: Optional[Union[Value, Sequence[Value]]] = None,
    share_of_wallet: Optional[Union[Value, Sequence[Value]]] = None,
    category_spend: Optional[Union[Value, Sequence[Value]]] = None,
    sow_scale: Optional[Union[Value, Sequence[Value]]] = None,
    revenue: Optional[Union[Value, Sequence[Value]]] = None,
    profit: Optional[Union[Value, Sequence[Value]]] = None,
    cost: Optional[Union[Value, Sequence[Value]]] = None,
    segment_rule: Optional[Union[Value, Sequence[Value]]] = None,
    allow_many_segments: Optional[bool] = None,
    units: Optional[Union[Value, Sequence[Value]]] = None,
    sheet: Optional[Union[Value, Sequence[Value]]] = None,
    encoding: Optional[Union[Value, Sequence[Value]]] = None,
    separator: Optional[Union[Value, Sequence[Value]]] = None,
    decimal_comma: Optional[bool] = None,
    missing_codes: Optional[Union[Value, Sequence[Value], Mapping[str, Value]]] = None,
    allow_out_of_range: Optional[bool] = None,
    bootstrap: Optional[Union[Value, Sequence[Value]]] = None,
    seed: Optional[Union[Value, Sequence[Value]]] = None,
    confidence: Optional[Union[Value, Sequence[Value]]] = None,
    alpha: Optional[Union[Value, Sequence[Value]]] = None,
    se: Optional[Union[Value, Sequence[Value]]] = None,
    resampling: Optional[Union[Value, Sequence[Value]]] = None,
    out: Optional[Union[Value, Sequence[Value]]] = None,
    force: Optional[bool] = None,
    lang: Optional[str] = None,
) -> Result:
    """Full report: HTML, Markdown, charts and CSV/JSON/XLSX/LaTeX tables in a folder"""
