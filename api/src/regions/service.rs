//! Loading regions: the shipped reference set on every start, and full GB/T 2260 lists from a
//! CSV file (`code,name,parent_code`), all or nothing.

use super::code::RegionCode;
use crate::error::{ApiError, ApiResult};
use crate::paging::{KeyKind, Sort, SortValue, contains_ci};
use entities::{RegionLevel, region};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Select};
use std::collections::HashMap;

/// The regions shipped with the service: the seeds' provinces, their prefecture cities, and
/// the counties of the municipalities the seeds name.
pub const SHIPPED: &str = include_str!("../../data/regions.csv");

/// A row of a region CSV, checked.
#[derive(Debug, Clone)]
pub struct RegionRow {
    pub code: RegionCode,
    pub name: String,
    pub parent: Option<RegionCode>,
}

/// Why a CSV was refused: every bad row, by line.
#[derive(Debug)]
pub struct ImportErrors(pub Vec<(usize, String)>);

impl std::fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (line, msg) in &self.0 {
            writeln!(f, "line {line}: {msg}")?;
        }
        Ok(())
    }
}

/// Parses and checks a region CSV against itself and the regions already `known`:
/// six-digit codes, a name, a known parent one level up, no duplicates.
pub fn parse_csv(
    text: &str,
    known: &HashMap<String, RegionLevel>,
) -> Result<Vec<RegionRow>, ImportErrors> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, RegionLevel> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push((line, format!("unreadable row: {e}")));
                continue;
            }
        };
        let field = |n: usize| record.get(n).map(str::trim).unwrap_or("");
        let code = match RegionCode::parse(field(0)) {
            Ok(c) => c,
            Err(e) => {
                errors.push((line, e));
                continue;
            }
        };
        let name = field(1);
        if name.is_empty() || name.chars().count() > 100 {
            errors.push((line, "name must be 1 to 100 characters".into()));
            continue;
        }
        if seen.contains_key(code.as_str()) {
            errors.push((line, format!("duplicate code {code}")));
            continue;
        }
        let parent = match (code.level(), field(2)) {
            (RegionLevel::Province, "") => None,
            (RegionLevel::Province, p) => {
                errors.push((line, format!("a province has no parent, got {p}")));
                continue;
            }
            (_, "") => {
                errors.push((line, "parent_code is required".into()));
                continue;
            }
            (level, p) => {
                let Ok(parent) = RegionCode::parse(p) else {
                    errors.push((line, format!("parent `{p}` is not a six-digit code")));
                    continue;
                };
                let parent_level = seen
                    .get(parent.as_str())
                    .or_else(|| known.get(parent.as_str()));
                let expected = if level == RegionLevel::County {
                    [RegionLevel::Municipality, RegionLevel::Province]
                } else {
                    [RegionLevel::Province, RegionLevel::Province]
                };
                match parent_level {
                    None => {
                        errors.push((line, format!("unknown parent {parent}")));
                        continue;
                    }
                    Some(pl) if !expected.contains(pl) => {
                        errors.push((line, format!("parent {parent} is not above {code}")));
                        continue;
                    }
                    Some(_) if parent.as_str()[..2] != code.as_str()[..2] => {
                        errors.push((line, format!("parent {parent} is in another province")));
                        continue;
                    }
                    Some(_) => Some(parent),
                }
            }
        };
        seen.insert(code.as_str().to_owned(), code.level());
        rows.push(RegionRow {
            code,
            name: name.to_owned(),
            parent,
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(ImportErrors(errors))
    }
}

async fn known_levels(
    db: &impl ConnectionTrait,
) -> Result<HashMap<String, RegionLevel>, sea_orm::DbErr> {
    Ok(region::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.code, r.level))
        .collect())
}

/// Loads the shipped regions that are missing (idempotent). What an import changed is kept:
/// the shipped list is the starting point, not an authority over later imports.
pub async fn load_shipped(db: &DatabaseConnection) -> anyhow::Result<()> {
    let rows =
        parse_csv(SHIPPED, &HashMap::new()).map_err(|e| anyhow::anyhow!("shipped regions: {e}"))?;
    for chunk in rows.chunks(500) {
        let models = chunk.iter().map(|r| region::ActiveModel {
            code: sea_orm::Set(r.code.as_str().to_owned()),
            name: sea_orm::Set(r.name.clone()),
            level: sea_orm::Set(r.code.level()),
            parent_code: sea_orm::Set(r.parent.as_ref().map(|p| p.as_str().to_owned())),
        });
        region::Entity::insert_many(models)
            .on_conflict(
                OnConflict::column(region::Column::Code)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// What an import did: regions added, and regions whose name or parent changed (code, before,
/// after), each audited.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub rows: usize,
    pub added: usize,
    pub changed: Vec<(String, String, String)>,
}

/// Imports a CSV in one audited transaction: every row, or (with every bad row reported)
/// none. A region that is new is created, one whose name or parent differs is updated, each
/// with its audit event; rows that change nothing write nothing.
pub async fn import_csv(
    db: &DatabaseConnection,
    text: &str,
) -> anyhow::Result<Result<ImportSummary, ImportErrors>> {
    let mut tx = crate::audit::writer::WriteTx::begin(
        db,
        &crate::db::WriteQueue::default(),
        crate::audit::writer::Actor::system("import-regions"),
        None,
        chrono::Utc::now(),
    )
    .await?;
    let known = known_levels(tx.conn()).await?;
    let rows = match parse_csv(text, &known) {
        Ok(rows) => rows,
        Err(e) => return Ok(Err(e)),
    };
    let mut summary = ImportSummary {
        rows: rows.len(),
        ..Default::default()
    };
    for r in &rows {
        let parent = r.parent.as_ref().map(|p| p.as_str().to_owned());
        let existing = region::Entity::find_by_id(r.code.as_str().to_owned())
            .one(tx.conn())
            .await?;
        match existing {
            None => {
                tx.insert(region::ActiveModel {
                    code: sea_orm::Set(r.code.as_str().to_owned()),
                    name: sea_orm::Set(r.name.clone()),
                    level: sea_orm::Set(r.code.level()),
                    parent_code: sea_orm::Set(parent),
                })
                .await?;
                summary.added += 1;
            }
            Some(old) if old.name != r.name || old.parent_code != parent => {
                let mut am: region::ActiveModel = old.clone().into();
                am.name = sea_orm::Set(r.name.clone());
                am.parent_code = sea_orm::Set(parent);
                tx.update("UPDATE", &old, am).await?;
                summary
                    .changed
                    .push((old.code.clone(), old.name.clone(), r.name.clone()));
            }
            Some(_) => {}
        }
    }
    tx.commit().await?;
    Ok(Ok(summary))
}

/// Filters of the `regions` list.
#[derive(Debug, Default)]
pub struct RegionFilter {
    pub level: Option<RegionLevel>,
    pub parent_code: Option<String>,
    pub search: Option<String>,
}

/// The regions matching a filter (reference data: every authenticated viewer reads it).
pub fn query(filter: &RegionFilter) -> ApiResult<Select<region::Entity>> {
    let mut q = region::Entity::find();
    if let Some(level) = filter.level {
        q = q.filter(region::Column::Level.eq(level));
    }
    if let Some(parent) = &filter.parent_code {
        let parent =
            RegionCode::parse(parent).map_err(|e| ApiError::bad_input("filter.parentCode", e))?;
        q = q.filter(region::Column::ParentCode.eq(parent.as_str()));
    }
    if let Some(text) = filter.search.as_deref().filter(|t| !t.is_empty()) {
        q = q.filter(
            sea_orm::Condition::any()
                .add(contains_ci(region::Column::Name, text))
                .add(region::Column::Code.starts_with(text)),
        );
    }
    Ok(q)
}

/// Regions are listed by code.
pub fn sort() -> Sort<region::Entity> {
    Sort {
        column: region::Column::Code,
        kind: KeyKind::Text,
        tie_kind: KeyKind::Text,
        tie: region::Column::Code,
        descending: false,
        key_of: |m| {
            (
                SortValue::Text(m.code.clone()),
                SortValue::Text(m.code.clone()),
            )
        },
    }
}

/// One region by code.
pub async fn get(db: &DatabaseConnection, code: &str) -> ApiResult<region::Model> {
    let code = RegionCode::parse(code).map_err(|e| ApiError::bad_input("code", e))?;
    region::Entity::find_by_id(code.as_str().to_owned())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("region"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_regions_parse() {
        let rows = parse_csv(SHIPPED, &HashMap::new()).expect("shipped CSV is valid");
        let codes: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        for must in [
            "370000", "371400", "371482", "450000", "451200", "330000", "330100",
        ] {
            assert!(codes.contains(&must), "{must} shipped");
        }
        let shandong_cities = rows
            .iter()
            .filter(|r| r.parent.as_ref().map(|p| p.as_str()) == Some("370000"))
            .count();
        assert_eq!(shandong_cities, 16);
    }

    #[test]
    fn bad_rows_are_reported_by_line() {
        let known = HashMap::from([("370000".to_owned(), RegionLevel::Province)]);
        let csv = "code,name,parent_code\n371400,德州市,370000\n37140X,bad,370000\n371482,禹城市,379900\n371499,,371400\n";
        let err = parse_csv(csv, &known).expect_err("refused");
        let lines: Vec<usize> = err.0.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [3, 4, 5]);
    }
}
