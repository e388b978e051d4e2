//! Migrations carry existing data over: a database made before list-valued rules became rows
//! keeps its lists, item by item, and going back folds them into the old columns again.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<Vec<String>> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .iter()
        .map(|r| {
            (0..3)
                .filter_map(|i| r.try_get_by_index::<String>(i).ok())
                .collect()
        })
        .collect()
}

#[actix_web::test]
async fn comma_separated_rule_lists_become_rows_and_back() {
    use migration::MigratorTrait;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("m.sqlite").display()
    );
    let db = api::db::connect(&url).await.expect("connect");
    // The schema as it stood before the lists became rows.
    migration::Migrator::up(&db, Some(3))
        .await
        .expect("first three");
    for sql in [
        "INSERT INTO programs (id, name, authority, document_number, level, region_code, code_prefix, application_opens_on, application_closes_on, construction_starts_on, construction_ends_on, notice_working_days, version, created_at, updated_at) VALUES (1, 'p', 'a', 'd', 'NATIONAL', NULL, 'XX', '2024-01-01', '2024-12-31', '2025-01-01', '2026-12-31', 5, 1, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')",
        "INSERT INTO program_type_rules (id, program_id, pilot_type, region_level, applicant_kinds, min_park_level, lead_departments, quota, quota_region_level, reference_ratio, reference_min_count, title) VALUES (1, 1, 'PARK', 'COUNTY', 'PARK_MANAGEMENT_COMMITTEE,COUNTY_GOVERNMENT', NULL, 'ecology_environment,industry', 2, 'MUNICIPALITY', '0.7', 8, 't')",
    ] {
        db.execute_unprepared(sql).await.expect(sql);
    }
    migration::Migrator::up(&db, None).await.expect("the rest");
    assert_eq!(
        rows(
            &db,
            "SELECT list, value FROM program_rule_values ORDER BY id"
        )
        .await,
        vec![
            vec![
                "APPLICANT_KIND".to_owned(),
                "PARK_MANAGEMENT_COMMITTEE".into()
            ],
            vec!["APPLICANT_KIND".to_owned(), "COUNTY_GOVERNMENT".into()],
            vec!["LEAD_DEPARTMENT".to_owned(), "ecology_environment".into()],
            vec!["LEAD_DEPARTMENT".to_owned(), "industry".into()],
        ]
    );
    // Back to the first three, whatever came after.
    let applied = migration::Migrator::get_applied_migrations(&db)
        .await
        .expect("applied")
        .len() as u32;
    migration::Migrator::down(&db, Some(applied - 3))
        .await
        .expect("down");
    assert_eq!(
        rows(
            &db,
            "SELECT applicant_kinds, lead_departments FROM program_type_rules"
        )
        .await,
        vec![vec![
            "PARK_MANAGEMENT_COMMITTEE,COUNTY_GOVERNMENT".to_owned(),
            "ecology_environment,industry".into()
        ]]
    );
}
