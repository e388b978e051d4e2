//! Regional carbon-peak plans (Dezhou's work plan, Zhejiang's implementation opinions): the
//! plan of a region and its versions (`regional_plans`), its targets with values by year
//! (`regional_targets`, `regional_target_values`), its key tasks and their responsible units
//! (`regional_tasks`, `regional_task_units`), the yearly reports of the regions below it with
//! actual values and task progress (`regional_reports`, `regional_report_values`,
//! `regional_task_progress`), and the superior's yearly assessment of each region
//! (`regional_assessments`). A pilot's key project may name the task it serves
//! (`key_projects.regional_task_id`), and audit events name the plan they belong to
//! (`audit_events.plan_id`), as they name their pilot, so the plan's history and the change
//! feed are scoped by the plan.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::names::{fk, n};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The bookkeeping columns of a record that changes.
fn tracked(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(integer(n("version")))
        .col(timestamp_with_time_zone(n("created_at")))
        .col(timestamp_with_time_zone(n("updated_at")))
}

fn unique(table: &str, columns: &[&str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(format!("ux_{table}_{}", columns.join("_")))
        .table(n(table))
        .unique();
    for c in columns {
        i.col(n(c));
    }
    i.to_owned()
}

fn index(table: &str, column: &str) -> IndexCreateStatement {
    Index::create()
        .name(format!("ix_{table}_{column}"))
        .table(n(table))
        .col(n(column))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut plans = Table::create();
        plans
            .table(n("regional_plans"))
            .if_not_exists()
            .col(big_pk_auto(n("id")))
            .col(string_len(n("region_code"), 6))
            .col(big_integer_null(n("parent_plan_id")))
            .col(big_integer_null(n("supersedes_id")))
            .col(string_len(n("issuing_authority"), 300))
            .col(string_len_null(n("document_number"), 100))
            .col(string_len(n("title"), 300))
            .col(text(n("summary")))
            .col(date_null(n("issued_on")))
            .col(integer(n("period_start_year")))
            .col(integer(n("period_end_year")))
            .col(integer(n("report_due_month")))
            .col(integer(n("report_due_day")))
            .col(string_len(n("status"), 48))
            .col(string_len(n("author_sub"), 200))
            .foreign_key(&mut fk(
                "regional_plans",
                "parent_plan_id",
                "regional_plans",
            ))
            .foreign_key(&mut fk("regional_plans", "supersedes_id", "regional_plans"));
        m.create_table(tracked(&mut plans).to_owned()).await?;
        m.create_index(index("regional_plans", "region_code"))
            .await?;

        let mut targets = Table::create();
        targets
            .table(n("regional_targets"))
            .if_not_exists()
            .col(big_pk_auto(n("id")))
            .col(big_integer(n("plan_id")))
            .col(string_len(n("code"), 40))
            .col(string_len(n("name"), 300))
            .col(string_len(n("unit"), 40))
            .col(string_len(n("direction"), 48))
            .col(string_len(n("category"), 48))
            .col(integer_null(n("baseline_year")))
            .col(string_len_null(n("baseline_value"), 40))
            .foreign_key(&mut fk("regional_targets", "plan_id", "regional_plans"));
        m.create_table(tracked(&mut targets).to_owned()).await?;
        m.create_index(unique("regional_targets", &["plan_id", "code"]))
            .await?;

        let mut values = Table::create();
        values
            .table(n("regional_target_values"))
            .if_not_exists()
            .col(big_pk_auto(n("id")))
            .col(big_integer(n("target_id")))
            .col(big_integer(n("plan_id")))
            .col(integer(n("year")))
            .col(string_len(n("value"), 40))
            .col(string_len(n("bound"), 48))
            .col(text(n("quote")))
            .foreign_key(&mut fk(
                "regional_target_values",
                "target_id",
                "regional_targets",
            ));
        m.create_table(tracked(&mut values).to_owned()).await?;
        m.create_index(unique("regional_target_values", &["target_id", "year"]))
            .await?;

        let mut tasks = Table::create();
        tasks
            .table(n("regional_tasks"))
            .if_not_exists()
            .col(big_pk_auto(n("id")))
            .col(big_integer(n("plan_id")))
            .col(string_len(n("number"), 40))
            .col(string_len(n("title"), 500))
            .col(text(n("text")))
            .col(string_len(n("field"), 48))
            .col(date_null(n("deadline")))
            .col(string_len(n("status"), 48))
            .foreign_key(&mut fk("regional_tasks", "plan_id", "regional_plans"));
        m.create_table(tracked(&mut tasks).to_owned()).await?;
        m.create_index(unique("regional_tasks", &["plan_id", "number"]))
            .await?;

        let mut units = Table::create();
        units
            .table(n("regional_task_units"))
            .if_not_exists()
            .col(big_pk_auto(n("id")))
            .col(big_integer(n("task_id")))
            .col(big_integer(n("plan_id")))
            .col(integer(n("position")))
            .col(string_len(n("unit"), 300))
            .col(string_len_null(n("department"), 100))
            .col(boolean(n("lead")))
            .foreign_key(&mut fk("regional_task_units", "task_id", "regional_tasks"));
        m.create_table(tracked(&mut units).to_owned()).await?;
        m.create_index(index("regional_task_units", "task_id"))
            .await?;
        m.create_index(index("regional_task_units", "department"))
            .await?;

        let mut reports = Table::create();
        reports
            .table(n("regional_reports"))
            .if_not_exists()
            .col(big_pk_auto(n("id")))
            .col(big_integer(n("plan_id")))
            .col(string_len(n("region_code"), 6))
            .col(integer(n("year")))
            .col(text(n("summary")))
            .col(date(n("submitted_on")))
            .col(string_len(n("reporter_sub"), 200))
            .foreign_key(&mut fk("regional_reports", "plan_id", "regional_plans"));
        m.create_table(tracked(&mut reports).to_owned()).await?;
        m.create_index(unique(
            "regional_reports",
            &["plan_id", "region_code", "year"],
        ))
        .await?;

        let mut report_values = Table::create();
        report_values
            .table(n("regional_report_values"))
            .if_not_exists()
            .col(big_pk_auto(n("id")))
            .col(big_integer(n("report_id")))
            .col(big_integer(n("plan_id")))
            .col(big_integer(n("target_id")))
            .col(string_len(n("value"), 40))
            .foreign_key(&mut fk(
                "regional_report_values",
                "report_id",
                "regional_reports",
            ))
            .foreign_key(&mut fk(
                "regional_report_values",
                "target_id",
                "regional_targets",
            ));
        m.create_table(tracked(&mut report_values).to_owned())
            .await?;
        m.create_index(unique(
            "regional_report_values",
            &["report_id", "target_id"],
        ))
        .await?;
        m.create_index(index("regional_report_values", "target_id"))
            .await?;

        let mut progress = Table::create();
        progress
            .table(n("regional_task_progress"))
            .if_not_exists()
            .col(big_pk_auto(n("id")))
            .col(big_integer(n("report_id")))
            .col(big_integer(n("plan_id")))
            .col(big_integer(n("task_id")))
            .col(string_len(n("status"), 48))
            .col(text(n("note")))
            .foreign_key(&mut fk(
                "regional_task_progress",
                "report_id",
                "regional_reports",
            ))
            .foreign_key(&mut fk(
                "regional_task_progress",
                "task_id",
                "regional_tasks",
            ));
        m.create_table(tracked(&mut progress).to_owned()).await?;
        m.create_index(unique("regional_task_progress", &["report_id", "task_id"]))
            .await?;

        let mut assessments = Table::create();
        assessments
            .table(n("regional_assessments"))
            .if_not_exists()
            .col(big_pk_auto(n("id")))
            .col(big_integer(n("plan_id")))
            .col(string_len(n("region_code"), 6))
            .col(integer(n("year")))
            .col(string_len(n("rating"), 48))
            .col(text(n("comments")))
            .col(date(n("assessed_on")))
            .col(string_len(n("assessor_sub"), 200))
            .foreign_key(&mut fk("regional_assessments", "plan_id", "regional_plans"));
        m.create_table(tracked(&mut assessments).to_owned()).await?;
        m.create_index(unique(
            "regional_assessments",
            &["plan_id", "region_code", "year"],
        ))
        .await?;

        m.alter_table(
            Table::alter()
                .table(n("key_projects"))
                .add_column(big_integer_null(n("regional_task_id")))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(n("audit_events"))
                .add_column(big_integer_null(n("plan_id")))
                .to_owned(),
        )
        .await?;
        m.create_index(index("audit_events", "plan_id")).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_audit_events_plan_id")
                .table(n("audit_events"))
                .to_owned(),
        )
        .await?;
        for (table, column) in [
            ("audit_events", "plan_id"),
            ("key_projects", "regional_task_id"),
        ] {
            m.alter_table(
                Table::alter()
                    .table(n(table))
                    .drop_column(n(column))
                    .to_owned(),
            )
            .await?;
        }
        for table in [
            "regional_assessments",
            "regional_task_progress",
            "regional_report_values",
            "regional_reports",
            "regional_task_units",
            "regional_tasks",
            "regional_target_values",
            "regional_targets",
            "regional_plans",
        ] {
            m.drop_table(Table::drop().table(n(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
