//! `pilot_figures_municipal`: the cells of `pilot_figures` rolled up to (program, municipality,
//! type, status), kept by triggers on `pilot_figures` in the same statement as the change
//! below them. Statistics that group by nothing finer than a municipality, for a viewer whose
//! scope names no county, read these: the benchmark's province has 5,412 cells and 1,041 of
//! these, and grouping them is most of the statement's time (3.8 ms a request on PostgreSQL).
//! The rows carry the province and municipality columns under the pilot's names, so the scope
//! condition applies to them unchanged.

use crate::names::run_for_backend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const KEYS: &str = "program_id, province_code, municipality_code, pilot_type, status";

const TABLE: &str = "CREATE TABLE pilot_figures_municipal (
    program_id BIGINT NOT NULL,
    province_code VARCHAR(6) NOT NULL,
    municipality_code VARCHAR(6) NOT NULL,
    pilot_type VARCHAR(48) NOT NULL,
    status VARCHAR(48) NOT NULL,
    pilot_count BIGINT NOT NULL,
    committed_cents BIGINT NOT NULL,
    disbursed_cents BIGINT NOT NULL
);
CREATE UNIQUE INDEX ux_pilot_figures_municipal_cell
    ON pilot_figures_municipal (program_id, municipality_code, pilot_type, status);
CREATE INDEX ix_pilot_figures_municipal_municipality ON pilot_figures_municipal (municipality_code);
CREATE INDEX ix_pilot_figures_municipal_province ON pilot_figures_municipal (province_code);";

const BACKFILL: &str = "INSERT INTO pilot_figures_municipal
    (program_id, province_code, municipality_code, pilot_type, status, pilot_count, committed_cents, disbursed_cents)
  SELECT program_id, province_code, municipality_code, pilot_type, status,
         SUM(pilot_count), SUM(committed_cents), SUM(disbursed_cents)
  FROM pilot_figures GROUP BY program_id, province_code, municipality_code, pilot_type, status;";

/// The roll-up cell of cell row `c` (`NEW` or `OLD`).
fn cell(c: &str) -> String {
    format!(
        "program_id = {c}.program_id AND municipality_code = {c}.municipality_code \
         AND pilot_type = {c}.pilot_type AND status = {c}.status"
    )
}

/// Makes sure the roll-up cell of cell row `NEW` exists.
fn ensure(ignore: &str) -> String {
    format!(
        "INSERT {ignore} INTO pilot_figures_municipal ({KEYS}, pilot_count, committed_cents, disbursed_cents) \
         VALUES (NEW.program_id, NEW.province_code, NEW.municipality_code, NEW.pilot_type, NEW.status, 0, 0, 0)"
    )
}

/// Adds the figures of cell row `NEW`, less those of `OLD` when given, to `NEW`'s roll-up.
fn add(old: Option<&str>) -> String {
    let less = |column: &str| old.map(|o| format!(" - {o}.{column}")).unwrap_or_default();
    format!(
        "UPDATE pilot_figures_municipal SET pilot_count = pilot_count + NEW.pilot_count{}, \
         committed_cents = committed_cents + NEW.committed_cents{}, \
         disbursed_cents = disbursed_cents + NEW.disbursed_cents{} WHERE {}",
        less("pilot_count"),
        less("committed_cents"),
        less("disbursed_cents"),
        cell("NEW")
    )
}

fn postgres() -> String {
    let ensure = ensure("");
    let add_new = add(None);
    let add_change = add(Some("OLD"));
    format!(
        "{TABLE}
CREATE FUNCTION pilot_figures_roll_up() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {ensure} ON CONFLICT DO NOTHING;
    {add_new};
  ELSE
    {add_change};
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER pilot_figures_roll_up AFTER INSERT OR UPDATE ON pilot_figures
  FOR EACH ROW EXECUTE FUNCTION pilot_figures_roll_up();
{BACKFILL}"
    )
}

fn sqlite() -> String {
    format!(
        "{TABLE}
CREATE TRIGGER pilot_figures_roll_up_insert AFTER INSERT ON pilot_figures BEGIN
  {};
  {};
END;
CREATE TRIGGER pilot_figures_roll_up_update AFTER UPDATE ON pilot_figures BEGIN
  {};
END;
{BACKFILL}",
        ensure("OR IGNORE"),
        add(None),
        add(Some("OLD")),
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
            "DROP TRIGGER pilot_figures_roll_up ON pilot_figures;
                 DROP FUNCTION pilot_figures_roll_up();
                 DROP TABLE pilot_figures_municipal;",
            "DROP TRIGGER pilot_figures_roll_up_update;
                 DROP TRIGGER pilot_figures_roll_up_insert;
                 DROP TABLE pilot_figures_municipal;",
        )
        .await
    }
}
