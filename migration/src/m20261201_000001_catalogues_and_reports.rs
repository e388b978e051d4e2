//! Program catalogues and annual reporting: the indicators a program sets for each pilot type
//! (`program_indicators`), the named funds its financing may draw on (`program_funds`, named by
//! `financing_sources.fund_id`), the reports it asks of pilots every year
//! (`program_report_duties`), and the reports pilots file (`annual_reports`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::names::{fk, n};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(n("program_indicators"))
                .if_not_exists()
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("rule_id")))
                .col(string_len(n("code"), 40))
                .col(string_len(n("name"), 300))
                .col(string_len(n("unit"), 40))
                .col(string_len(n("direction"), 48))
                .col(string_len(n("category"), 48))
                .col(boolean(n("required")))
                .col(timestamp_with_time_zone_null(n("retired_at")))
                .foreign_key(&mut fk(
                    "program_indicators",
                    "rule_id",
                    "program_type_rules",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_program_indicators_rule_id_code")
                .table(n("program_indicators"))
                .col(n("rule_id"))
                .col(n("code"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(n("program_funds"))
                .if_not_exists()
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("program_id")))
                .col(string_len(n("code"), 40))
                .col(string_len(n("name"), 300))
                .col(string_len(n("kind"), 48))
                .col(string_len(n("administrator"), 300))
                .col(timestamp_with_time_zone_null(n("retired_at")))
                .foreign_key(&mut fk("program_funds", "program_id", "programs"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_program_funds_program_id_code")
                .table(n("program_funds"))
                .col(n("program_id"))
                .col(n("code"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(n("financing_sources"))
                .add_column(big_integer_null(n("fund_id")))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(n("program_report_duties"))
                .if_not_exists()
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("program_id")))
                .col(string_len(n("kind"), 48))
                .col(integer(n("due_month")))
                .col(integer(n("due_day")))
                .col(boolean(n("after_title")))
                .col(timestamp_with_time_zone_null(n("retired_at")))
                .foreign_key(&mut fk("program_report_duties", "program_id", "programs"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(n("annual_reports"))
                .if_not_exists()
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("pilot_id")))
                .col(string_len(n("kind"), 48))
                .col(integer(n("year")))
                .col(text(n("summary")))
                .col(string_len_null(n("emissions_tco2e"), 40))
                .col(string_len_null(n("published_url"), 500))
                .col(date(n("submitted_on")))
                .col(string_len(n("reporter_sub"), 200))
                .col(integer(n("version")))
                .col(timestamp_with_time_zone(n("created_at")))
                .col(timestamp_with_time_zone(n("updated_at")))
                .foreign_key(&mut fk("annual_reports", "pilot_id", "pilots"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_annual_reports_pilot_id_kind_year")
                .table(n("annual_reports"))
                .col(n("pilot_id"))
                .col(n("kind"))
                .col(n("year"))
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "annual_reports",
            "program_report_duties",
            "program_funds",
            "program_indicators",
        ] {
            m.drop_table(Table::drop().table(n(table)).to_owned())
                .await?;
        }
        m.alter_table(
            Table::alter()
                .table(n("financing_sources"))
                .drop_column(n("fund_id"))
                .to_owned(),
        )
        .await
    }
}
