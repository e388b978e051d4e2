//! List-valued rules as rows: the organisation kinds that may apply for a pilot type and the
//! departments that lead it move from comma-separated columns of `program_type_rules` into
//! `program_rule_values`, one row per item, so a claim is matched to the letter.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn n(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(n("program_rule_values"))
                .if_not_exists()
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("rule_id")))
                .col(string_len(n("list"), 48))
                .col(string_len(n("value"), 100))
                .col(timestamp_with_time_zone_null(n("retired_at")))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_program_rule_values_rule_id")
                        .from(n("program_rule_values"), n("rule_id"))
                        .to(n("program_type_rules"), n("id"))
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_program_rule_values_rule_id_list_value")
                .table(n("program_rule_values"))
                .col(n("rule_id"))
                .col(n("list"))
                .col(n("value"))
                .to_owned(),
        )
        .await?;
        // Carry the existing lists over, item by item.
        let db = m.get_connection();
        let backend = m.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id, applicant_kinds, lead_departments FROM program_type_rules",
            ))
            .await?;
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            let kinds: String = row.try_get("", "applicant_kinds")?;
            let leads: Option<String> = row.try_get("", "lead_departments")?;
            let items = kinds.split(',').map(|k| ("APPLICANT_KIND", k)).chain(
                leads
                    .iter()
                    .flat_map(|l| l.split(','))
                    .map(|d| ("LEAD_DEPARTMENT", d)),
            );
            for (list, value) in items {
                let value = value.trim();
                if value.is_empty() {
                    continue;
                }
                m.exec_stmt(
                    Query::insert()
                        .into_table(n("program_rule_values"))
                        .columns([n("rule_id"), n("list"), n("value")])
                        .values_panic([id.into(), list.into(), value.into()])
                        .to_owned(),
                )
                .await?;
            }
        }
        for column in ["applicant_kinds", "lead_departments"] {
            m.alter_table(
                Table::alter()
                    .table(n("program_type_rules"))
                    .drop_column(n(column))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(n("program_type_rules"))
                .add_column(string_len(n("applicant_kinds"), 500).default(""))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(n("program_type_rules"))
                .add_column(string_len_null(n("lead_departments"), 200))
                .to_owned(),
        )
        .await?;
        // Fold the current items back into comma-separated lists.
        let db = m.get_connection();
        let rows = db
            .query_all_raw(Statement::from_string(
                m.get_database_backend(),
                "SELECT rule_id, list, value FROM program_rule_values WHERE retired_at IS NULL ORDER BY id",
            ))
            .await?;
        let mut lists: std::collections::BTreeMap<(i64, String), Vec<String>> = Default::default();
        for row in rows {
            let key = (
                row.try_get::<i64>("", "rule_id")?,
                row.try_get::<String>("", "list")?,
            );
            lists
                .entry(key)
                .or_default()
                .push(row.try_get("", "value")?);
        }
        for ((rule, list), values) in lists {
            let column = match list.as_str() {
                "APPLICANT_KIND" => "applicant_kinds",
                _ => "lead_departments",
            };
            m.exec_stmt(
                Query::update()
                    .table(n("program_type_rules"))
                    .value(n(column), values.join(","))
                    .and_where(Expr::col(n("id")).eq(rule))
                    .to_owned(),
            )
            .await?;
        }
        m.drop_table(Table::drop().table(n("program_rule_values")).to_owned())
            .await
    }
}
