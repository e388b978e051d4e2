//! The schema migrations. The same statements run on SQLite and PostgreSQL; exact decimals are
//! TEXT columns on both (see `entities::values::Dec`).

pub use sea_orm_migration::prelude::*;

mod m20261120_000001_create_schema;
mod m20261121_000001_write_lock;
mod m20261121_000002_audit_append_only;
mod m20261122_000001_rule_lists;
mod m20261122_000002_acceptance_grace;
mod m20261122_000003_who_acts;
mod m20261122_000004_program_notes;
mod m20261201_000001_catalogues_and_reports;
mod m20261201_000002_pilot_figures;
mod m20261201_000003_write_lock_head;
mod m20261201_000004_regional_plans;
mod m20261201_000005_workflow_events_notify;
mod m20261201_000006_scope_counts;
mod m20261202_000007_municipal_figures;
mod m20261207_000008_figures_per_statement;
mod names;

/// Every migration of the service, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261120_000001_create_schema::Migration),
            Box::new(m20261121_000001_write_lock::Migration),
            Box::new(m20261121_000002_audit_append_only::Migration),
            Box::new(m20261122_000001_rule_lists::Migration),
            Box::new(m20261122_000002_acceptance_grace::Migration),
            Box::new(m20261122_000003_who_acts::Migration),
            Box::new(m20261122_000004_program_notes::Migration),
            Box::new(m20261201_000001_catalogues_and_reports::Migration),
            Box::new(m20261201_000002_pilot_figures::Migration),
            Box::new(m20261201_000003_write_lock_head::Migration),
            Box::new(m20261201_000004_regional_plans::Migration),
            Box::new(m20261201_000005_workflow_events_notify::Migration),
            Box::new(m20261201_000006_scope_counts::Migration),
            Box::new(m20261202_000007_municipal_figures::Migration),
            Box::new(m20261207_000008_figures_per_statement::Migration),
        ]
    }
}
