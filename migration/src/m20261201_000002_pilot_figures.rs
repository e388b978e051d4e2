//! `pilot_figures`: counts and financing sums per cell of (program, region, type, status),
//! kept by triggers on `pilots` and `financing_sources` in the same statement as the change,
//! whoever writes. Statistics group these cells instead of every pilot and every source; sums
//! are whole cents (BIGINT), exact. The cells carry the region and type columns the scope of
//! region-bound viewers reads, under the pilot's names, so that scope condition applies to
//! them unchanged.

use crate::names::run_for_backend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const KEYS: &str =
    "program_id, province_code, municipality_code, county_code, region_code, pilot_type, status";

const TABLE: &str = "CREATE TABLE pilot_figures (
    program_id BIGINT NOT NULL,
    province_code VARCHAR(6) NOT NULL,
    municipality_code VARCHAR(6) NOT NULL,
    county_code VARCHAR(6),
    region_code VARCHAR(6) NOT NULL,
    pilot_type VARCHAR(48) NOT NULL,
    status VARCHAR(48) NOT NULL,
    pilot_count BIGINT NOT NULL,
    committed_cents BIGINT NOT NULL,
    disbursed_cents BIGINT NOT NULL
);
CREATE UNIQUE INDEX ux_pilot_figures_cell ON pilot_figures (program_id, region_code, pilot_type, status);
CREATE INDEX ix_pilot_figures_municipality ON pilot_figures (municipality_code);
CREATE INDEX ix_pilot_figures_province ON pilot_figures (province_code);";

/// The cell of a pilot row `p` (`NEW`, `OLD` or a table alias).
fn cell(p: &str) -> String {
    format!(
        "program_id = {p}.program_id AND region_code = {p}.region_code AND pilot_type = {p}.pilot_type \
         AND status = {p}.status"
    )
}

/// Makes sure the cell of pilot row `p` exists.
fn ensure(p: &str, ignore: &str) -> String {
    format!(
        "INSERT {ignore} INTO pilot_figures ({KEYS}, pilot_count, committed_cents, disbursed_cents) \
         VALUES ({p}.program_id, {p}.province_code, {p}.municipality_code, {p}.county_code, {p}.region_code, \
         {p}.pilot_type, {p}.status, 0, 0, 0)"
    )
}

/// Fills the cells from the rows already there.
fn backfill(cents: &dyn Fn(&str) -> String) -> String {
    format!(
        "INSERT INTO pilot_figures ({KEYS}, pilot_count, committed_cents, disbursed_cents)
         SELECT p.program_id, p.province_code, p.municipality_code, p.county_code, p.region_code, p.pilot_type,
                p.status, COUNT(*), COALESCE(SUM(f.c), 0), COALESCE(SUM(f.d), 0)
         FROM pilots p LEFT JOIN (
             SELECT pilot_id, SUM({}) AS c, SUM({}) AS d FROM financing_sources
             WHERE status <> 'CANCELLED' GROUP BY pilot_id
         ) f ON f.pilot_id = p.id
         GROUP BY p.program_id, p.province_code, p.municipality_code, p.county_code, p.region_code,
                  p.pilot_type, p.status",
        cents("committed_amount"),
        cents("disbursed_amount")
    )
}

fn postgres() -> String {
    let cents = |c: &str| format!("pilot_figures_cents({c})");
    let new_cell = cell("NEW");
    let old_cell = cell("OLD");
    let ensure_new = ensure("NEW", "");
    let backfill = backfill(&cents);
    format!(
        "{TABLE}
CREATE FUNCTION pilot_figures_cents(amount TEXT) RETURNS BIGINT AS $$
  SELECT (CAST(amount AS NUMERIC) * 100)::BIGINT $$ LANGUAGE sql IMMUTABLE;
CREATE FUNCTION pilot_figures_pilot() RETURNS trigger AS $$
DECLARE c BIGINT := 0; d BIGINT := 0;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.status = NEW.status THEN RETURN NEW; END IF;
    SELECT COALESCE(SUM(pilot_figures_cents(committed_amount)), 0), COALESCE(SUM(pilot_figures_cents(disbursed_amount)), 0)
      INTO c, d FROM financing_sources WHERE pilot_id = NEW.id AND status <> 'CANCELLED';
    UPDATE pilot_figures SET pilot_count = pilot_count - 1, committed_cents = committed_cents - c,
      disbursed_cents = disbursed_cents - d WHERE {old_cell};
  END IF;
  {ensure_new} ON CONFLICT DO NOTHING;
  UPDATE pilot_figures SET pilot_count = pilot_count + 1, committed_cents = committed_cents + c,
    disbursed_cents = disbursed_cents + d WHERE {new_cell};
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER pilot_figures_pilot AFTER INSERT OR UPDATE OF status ON pilots
  FOR EACH ROW EXECUTE FUNCTION pilot_figures_pilot();
CREATE FUNCTION pilot_figures_source() RETURNS trigger AS $$
DECLARE c BIGINT := 0; d BIGINT := 0;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status <> 'CANCELLED' THEN
    c := c - pilot_figures_cents(OLD.committed_amount); d := d - pilot_figures_cents(OLD.disbursed_amount);
  END IF;
  IF NEW.status <> 'CANCELLED' THEN
    c := c + pilot_figures_cents(NEW.committed_amount); d := d + pilot_figures_cents(NEW.disbursed_amount);
  END IF;
  UPDATE pilot_figures f SET committed_cents = f.committed_cents + c, disbursed_cents = f.disbursed_cents + d
    FROM pilots p WHERE p.id = NEW.pilot_id AND f.program_id = p.program_id AND f.region_code = p.region_code
    AND f.pilot_type = p.pilot_type AND f.status = p.status;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER pilot_figures_source AFTER INSERT OR UPDATE ON financing_sources
  FOR EACH ROW EXECUTE FUNCTION pilot_figures_source();
{backfill};"
    )
}

fn sqlite() -> String {
    let cents = |c: &str| format!("CAST(ROUND(CAST({c} AS REAL) * 100) AS INTEGER)");
    let pilot_money = |c: &str| {
        format!(
            "(SELECT COALESCE(SUM({}), 0) FROM financing_sources s WHERE s.pilot_id = NEW.id AND s.status <> 'CANCELLED')",
            cents(&format!("s.{c}"))
        )
    };
    let live = |row: &str, c: &str| {
        format!(
            "(CASE WHEN {row}.status <> 'CANCELLED' THEN {} ELSE 0 END)",
            cents(&format!("{row}.{c}"))
        )
    };
    let of_source = "(program_id, region_code, pilot_type, status) = \
         (SELECT program_id, region_code, pilot_type, status FROM pilots WHERE id = NEW.pilot_id)";
    let new_cell = cell("NEW");
    let old_cell = cell("OLD");
    let ensure_new = ensure("NEW", "OR IGNORE");
    let backfill = backfill(&cents);
    format!(
        "{TABLE}
CREATE TRIGGER pilot_figures_pilot_insert AFTER INSERT ON pilots BEGIN
  {ensure_new};
  UPDATE pilot_figures SET pilot_count = pilot_count + 1 WHERE {new_cell};
END;
CREATE TRIGGER pilot_figures_pilot_status AFTER UPDATE OF status ON pilots WHEN OLD.status <> NEW.status BEGIN
  UPDATE pilot_figures SET pilot_count = pilot_count - 1,
    committed_cents = committed_cents - {pc}, disbursed_cents = disbursed_cents - {pd} WHERE {old_cell};
  {ensure_new};
  UPDATE pilot_figures SET pilot_count = pilot_count + 1,
    committed_cents = committed_cents + {pc}, disbursed_cents = disbursed_cents + {pd} WHERE {new_cell};
END;
CREATE TRIGGER pilot_figures_source_insert AFTER INSERT ON financing_sources BEGIN
  UPDATE pilot_figures SET committed_cents = committed_cents + {nc}, disbursed_cents = disbursed_cents + {nd}
    WHERE {of_source};
END;
CREATE TRIGGER pilot_figures_source_update AFTER UPDATE ON financing_sources BEGIN
  UPDATE pilot_figures SET committed_cents = committed_cents - {oc} + {nc},
    disbursed_cents = disbursed_cents - {od} + {nd} WHERE {of_source};
END;
{backfill};",
        pc = pilot_money("committed_amount"),
        pd = pilot_money("disbursed_amount"),
        nc = live("NEW", "committed_amount"),
        nd = live("NEW", "disbursed_amount"),
        oc = live("OLD", "committed_amount"),
        od = live("OLD", "disbursed_amount"),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run_for_backend(m, &postgres(), &sqlite()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run_for_backend(
            m,
            "DROP TRIGGER pilot_figures_source ON financing_sources;
                 DROP TRIGGER pilot_figures_pilot ON pilots;
                 DROP FUNCTION pilot_figures_source();
                 DROP FUNCTION pilot_figures_pilot();
                 DROP FUNCTION pilot_figures_cents(TEXT);
                 DROP TABLE pilot_figures;",
            "DROP TRIGGER pilot_figures_source_update;
                 DROP TRIGGER pilot_figures_source_insert;
                 DROP TRIGGER pilot_figures_pilot_status;
                 DROP TRIGGER pilot_figures_pilot_insert;
                 DROP TABLE pilot_figures;",
        )
        .await
    }
}
