//! A program's catalogues, held as rows: the indicators it sets for each pilot type, the named
//! funds its pilots' financing may draw on, and the reports it asks of its pilots every year.
//! Writing a catalogue makes its current entries exactly those given: an entry whose content
//! changed is retired and made anew, one no longer given is retired; nothing is deleted.

use crate::audit::writer::WriteTx;
use crate::error::{ApiError, ApiResult};
use crate::input;
use entities::{
    Direction, FinancingKind, IndicatorCategory, ReportKind, program_fund, program_indicator,
    program_report_duty,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};

/// An indicator of a type's catalogue, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueIndicatorFields {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub direction: Direction,
    pub category: IndicatorCategory,
    pub required: bool,
}

/// A named fund, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundFields {
    pub code: String,
    pub name: String,
    pub kind: FinancingKind,
    pub administrator: String,
}

/// A yearly report duty, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDutyFields {
    pub kind: ReportKind,
    pub due_month: i32,
    pub due_day: i32,
    pub after_title: bool,
}

/// Which of `existing` to retire and which of `wanted` to add so that the current entries
/// are exactly `wanted` (`same` says an entry already holds what is wanted).
fn reconcile<E, W>(
    existing: &[E],
    wanted: &[W],
    same: impl Fn(&E, &W) -> bool,
) -> (Vec<usize>, Vec<usize>) {
    let retire = (0..existing.len())
        .filter(|&i| !wanted.iter().any(|w| same(&existing[i], w)))
        .collect();
    let add = (0..wanted.len())
        .filter(|&j| !existing.iter().any(|e| same(e, &wanted[j])))
        .collect();
    (retire, add)
}

/// Retires the entries `which` of `rows`: each stays, stamped with the write's instant.
async fn retire<A>(
    tx: &mut WriteTx,
    rows: &[<A::Entity as EntityTrait>::Model],
    which: Vec<usize>,
    stamp: impl Fn(&mut A, Option<chrono::DateTime<chrono::Utc>>),
) -> ApiResult<()>
where
    A: sea_orm::ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A> + crate::audit::writer::Audited + Clone,
{
    for i in which {
        let mut m = rows[i].clone().into_active_model();
        stamp(&mut m, Some(tx.now()));
        tx.update("RETIRE", &rows[i], m).await?;
    }
    Ok(())
}

/// Refuses a key given twice in one catalogue.
fn unique<'a>(field: &str, keys: impl Iterator<Item = &'a str>) -> ApiResult<()> {
    let mut seen = std::collections::HashSet::new();
    for k in keys {
        if !seen.insert(k) {
            return Err(ApiError::bad_input(field, format!("{k} appears twice")));
        }
    }
    Ok(())
}

/// A code: letters, digits, '-', '_' and '.', at most 40 characters.
pub fn code(field: &str, raw: &str) -> ApiResult<String> {
    let code = input::text(field, raw, true, 40)?;
    if !code
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return Err(ApiError::bad_input(
            field,
            "letters, digits, '-', '_' and '.' only",
        ));
    }
    Ok(code)
}

/// The current indicator catalogue of a type rule, in the order it was made.
pub async fn indicators(
    db: &impl ConnectionTrait,
    rule_id: i64,
) -> ApiResult<Vec<program_indicator::Model>> {
    Ok(program_indicator::Entity::find()
        .filter(program_indicator::Column::RuleId.eq(rule_id))
        .filter(program_indicator::Column::RetiredAt.is_null())
        .order_by_asc(program_indicator::Column::Id)
        .all(db)
        .await?)
}

/// The current indicator catalogue of a program's pilot type (empty: none, or the type is
/// not admitted).
pub async fn indicators_of_type(
    db: &impl ConnectionTrait,
    program_id: i64,
    pilot_type: entities::PilotType,
) -> ApiResult<Vec<program_indicator::Model>> {
    let Some(rule) = entities::program_type_rule::Entity::find()
        .filter(entities::program_type_rule::Column::ProgramId.eq(program_id))
        .filter(entities::program_type_rule::Column::PilotType.eq(pilot_type))
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    indicators(db, rule.id).await
}

/// The current funds of a program.
pub async fn funds(
    db: &impl ConnectionTrait,
    program_id: i64,
) -> ApiResult<Vec<program_fund::Model>> {
    Ok(program_fund::Entity::find()
        .filter(program_fund::Column::ProgramId.eq(program_id))
        .filter(program_fund::Column::RetiredAt.is_null())
        .order_by_asc(program_fund::Column::Id)
        .all(db)
        .await?)
}

/// The current report duties of a program.
pub async fn duties(
    db: &impl ConnectionTrait,
    program_id: i64,
) -> ApiResult<Vec<program_report_duty::Model>> {
    Ok(program_report_duty::Entity::find()
        .filter(program_report_duty::Column::ProgramId.eq(program_id))
        .filter(program_report_duty::Column::RetiredAt.is_null())
        .order_by_asc(program_report_duty::Column::Id)
        .all(db)
        .await?)
}

/// Makes the type rule's catalogue hold exactly `wanted` (`field` names the input list).
pub async fn write_indicators(
    tx: &mut WriteTx,
    field: &str,
    rule_id: i64,
    wanted: &[CatalogueIndicatorFields],
) -> ApiResult<()> {
    let mut clean = Vec::with_capacity(wanted.len());
    for (i, w) in wanted.iter().enumerate() {
        clean.push(CatalogueIndicatorFields {
            code: code(&format!("{field}.{i}.code"), &w.code)?,
            name: input::text(&format!("{field}.{i}.name"), &w.name, true, 300)?,
            unit: input::text(&format!("{field}.{i}.unit"), &w.unit, true, 40)?,
            ..w.clone()
        });
    }
    unique(field, clean.iter().map(|w| w.code.as_str()))?;
    let existing = indicators(tx.conn(), rule_id).await?;
    let (gone, add) = reconcile(&existing, &clean, |e, w| {
        (
            &e.code,
            &e.name,
            &e.unit,
            e.direction,
            e.category,
            e.required,
        ) == (
            &w.code,
            &w.name,
            &w.unit,
            w.direction,
            w.category,
            w.required,
        )
    });
    retire(
        tx,
        &existing,
        gone,
        |m: &mut program_indicator::ActiveModel, at| m.retired_at = Set(at),
    )
    .await?;
    for j in add {
        let w = &clean[j];
        tx.insert(program_indicator::ActiveModel {
            rule_id: Set(rule_id),
            code: Set(w.code.clone()),
            name: Set(w.name.clone()),
            unit: Set(w.unit.clone()),
            direction: Set(w.direction),
            category: Set(w.category),
            required: Set(w.required),
            retired_at: Set(None),
            ..Default::default()
        })
        .await?;
    }
    Ok(())
}

/// Makes the program's funds exactly `wanted`.
pub async fn write_funds(
    tx: &mut WriteTx,
    program_id: i64,
    wanted: &[FundFields],
) -> ApiResult<()> {
    let mut clean = Vec::with_capacity(wanted.len());
    for (i, w) in wanted.iter().enumerate() {
        clean.push(FundFields {
            code: code(&format!("input.funds.{i}.code"), &w.code)?,
            name: input::text(&format!("input.funds.{i}.name"), &w.name, true, 300)?,
            administrator: input::text(
                &format!("input.funds.{i}.administrator"),
                &w.administrator,
                false,
                300,
            )?,
            kind: w.kind,
        });
    }
    unique("input.funds", clean.iter().map(|w| w.code.as_str()))?;
    let existing = funds(tx.conn(), program_id).await?;
    let (gone, add) = reconcile(&existing, &clean, |e, w| {
        (&e.code, &e.name, e.kind, &e.administrator) == (&w.code, &w.name, w.kind, &w.administrator)
    });
    retire(
        tx,
        &existing,
        gone,
        |m: &mut program_fund::ActiveModel, at| m.retired_at = Set(at),
    )
    .await?;
    for j in add {
        let w = &clean[j];
        tx.insert(program_fund::ActiveModel {
            program_id: Set(program_id),
            code: Set(w.code.clone()),
            name: Set(w.name.clone()),
            kind: Set(w.kind),
            administrator: Set(w.administrator.clone()),
            retired_at: Set(None),
            ..Default::default()
        })
        .await?;
    }
    Ok(())
}

/// Makes the program's report duties exactly `wanted` (one per kind).
pub async fn write_duties(
    tx: &mut WriteTx,
    program_id: i64,
    wanted: &[ReportDutyFields],
) -> ApiResult<()> {
    for (i, w) in wanted.iter().enumerate() {
        // A day every year has (2023 is not a leap year: 29 February is refused).
        let every_year = u32::try_from(w.due_month)
            .ok()
            .zip(u32::try_from(w.due_day).ok())
            .and_then(|(m, d)| chrono::NaiveDate::from_ymd_opt(2023, m, d))
            .is_some();
        if !every_year {
            return Err(ApiError::bad_input(
                format!("input.reportDuties.{i}.dueDay"),
                "a month and day that every year has",
            ));
        }
    }
    unique("input.reportDuties", wanted.iter().map(|w| w.kind.as_str()))?;
    let existing = duties(tx.conn(), program_id).await?;
    let (gone, add) = reconcile(&existing, wanted, |e, w| {
        (e.kind, e.due_month, e.due_day, e.after_title)
            == (w.kind, w.due_month, w.due_day, w.after_title)
    });
    retire(
        tx,
        &existing,
        gone,
        |m: &mut program_report_duty::ActiveModel, at| m.retired_at = Set(at),
    )
    .await?;
    for j in add {
        let w = &wanted[j];
        tx.insert(program_report_duty::ActiveModel {
            program_id: Set(program_id),
            kind: Set(w.kind),
            due_month: Set(w.due_month),
            due_day: Set(w.due_day),
            after_title: Set(w.after_title),
            retired_at: Set(None),
            ..Default::default()
        })
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::reconcile;

    #[test]
    fn reconciling_retires_what_changed_or_went_and_adds_what_is_new() {
        let existing = [("A", 1), ("B", 2), ("C", 3)];
        let wanted = [("A", 1), ("B", 5), ("D", 4)];
        let (gone, add) = reconcile(&existing, &wanted, |e, w| e == w);
        assert_eq!(gone, vec![1, 2]);
        assert_eq!(add, vec![1, 2]);
        let (gone, add) = reconcile(&existing, &existing, |e, w| e == w);
        assert!(gone.is_empty() && add.is_empty());
    }
}
