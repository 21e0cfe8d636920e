-- Programme facts database. Built by `python -m dashboard build`; see README "SQL interface".
-- {unit_codes} is replaced by the validated unit codes of data/reference/units.csv.

CREATE TABLE sources (
    source_id   VARCHAR PRIMARY KEY,
    title       VARCHAR NOT NULL,
    publisher   VARCHAR NOT NULL,
    published   VARCHAR NOT NULL,
    data_as_of  DATE NOT NULL,
    text_file   VARCHAR NOT NULL,
    text_sha256 VARCHAR NOT NULL
);

CREATE TABLE units (
    code        VARCHAR PRIMARY KEY,
    symbol_fr   VARCHAR NOT NULL,
    base_unit   VARCHAR NOT NULL,
    factor      DOUBLE NOT NULL CHECK (factor > 0),
    description VARCHAR
);

CREATE TABLE territories (
    code        VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL CHECK (kind IN ('national', 'section', 'drom')),
    parent_code VARCHAR REFERENCES territories (code),
    insee_codes VARCHAR,
    sort_order  INTEGER NOT NULL
);

CREATE TABLE sections (
    code       VARCHAR PRIMARY KEY,
    title      VARCHAR NOT NULL,
    page       INTEGER,
    sort_order INTEGER NOT NULL
);

CREATE TABLE measures (
    code        VARCHAR PRIMARY KEY,
    label       VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL CHECK (kind IN ('stock', 'flow', 'ratio', 'indicator')),
    numerator   VARCHAR,
    denominator VARCHAR,
    description VARCHAR,
    CHECK ((kind = 'ratio') = (numerator IS NOT NULL AND denominator IS NOT NULL))
);

CREATE TABLE dimension_members (
    dimension  VARCHAR NOT NULL,
    member     VARCHAR NOT NULL,
    label      VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL,
    PRIMARY KEY (dimension, member)
);

CREATE TABLE facts (
    fact_id        VARCHAR PRIMARY KEY,
    source_id      VARCHAR NOT NULL REFERENCES sources (source_id),
    territory_code VARCHAR NOT NULL REFERENCES territories (code),
    scope          VARCHAR,
    measure        VARCHAR NOT NULL REFERENCES measures (code),
    dimension      VARCHAR,
    member         VARCHAR,
    sub_dimension  VARCHAR,
    sub_member     VARCHAR,
    period         VARCHAR NOT NULL,
    period_type    VARCHAR NOT NULL CHECK (period_type IN ('year', 'range', 'as_of')),
    period_start   DATE,
    period_end     DATE NOT NULL,
    qualifier      VARCHAR CHECK (qualifier IN ('plus de', 'moins de', 'au moins', 'près de', 'environ')),
    value_text     VARCHAR NOT NULL CHECK (length(value_text) > 0),
    value          DOUBLE NOT NULL CHECK (value >= 0),
    unit           VARCHAR NOT NULL REFERENCES units (code) CHECK (unit IN ({unit_codes})),
    context        VARCHAR NOT NULL CHECK (context IN ('key_figures', 'narrative')),
    section        VARCHAR NOT NULL REFERENCES sections (code),
    quote          VARCHAR NOT NULL CHECK (length(quote) > 0),
    note           VARCHAR,
    source_file    VARCHAR NOT NULL,
    source_line    INTEGER NOT NULL,
    FOREIGN KEY (dimension, member) REFERENCES dimension_members (dimension, member),
    FOREIGN KEY (sub_dimension, sub_member) REFERENCES dimension_members (dimension, member),
    CHECK ((dimension IS NULL) = (member IS NULL)),
    CHECK ((sub_dimension IS NULL) = (sub_member IS NULL)),
    CHECK (sub_dimension IS NULL OR dimension IS NOT NULL),
    CHECK (period_start IS NULL OR period_start <= period_end)
);

CREATE TABLE quality_findings (
    finding_id     VARCHAR PRIMARY KEY,
    rule           VARCHAR NOT NULL CHECK (rule IN ('split_sum', 'territory_sum', 'percentage', 'restatement', 'part_exceeds_whole')),
    severity       VARCHAR NOT NULL CHECK (severity IN ('high', 'medium', 'low')),
    territory_code VARCHAR NOT NULL REFERENCES territories (code),
    measure        VARCHAR NOT NULL REFERENCES measures (code),
    period         VARCHAR NOT NULL,
    breakdown      VARCHAR,
    unit           VARCHAR NOT NULL REFERENCES units (code),
    expected       DOUBLE NOT NULL,
    actual         DOUBLE NOT NULL,
    gap            DOUBLE NOT NULL,
    tolerance      VARCHAR NOT NULL,
    message        VARCHAR NOT NULL
);

CREATE TABLE quality_finding_facts (
    finding_id VARCHAR NOT NULL REFERENCES quality_findings (finding_id),
    fact_id    VARCHAR NOT NULL REFERENCES facts (fact_id),
    role       VARCHAR NOT NULL CHECK (role IN ('expected', 'actual', 'part', 'numerator', 'denominator')),
    PRIMARY KEY (finding_id, fact_id)
);

-- One row per fact with labels and the value converted to its base unit (M€, count, %, m²).
CREATE VIEW facts_detail AS
SELECT
    f.fact_id, f.source_id, f.territory_code, t.name AS territory_name, t.kind AS territory_kind,
    f.scope, f.measure, m.label AS measure_label, m.kind AS measure_kind,
    f.dimension, f.member, dm.label AS member_label, f.sub_dimension, f.sub_member, sm.label AS sub_member_label,
    f.period, f.period_type, f.period_start, f.period_end,
    f.qualifier, f.value_text, f.value, f.unit, u.symbol_fr AS unit_symbol,
    f.value * u.factor AS value_base, u.base_unit,
    f.context, f.section, s.title AS section_title, f.quote, f.note
FROM facts f
JOIN territories t ON t.code = f.territory_code
JOIN measures m ON m.code = f.measure
JOIN units u ON u.code = f.unit
JOIN sections s ON s.code = f.section
LEFT JOIN dimension_members dm ON dm.dimension = f.dimension AND dm.member = f.member
LEFT JOIN dimension_members sm ON sm.dimension = f.sub_dimension AND sm.member = f.sub_member;

-- The report's regional key-figure blocks, one row per section, values as printed.
CREATE VIEW region_key_figures AS
WITH kf AS (
    SELECT * FROM facts
    WHERE context = 'key_figures' AND scope IS NULL AND sub_dimension IS NULL AND unit <> 'PCT'
)
SELECT
    t.code AS region_code,
    t.name AS region_name,
    CAST(max(value) FILTER (WHERE measure = 'qpv' AND dimension IS NULL) AS INTEGER) AS qpv_count,
    max(value) FILTER (WHERE measure = 'concours_alloues' AND dimension IS NULL AND unit = 'MEUR') AS concours_alloues_meur,
    max(value) FILTER (WHERE measure = 'concours_alloues' AND dimension = 'financement' AND member = 'pret' AND unit = 'MEUR') AS prets_alloues_meur,
    max(value) FILTER (WHERE measure = 'prets_engages' AND dimension IS NULL AND period_type = 'range' AND unit = 'MEUR') AS prets_engages_cumul_meur,
    max(value) FILTER (WHERE measure = 'prets_engages' AND dimension IS NULL AND period_type = 'year' AND unit = 'MEUR') AS prets_engages_2024_meur,
    CAST(max(value) FILTER (WHERE measure = 'droits_reservation' AND dimension IS NULL) AS INTEGER) AS droits_total,
    CAST(max(value) FILTER (WHERE measure = 'droits_reservation' AND member = 'requalification') AS INTEGER) AS droits_requalification,
    CAST(max(value) FILTER (WHERE measure = 'droits_reservation' AND member = 'reconstitution') AS INTEGER) AS droits_reconstitution,
    CAST(max(value) FILTER (WHERE measure = 'contreparties_foncieres' AND dimension IS NULL) AS INTEGER) AS cf_total,
    CAST(max(value) FILTER (WHERE measure = 'contreparties_foncieres' AND member = 'fonciere_logement') AS INTEGER) AS cf_fonciere_logement,
    CAST(max(value) FILTER (WHERE measure = 'contreparties_foncieres' AND member = 'esh_groupe') AS INTEGER) AS cf_esh_groupe,
    CAST(max(value) FILTER (WHERE measure = 'menages_loges' AND dimension IS NULL) AS INTEGER) AS menages_loges
FROM territories t
LEFT JOIN kf ON kf.territory_code = t.code
WHERE t.kind = 'section'
GROUP BY t.code, t.name, t.sort_order
ORDER BY t.sort_order;
