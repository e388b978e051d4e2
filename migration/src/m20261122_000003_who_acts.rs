//! Who acts at each step is program data: per pilot type, the level of the preliminary reviewer
//! (none where the type skips it), of the recommender, and which stages the program has (expert
//! review, public notice, acceptance with a title). The issuing authority is the program's own
//! level and region. Existing rules keep the chain they ran by: national programs are
//! recommended by the province, municipal programs by the county, the others by the
//! municipality after the county (CITY pilots skip the county).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn n(name: &str) -> Alias {
    Alias::new(name)
}

const COLUMNS: [&str; 5] = [
    "preliminary_reviewer",
    "recommender",
    "expert_review",
    "public_notice",
    "acceptance",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            string_len_null(n("preliminary_reviewer"), 48),
            string_len(n("recommender"), 48)
                .default("MUNICIPAL")
                .to_owned(),
            boolean(n("expert_review")).default(true).to_owned(),
            boolean(n("public_notice")).default(true).to_owned(),
            boolean(n("acceptance")).default(true).to_owned(),
        ];
        for mut c in columns {
            m.alter_table(
                Table::alter()
                    .table(n("program_type_rules"))
                    .add_column(&mut c)
                    .to_owned(),
            )
            .await?;
        }
        let db = m.get_connection();
        let backend = m.get_database_backend();
        for sql in [
            "UPDATE program_type_rules SET preliminary_reviewer = 'COUNTY' \
             WHERE pilot_type <> 'CITY' AND program_id IN \
             (SELECT id FROM programs WHERE level = 'PROVINCIAL')",
            "UPDATE program_type_rules SET recommender = 'COUNTY' WHERE program_id IN \
             (SELECT id FROM programs WHERE level = 'MUNICIPAL')",
            "UPDATE program_type_rules SET recommender = 'PROVINCIAL', expert_review = FALSE, \
             public_notice = FALSE, acceptance = FALSE WHERE program_id IN \
             (SELECT id FROM programs WHERE level = 'NATIONAL')",
        ] {
            db.execute_raw(Statement::from_string(backend, sql)).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in COLUMNS {
            m.alter_table(
                Table::alter()
                    .table(n("program_type_rules"))
                    .drop_column(n(c))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
