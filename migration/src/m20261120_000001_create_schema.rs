//! The whole data model of DOMAIN.md: reference data, programs, organisations, pilots and every
//! record that hangs off a pilot, the workflow log and the audit trail.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// An identifier from a string, so the table definitions below read like DDL.
fn n(name: &str) -> Alias {
    Alias::new(name)
}

/// Width of a stored exact decimal.
const DEC: u32 = 64;

/// A table with a 64-bit auto-increment `id` and the given columns.
fn table(name: &str, columns: Vec<ColumnDef>) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(n(name)).if_not_exists().col(big_pk_auto(n("id")));
    for c in columns {
        t.col(c);
    }
    t.to_owned()
}

/// The optimistic-lock and timestamp columns of every record that can change.
fn versioned() -> Vec<ColumnDef> {
    vec![
        integer(n("version")).default(1).to_owned(),
        timestamp_with_time_zone(n("created_at")),
        timestamp_with_time_zone(n("updated_at")),
    ]
}

fn fk(t: &mut TableCreateStatement, from_table: &str, col: &str, to_table: &str, to_col: &str) {
    t.foreign_key(
        ForeignKey::create()
            .name(format!("fk_{from_table}_{col}"))
            .from(n(from_table), n(col))
            .to(n(to_table), n(to_col))
            .on_delete(ForeignKeyAction::Restrict),
    );
}

fn index(table: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(format!("ix_{table}_{}", cols.join("_")))
        .table(n(table))
        .if_not_exists();
    for c in cols {
        i.col(n(c));
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}

/// Which bookkeeping columns a child table carries.
#[derive(Clone, Copy)]
enum Stamps {
    /// `version`, `created_at`, `updated_at`: the record can change.
    Versioned,
    /// `created_at` only: the record is written once.
    Created,
    /// None: the table has its own time column.
    Own,
}

/// A child table of `pilots` with a `pilot_id` foreign key.
fn pilot_child(name: &str, mut columns: Vec<ColumnDef>, stamps: Stamps) -> TableCreateStatement {
    let mut cols = vec![big_integer(n("pilot_id"))];
    cols.append(&mut columns);
    match stamps {
        Stamps::Versioned => cols.extend(versioned()),
        Stamps::Created => cols.push(timestamp_with_time_zone(n("created_at"))),
        Stamps::Own => {}
    }
    let mut t = table(name, cols);
    fk(&mut t, name, "pilot_id", "pilots", "id");
    t
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut tables: Vec<TableCreateStatement> = Vec::new();
        let mut indexes: Vec<IndexCreateStatement> = Vec::new();

        let mut regions = Table::create();
        regions
            .table(n("regions"))
            .if_not_exists()
            .col(string_len(n("code"), 6).primary_key())
            .col(string_len(n("name"), 100))
            .col(string_len(n("level"), 48))
            .col(string_len_null(n("parent_code"), 6));
        fk(&mut regions, "regions", "parent_code", "regions", "code");
        tables.push(regions.to_owned());
        indexes.push(index("regions", &["parent_code"], false));
        indexes.push(index("regions", &["level"], false));

        let mut programs = table(
            "programs",
            [
                vec![
                    string_len(n("name"), 300),
                    string_len(n("authority"), 200),
                    string_len(n("document_number"), 100),
                    string_len(n("level"), 48),
                    string_len_null(n("region_code"), 6),
                    string_len(n("code_prefix"), 16),
                    date(n("application_opens_on")),
                    date(n("application_closes_on")),
                    date(n("construction_starts_on")),
                    date(n("construction_ends_on")),
                    integer(n("notice_working_days")),
                    integer_null(n("re_review_interval_months")),
                ],
                versioned(),
            ]
            .concat(),
        );
        fk(&mut programs, "programs", "region_code", "regions", "code");
        tables.push(programs);
        indexes.push(index("programs", &["region_code"], false));

        let mut rules = table(
            "program_type_rules",
            vec![
                big_integer(n("program_id")),
                string_len(n("pilot_type"), 48),
                string_len(n("region_level"), 48),
                string_len(n("applicant_kinds"), 500),
                string_len_null(n("min_park_level"), 48),
                string_len_null(n("lead_departments"), 200),
                integer_null(n("quota")),
                string_len(n("quota_region_level"), 48),
                string_len(n("reference_ratio"), DEC),
                integer(n("reference_min_count")),
                string_len(n("title"), 300),
            ],
        );
        fk(
            &mut rules,
            "program_type_rules",
            "program_id",
            "programs",
            "id",
        );
        tables.push(rules);
        indexes.push(index(
            "program_type_rules",
            &["program_id", "pilot_type"],
            true,
        ));

        let mut days = table(
            "program_calendar_days",
            vec![
                big_integer(n("program_id")),
                date(n("day")),
                string_len(n("kind"), 48),
                string_len(n("note"), 200),
            ],
        );
        fk(
            &mut days,
            "program_calendar_days",
            "program_id",
            "programs",
            "id",
        );
        tables.push(days);
        indexes.push(index("program_calendar_days", &["program_id", "day"], true));

        let mut orgs = table(
            "organizations",
            [
                vec![
                    string_len(n("name"), 300),
                    string_len(n("kind"), 48),
                    string_len_uniq(n("credit_code"), 18),
                    string_len(n("region_code"), 6),
                    string_len(n("municipality_code"), 6),
                    string_len(n("province_code"), 6),
                    string_len_null(n("park_level"), 48),
                ],
                versioned(),
            ]
            .concat(),
        );
        fk(&mut orgs, "organizations", "region_code", "regions", "code");
        tables.push(orgs);
        for c in ["region_code", "municipality_code", "province_code"] {
            indexes.push(index("organizations", &[c], false));
        }
        indexes.push(index("organizations", &["name", "id"], false));

        let mut pilots = table(
            "pilots",
            [
                vec![
                    string_len_uniq(n("code"), 40),
                    big_integer(n("program_id")),
                    big_integer(n("applicant_id")),
                    string_len(n("region_code"), 6),
                    string_len_null(n("county_code"), 6),
                    string_len(n("municipality_code"), 6),
                    string_len(n("province_code"), 6),
                    string_len(n("pilot_type"), 48),
                    string_len(n("status"), 48),
                    string_len(n("name"), 300),
                    text(n("boundary")),
                    string_len(n("area_km2"), DEC),
                    big_integer(n("population")),
                    integer(n("baseline_year")),
                    string_len(n("baseline_emissions"), DEC),
                    string_len_null(n("park_level"), 48),
                    boolean_null(n("has_unmet_carbon_market_obligations")),
                    boolean_null(n("has_falsified_emission_data")),
                    boolean_null(n("has_serious_pollution_case")),
                    date_null(n("notice_starts_on")),
                    date_null(n("notice_ends_on")),
                    timestamp_with_time_zone_null(n("designated_at")),
                    date_null(n("rectification_deadline")),
                    string_len_null(n("title"), 300),
                ],
                versioned(),
            ]
            .concat(),
        );
        fk(&mut pilots, "pilots", "program_id", "programs", "id");
        fk(&mut pilots, "pilots", "applicant_id", "organizations", "id");
        fk(&mut pilots, "pilots", "region_code", "regions", "code");
        tables.push(pilots);
        for cols in [
            &["province_code", "updated_at", "id"][..],
            &["municipality_code", "updated_at", "id"],
            &["county_code", "updated_at", "id"],
            &["applicant_id", "updated_at", "id"],
            &["program_id", "pilot_type", "status"],
            &["updated_at", "id"],
            &["name", "id"],
            &["status"],
        ] {
            indexes.push(index("pilots", cols, false));
        }

        tables.push(pilot_child(
            "plans",
            vec![
                string_len(n("kind"), 48),
                string_len(n("title"), 300),
                integer(n("plan_version")),
                integer(n("period_start_year")),
                integer(n("period_end_year")),
                text(n("summary")),
                string_len_null(n("document_name"), 300),
                string_len_null(n("document_media_type"), 100),
                big_integer_null(n("document_size")),
                string_len_null(n("document_sha256"), 64),
                string_len(n("status"), 48),
                timestamp_with_time_zone_null(n("published_at")),
            ],
            Stamps::Versioned,
        ));
        indexes.push(index("plans", &["pilot_id", "kind", "plan_version"], true));

        tables.push(pilot_child(
            "indicators",
            vec![
                string_len(n("code"), 40),
                string_len(n("name"), 300),
                string_len(n("category"), 48),
                string_len(n("unit"), 40),
                string_len(n("direction"), 48),
                string_len(n("baseline_value"), DEC),
                string_len(n("target_value"), DEC),
                integer(n("target_year")),
            ],
            Stamps::Versioned,
        ));
        indexes.push(index("indicators", &["pilot_id", "code"], true));

        let mut actuals = pilot_child(
            "indicator_actuals",
            vec![
                big_integer(n("indicator_id")),
                date(n("period_end")),
                string_len(n("value"), DEC),
                text(n("note")),
                string_len(n("reported_by"), 200),
            ],
            Stamps::Created,
        );
        fk(
            &mut actuals,
            "indicator_actuals",
            "indicator_id",
            "indicators",
            "id",
        );
        tables.push(actuals);
        indexes.push(index(
            "indicator_actuals",
            &["indicator_id", "period_end"],
            false,
        ));
        indexes.push(index("indicator_actuals", &["pilot_id"], false));

        tables.push(pilot_child(
            "key_projects",
            vec![
                string_len(n("name"), 300),
                string_len(n("field"), 48),
                string_len(n("planned_investment"), DEC),
                string_len(n("expected_annual_reduction"), DEC),
                date_null(n("starts_on")),
                date_null(n("ends_on")),
                string_len(n("status"), 48),
                integer(n("progress_percent")),
            ],
            Stamps::Versioned,
        ));
        indexes.push(index("key_projects", &["pilot_id"], false));

        let mut financing = pilot_child(
            "financing_sources",
            vec![
                big_integer_null(n("key_project_id")),
                string_len(n("kind"), 48),
                string_len(n("provider"), 300),
                string_len(n("committed_amount"), DEC),
                string_len(n("disbursed_amount"), DEC),
                string_len_null(n("reference_number"), 100),
                date_null(n("committed_on")),
                date_null(n("disbursed_on")),
                string_len(n("status"), 48),
            ],
            Stamps::Versioned,
        );
        fk(
            &mut financing,
            "financing_sources",
            "key_project_id",
            "key_projects",
            "id",
        );
        tables.push(financing);
        indexes.push(index("financing_sources", &["pilot_id"], false));

        tables.push(pilot_child(
            "expert_reviews",
            vec![
                string_len(n("result"), 48),
                string_len_null(n("score"), DEC),
                text(n("comments")),
                string_len(n("expert_names"), 1000),
                date(n("reviewed_on")),
                string_len(n("reviewer_sub"), 200),
            ],
            Stamps::Created,
        ));
        indexes.push(index("expert_reviews", &["pilot_id"], false));

        tables.push(pilot_child(
            "objections",
            vec![
                date(n("received_on")),
                string_len(n("objector"), 300),
                text(n("content")),
                string_len(n("status"), 48),
                text_null(n("resolution")),
                timestamp_with_time_zone_null(n("resolved_at")),
            ],
            Stamps::Versioned,
        ));
        indexes.push(index("objections", &["pilot_id"], false));

        tables.push(pilot_child(
            "acceptance_records",
            vec![
                integer(n("attempt")),
                date(n("requested_on")),
                text(n("self_assessment")),
                timestamp_with_time_zone_null(n("forwarded_at")),
                text_null(n("forward_comment")),
                string_len_null(n("review_result"), 48),
                string_len_null(n("review_score"), DEC),
                text_null(n("review_comments")),
                string_len_null(n("expert_names"), 1000),
                date_null(n("site_visit_on")),
                text_null(n("site_findings")),
                text_null(n("indicator_snapshot")),
                integer_null(n("constraint_met")),
                integer_null(n("constraint_total")),
                integer_null(n("reference_met")),
                integer_null(n("reference_total")),
                string_len_null(n("required_ratio"), DEC),
                integer_null(n("required_min_count")),
                string_len_null(n("computed_verdict"), 48),
                string_len_null(n("decision"), 48),
                timestamp_with_time_zone_null(n("decided_at")),
                text_null(n("decision_comment")),
                string_len_null(n("title_awarded"), 300),
                date_null(n("rectification_deadline")),
            ],
            Stamps::Versioned,
        ));
        indexes.push(index("acceptance_records", &["pilot_id", "attempt"], true));

        let mut re_reviews = pilot_child(
            "re_reviews",
            vec![
                big_integer(n("acceptance_record_id")),
                date(n("reviewed_on")),
                string_len(n("outcome"), 48),
                date_null(n("rectification_deadline")),
                text(n("comment")),
                string_len(n("reviewer_sub"), 200),
            ],
            Stamps::Created,
        );
        fk(
            &mut re_reviews,
            "re_reviews",
            "acceptance_record_id",
            "acceptance_records",
            "id",
        );
        tables.push(re_reviews);
        indexes.push(index("re_reviews", &["pilot_id"], false));

        tables.push(pilot_child(
            "tracking_notes",
            vec![
                text(n("body")),
                string_len(n("author_sub"), 200),
                string_len_null(n("author_name"), 200),
            ],
            Stamps::Created,
        ));
        indexes.push(index("tracking_notes", &["pilot_id"], false));

        tables.push(pilot_child(
            "workflow_events",
            vec![
                string_len(n("action"), 48),
                string_len(n("from_status"), 48),
                string_len(n("to_status"), 48),
                string_len(n("actor_sub"), 200),
                string_len(n("actor_role"), 48),
                string_len_null(n("actor_region"), 6),
                string_len_null(n("actor_name"), 200),
                text(n("comment")),
                timestamp_with_time_zone(n("occurred_at")),
            ],
            Stamps::Own,
        ));
        indexes.push(index(
            "workflow_events",
            &["pilot_id", "occurred_at"],
            false,
        ));

        let mut audit = Table::create();
        audit
            .table(n("audit_events"))
            .if_not_exists()
            .col(big_pk_auto(n("seq")))
            .col(timestamp_with_time_zone(n("occurred_at")))
            .col(string_len(n("actor_sub"), 200))
            .col(string_len(n("actor_role"), 48))
            .col(string_len_null(n("actor_region"), 6))
            .col(big_integer_null(n("actor_org")))
            .col(string_len(n("entity_type"), 48))
            .col(string_len(n("entity_id"), 64))
            .col(big_integer_null(n("pilot_id")))
            .col(string_len(n("action"), 64))
            .col(text_null(n("before")))
            .col(text_null(n("after")))
            .col(string_len_null(n("request_id"), 64))
            .col(string_len(n("prev_hash"), 64))
            .col(string_len_uniq(n("hash"), 64));
        tables.push(audit.to_owned());
        indexes.push(index("audit_events", &["entity_type", "entity_id"], false));
        indexes.push(index("audit_events", &["pilot_id", "seq"], false));
        indexes.push(index("audit_events", &["occurred_at"], false));
        indexes.push(index("audit_events", &["actor_sub"], false));

        for t in tables {
            m.create_table(t).await?;
        }
        for i in indexes {
            m.create_index(i).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "audit_events",
            "workflow_events",
            "tracking_notes",
            "re_reviews",
            "acceptance_records",
            "objections",
            "expert_reviews",
            "financing_sources",
            "key_projects",
            "indicator_actuals",
            "indicators",
            "plans",
            "pilots",
            "organizations",
            "program_calendar_days",
            "program_type_rules",
            "programs",
            "regions",
        ] {
            m.drop_table(Table::drop().table(n(t)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
