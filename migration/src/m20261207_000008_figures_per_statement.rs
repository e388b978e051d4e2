//! On PostgreSQL, financing sources move `pilot_figures` once per statement, not once per row:
//! the statement's rows (its transition tables) are summed per cell and each cell is updated
//! once, by one join with the pilots. Row by row, a bulk load ran a join and an update for every
//! row and updated the same cells hundreds of times within one transaction: loading the bench's
//! 100k-pilot data set (400,000 financing sources in one COPY) had not finished after 20 minutes. On the 10k data set, one
//! statement adding 200,000 sources took 9.5 s row by row and 1.9 s per statement, with the
//! same sums. A single-row write moves the same cell by the same amounts as before. SQLite's
//! row triggers stay: it updates a row in place.

use crate::names::run_on_postgres;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Adds each cell's sum of `rows` (a `SELECT pilot_id, c, d …`) to that cell.
fn add_per_cell(rows: &str) -> String {
    format!(
        "UPDATE pilot_figures f SET committed_cents = f.committed_cents + s.c,
           disbursed_cents = f.disbursed_cents + s.d
         FROM (SELECT p.program_id, p.region_code, p.pilot_type, p.status,
                      SUM(x.c)::BIGINT AS c, SUM(x.d)::BIGINT AS d
               FROM ({rows}) x JOIN pilots p ON p.id = x.pilot_id
               GROUP BY p.program_id, p.region_code, p.pilot_type, p.status) s
         WHERE f.program_id = s.program_id AND f.region_code = s.region_code
           AND f.pilot_type = s.pilot_type AND f.status = s.status"
    )
}

fn up_sql() -> String {
    let live = |table: &str, sign: &str| {
        format!(
            "SELECT pilot_id, {sign}pilot_figures_cents(committed_amount) AS c,
                    {sign}pilot_figures_cents(disbursed_amount) AS d
             FROM {table} WHERE status <> 'CANCELLED'"
        )
    };
    let inserted = add_per_cell(&live("new_rows", ""));
    let updated = add_per_cell(&format!(
        "{} UNION ALL {}",
        live("new_rows", ""),
        live("old_rows", "-")
    ));
    format!(
        "DROP TRIGGER pilot_figures_source ON financing_sources;
CREATE FUNCTION pilot_figures_sources_inserted() RETURNS trigger AS $$
BEGIN {inserted}; RETURN NULL; END $$ LANGUAGE plpgsql;
CREATE FUNCTION pilot_figures_sources_updated() RETURNS trigger AS $$
BEGIN {updated}; RETURN NULL; END $$ LANGUAGE plpgsql;
CREATE TRIGGER pilot_figures_sources_inserted AFTER INSERT ON financing_sources
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pilot_figures_sources_inserted();
CREATE TRIGGER pilot_figures_sources_updated AFTER UPDATE ON financing_sources
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pilot_figures_sources_updated();"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run_on_postgres(m, &up_sql()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run_on_postgres(
            m,
            "DROP TRIGGER pilot_figures_sources_inserted ON financing_sources;
             DROP TRIGGER pilot_figures_sources_updated ON financing_sources;
             DROP FUNCTION pilot_figures_sources_inserted();
             DROP FUNCTION pilot_figures_sources_updated();
             CREATE TRIGGER pilot_figures_source AFTER INSERT OR UPDATE ON financing_sources
               FOR EACH ROW EXECUTE FUNCTION pilot_figures_source();",
        )
        .await
    }
}
