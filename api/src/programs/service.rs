//! Reading programs inside the viewer's scope.

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::paging::{KeyKind, Sort, SortValue, contains_ci};
use entities::{PilotType, ProgramLevel, program, program_type_rule};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Select,
};

/// Filters of the `programs` list.
#[derive(Debug, Default)]
pub struct ProgramFilter {
    pub level: Option<ProgramLevel>,
    pub pilot_type: Option<PilotType>,
    pub search: Option<String>,
}

/// The programs the viewer may read, filtered.
pub fn query(viewer: &Viewer, filter: &ProgramFilter) -> Select<program::Entity> {
    let mut q = program::Entity::find().filter(viewer.program_scope());
    if let Some(level) = filter.level {
        q = q.filter(program::Column::Level.eq(level));
    }
    if let Some(t) = filter.pilot_type {
        q = q.filter(
            program::Column::Id.in_subquery(
                Query::select()
                    .column(program_type_rule::Column::ProgramId)
                    .from(program_type_rule::Entity)
                    .and_where(program_type_rule::Column::PilotType.eq(t))
                    .to_owned(),
            ),
        );
    }
    if let Some(text) = filter.search.as_deref().filter(|t| !t.is_empty()) {
        q = q.filter(
            Condition::any()
                .add(contains_ci(program::Column::Name, text))
                .add(contains_ci(program::Column::DocumentNumber, text)),
        );
    }
    q
}

/// Programs are listed newest first.
pub fn sort() -> Sort<program::Entity> {
    Sort {
        column: program::Column::Id,
        kind: KeyKind::Int,
        tie_kind: KeyKind::Int,
        tie: program::Column::Id,
        descending: true,
        key_of: |m| (SortValue::Int(m.id), SortValue::Int(m.id)),
    }
}

/// One program the viewer may read.
pub async fn get(db: &DatabaseConnection, viewer: &Viewer, id: i64) -> ApiResult<program::Model> {
    program::Entity::find_by_id(id)
        .filter(viewer.program_scope())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("program"))
}

/// What a program requires of one type, as given by a client.
#[derive(Debug, Clone)]
pub struct TypeRuleFields {
    pub pilot_type: PilotType,
    pub region_level: entities::RegionLevel,
    pub applicant_kinds: Vec<entities::OrganizationKind>,
    pub min_park_level: Option<entities::ParkLevel>,
    pub lead_departments: Vec<String>,
    /// `None`: keep the current steps (none for a new type).
    pub acceptance_steps: Option<Vec<entities::AcceptanceStep>>,
    /// `None`: keep the current list (none for a new type).
    pub eligible_parks: Option<Vec<String>>,
    /// The type's indicator catalogue; `None`: keep the current one (none for a new type).
    pub indicators: Option<Vec<super::catalogues::CatalogueIndicatorFields>>,
    pub quota: Option<i32>,
    pub quota_region_level: entities::RegionLevel,
    pub reference_ratio: rust_decimal::Decimal,
    pub reference_min_count: i32,
    pub title: String,
    /// Who acts and which stages the type passes; `None`: keep the current value (the
    /// defaults for a new type).
    pub preliminary_reviewer: Option<Option<entities::Role>>,
    pub recommender: Option<entities::Role>,
    pub expert_review: Option<bool>,
    pub public_notice: Option<bool>,
    pub acceptance: Option<bool>,
}

impl TypeRuleFields {
    /// The chain fields as they will be stored over `current` (none for a new type).
    fn resolved(
        &self,
        current: Option<&program_type_rule::Model>,
    ) -> (Option<entities::Role>, entities::Role, bool, bool, bool) {
        (
            self.preliminary_reviewer
                .unwrap_or_else(|| current.and_then(|c| c.preliminary_reviewer)),
            self.recommender
                .or(current.map(|c| c.recommender))
                .unwrap_or(entities::Role::Municipal),
            self.expert_review
                .or(current.map(|c| c.expert_review))
                .unwrap_or(true),
            self.public_notice
                .or(current.map(|c| c.public_notice))
                .unwrap_or(true),
            self.acceptance
                .or(current.map(|c| c.acceptance))
                .unwrap_or(true),
        )
    }
}

/// A program's fields; on update, absent fields stay as they are, and the type rules and
/// calendar days given replace those of the same type or day.
#[derive(Debug, Clone, Default)]
pub struct ProgramFields {
    pub name: Option<String>,
    pub authority: Option<String>,
    pub document_number: Option<String>,
    pub level: Option<ProgramLevel>,
    pub region_code: Option<String>,
    pub code_prefix: Option<String>,
    pub application_opens_on: Option<chrono::NaiveDate>,
    pub application_closes_on: Option<chrono::NaiveDate>,
    pub construction_starts_on: Option<chrono::NaiveDate>,
    pub construction_ends_on: Option<chrono::NaiveDate>,
    pub notice_working_days: Option<i32>,
    pub re_review_interval_months: Option<i32>,
    pub acceptance_grace_days: Option<i32>,
    pub notes: Option<String>,
    pub type_rules: Vec<TypeRuleFields>,
    pub calendar: Vec<(chrono::NaiveDate, entities::CalendarDayKind, String)>,
    /// The named funds; `None`: keep the current ones (none for a new program).
    pub funds: Option<Vec<super::catalogues::FundFields>>,
    /// The yearly report duties; `None`: keep the current ones (none for a new program).
    pub report_duties: Option<Vec<super::catalogues::ReportDutyFields>>,
}

fn check_rule(
    i: usize,
    r: &TypeRuleFields,
    program: &program::Model,
    current: Option<&program_type_rule::Model>,
) -> ApiResult<()> {
    use crate::input;
    use crate::workflow::transitions::{Chain, authority_of};
    let f = |name: &str| format!("input.typeRules.{i}.{name}");
    let (preliminary_reviewer, recommender, expert_review, public_notice, acceptance) =
        r.resolved(current);
    let chain = Chain {
        preliminary_reviewer,
        recommender,
        issuing_authority: authority_of(program.level),
        issuing_region: program.region_code.clone(),
        expert_review,
        public_notice,
        acceptance,
        lead_departments: Vec::new(),
    };
    chain
        .check()
        .map_err(|why| ApiError::bad_input(f("recommender"), why))?;
    // The first reviewer sits at or above the pilot's own region.
    let first = preliminary_reviewer.unwrap_or(recommender);
    use entities::{RegionLevel as L, Role as R};
    let below = matches!(
        (r.region_level, first),
        (L::Province, R::County | R::Municipal) | (L::Municipality, R::County)
    );
    if below {
        return Err(ApiError::bad_input(
            f("regionLevel"),
            "a pilot's first reviewer must sit at or above the pilot's region",
        ));
    }
    if r.applicant_kinds.is_empty() {
        return Err(ApiError::bad_input(
            f("applicantKinds"),
            "at least one organisation kind",
        ));
    }
    if let Some(q) = r.quota {
        input::in_range(&f("quota"), i64::from(q), 0, 10_000)?;
    }
    if r.reference_ratio < rust_decimal::Decimal::ZERO
        || r.reference_ratio > rust_decimal::Decimal::ONE
    {
        return Err(ApiError::bad_input(
            f("referenceRatio"),
            "must be between 0 and 1",
        ));
    }
    input::in_range(
        &f("referenceMinCount"),
        i64::from(r.reference_min_count),
        0,
        1000,
    )?;
    input::text(&f("title"), &r.title, acceptance, 300)?;
    for d in &r.lead_departments {
        if d.is_empty() || d.len() > 40 || !d.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(ApiError::bad_input(
                f("leadDepartments"),
                "lower-case department keys such as ecology_environment",
            ));
        }
    }
    Ok(())
}

fn check_program(m: &program::ActiveModel) -> ApiResult<()> {
    if m.application_closes_on.as_ref() < m.application_opens_on.as_ref() {
        return Err(ApiError::bad_input(
            "input.applicationClosesOn",
            "the window must open before it closes",
        ));
    }
    if m.construction_ends_on.as_ref() < m.construction_starts_on.as_ref() {
        return Err(ApiError::bad_input(
            "input.constructionEndsOn",
            "construction must start before it ends",
        ));
    }
    crate::input::in_range(
        "input.noticeWorkingDays",
        i64::from(*m.notice_working_days.as_ref()),
        1,
        60,
    )?;
    if let Some(n) = m.re_review_interval_months.as_ref() {
        crate::input::in_range("input.reReviewIntervalMonths", i64::from(*n), 1, 120)?;
    }
    crate::input::in_range(
        "input.acceptanceGraceDays",
        i64::from(*m.acceptance_grace_days.as_ref()),
        0,
        3650,
    )?;
    Ok(())
}

/// Writes the given type rules and calendar days of a program (replacing same type or day).
async fn write_rules(
    tx: &mut crate::audit::writer::WriteTx,
    program_id: i64,
    f: &ProgramFields,
) -> ApiResult<()> {
    use entities::program_calendar_day as day;
    use sea_orm::{IntoActiveModel, Set};
    let program = program::Entity::find_by_id(program_id)
        .one(tx.conn())
        .await?
        .ok_or_else(|| ApiError::internal("rules of a missing program"))?;
    let mut seen = std::collections::HashSet::new();
    for (i, r) in f.type_rules.iter().enumerate() {
        if !seen.insert(r.pilot_type) {
            return Err(ApiError::bad_input(
                "input.typeRules",
                format!("{} appears twice", r.pilot_type.as_str()),
            ));
        }
        let existing = program_type_rule::Entity::find()
            .filter(program_type_rule::Column::ProgramId.eq(program_id))
            .filter(program_type_rule::Column::PilotType.eq(r.pilot_type))
            .one(tx.conn())
            .await?;
        check_rule(i, r, &program, existing.as_ref())?;
        let (preliminary_reviewer, recommender, expert_review, public_notice, acceptance) =
            r.resolved(existing.as_ref());
        if let Some(e) = &existing {
            let changed = (
                e.preliminary_reviewer,
                e.recommender,
                e.expert_review,
                e.public_notice,
                e.acceptance,
            ) != (
                preliminary_reviewer,
                recommender,
                expert_review,
                public_notice,
                acceptance,
            );
            if changed {
                check_no_pilot_under_way(tx.conn(), program_id, r.pilot_type).await?;
            }
        }
        let mut m = match existing.clone() {
            Some(e) => e.into_active_model(),
            None => program_type_rule::ActiveModel {
                program_id: Set(program_id),
                pilot_type: Set(r.pilot_type),
                ..Default::default()
            },
        };
        m.region_level = Set(r.region_level);
        m.min_park_level = Set(r.min_park_level);
        m.quota = Set(r.quota);
        m.quota_region_level = Set(r.quota_region_level);
        m.reference_ratio = Set(entities::Dec(r.reference_ratio));
        m.reference_min_count = Set(r.reference_min_count);
        m.title = Set(r.title.trim().to_owned());
        m.preliminary_reviewer = Set(preliminary_reviewer);
        m.recommender = Set(recommender);
        m.expert_review = Set(expert_review);
        m.public_notice = Set(public_notice);
        m.acceptance = Set(acceptance);
        let rule = match &existing {
            Some(before) => tx.update("UPDATE", before, m).await?,
            None => tx.insert(m).await?,
        };
        let current = super::rules::of_type(tx.conn(), program_id, r.pilot_type).await?;
        let steps = match &r.acceptance_steps {
            Some(steps) => steps.clone(),
            None => current
                .as_ref()
                .map(|c| c.acceptance_steps.clone())
                .unwrap_or_default(),
        };
        let parks = match &r.eligible_parks {
            Some(codes) => {
                for c in codes {
                    crate::organizations::credit_code::CreditCode::parse(c).map_err(|e| {
                        ApiError::bad_input(
                            format!("input.typeRules.{i}.eligibleParks"),
                            e.to_string(),
                        )
                    })?;
                }
                codes.clone()
            }
            None => current.map(|c| c.eligible_parks).unwrap_or_default(),
        };
        let lists = super::rules::Lists {
            applicant_kinds: &r.applicant_kinds,
            lead_departments: &r.lead_departments,
            acceptance_steps: &steps,
            eligible_parks: &parks,
        };
        super::rules::write_lists(tx, rule.id, lists).await?;
        if let Some(catalogue) = &r.indicators {
            let field = format!("input.typeRules.{i}.indicators");
            let current = super::catalogues::indicators(tx.conn(), rule.id).await?;
            let unchanged = current.len() == catalogue.len()
                && current.iter().zip(catalogue).all(|(c, w)| {
                    (
                        &c.code,
                        &c.name,
                        &c.unit,
                        c.direction,
                        c.category,
                        c.required,
                    ) == (
                        &w.code,
                        &w.name,
                        &w.unit,
                        w.direction,
                        w.category,
                        w.required,
                    )
                });
            if !unchanged {
                // Pilots under way were admitted and will be accepted against the catalogue
                // they applied under.
                check_no_pilot_under_way(tx.conn(), program_id, r.pilot_type).await?;
                super::catalogues::write_indicators(tx, &field, rule.id, catalogue).await?;
            }
        }
    }
    if let Some(funds) = &f.funds {
        super::catalogues::write_funds(tx, program_id, funds).await?;
    }
    if let Some(duties) = &f.report_duties {
        super::catalogues::write_duties(tx, program_id, duties).await?;
    }
    let mut days = std::collections::HashSet::new();
    for (d, kind, note) in &f.calendar {
        if !days.insert(*d) {
            return Err(ApiError::bad_input(
                "input.calendar",
                format!("{d} appears twice"),
            ));
        }
        let existing = day::Entity::find()
            .filter(day::Column::ProgramId.eq(program_id))
            .filter(day::Column::Day.eq(*d))
            .one(tx.conn())
            .await?;
        let mut m = match existing.clone() {
            Some(e) => e.into_active_model(),
            None => day::ActiveModel {
                program_id: Set(program_id),
                day: Set(*d),
                ..Default::default()
            },
        };
        m.kind = Set(*kind);
        m.note = Set(crate::input::text("input.calendar.note", note, false, 200)?);
        match &existing {
            Some(before) => tx.update("UPDATE", before, m).await?,
            None => tx.insert(m).await?,
        };
    }
    Ok(())
}

/// Who acts and which stages a type passes change only while none of its pilots is under way:
/// a pilot waiting for a step the new chain no longer has would be stranded.
async fn check_no_pilot_under_way(
    db: &impl sea_orm::ConnectionTrait,
    program_id: i64,
    pilot_type: PilotType,
) -> ApiResult<()> {
    use entities::{PilotStatus, pilot};
    use sea_orm::PaginatorTrait;
    let under_way = pilot::Entity::find()
        .filter(pilot::Column::ProgramId.eq(program_id))
        .filter(pilot::Column::PilotType.eq(pilot_type))
        .filter(pilot::Column::Status.is_not_in([
            PilotStatus::Draft,
            PilotStatus::Rejected,
            PilotStatus::Withdrawn,
            PilotStatus::Revoked,
        ]))
        .count(db)
        .await?;
    if under_way > 0 {
        return Err(ApiError::RuleViolation(format!(
            "{under_way} {} pilot(s) of this program are under way: who acts on the type, its stages and its indicator catalogue change only before any is submitted",
            pilot_type.as_str()
        )));
    }
    Ok(())
}

/// Whether the viewer is the issuing authority of a program of `level` and `region`: a
/// national user for national programs, the province's or the municipality's own users for
/// theirs (of a municipality, its compiling bureau or a user with no bureau).
fn manages(viewer: &Viewer, level: ProgramLevel, region: Option<&str>) -> ApiResult<()> {
    let authority = crate::workflow::transitions::authority_of(level);
    let same_region = match (region, &viewer.region) {
        (None, None) => true,
        (Some(code), Some(mine)) => code == mine.as_str(),
        _ => false,
    };
    let bureau = viewer.role != entities::Role::Municipal
        || viewer
            .dept
            .as_deref()
            .is_none_or(|d| d == crate::auth::COMPILING_DEPARTMENT);
    if viewer.role == authority && same_region && bureau {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "a program is managed by its issuing authority".into(),
        ))
    }
}

/// Creates a program issued by the viewer's own authority (nation, province or municipality).
pub async fn create(
    state: &crate::state::AppState,
    viewer: &Viewer,
    f: ProgramFields,
) -> ApiResult<program::Model> {
    use crate::input;
    use sea_orm::Set;
    let required = |v: &Option<chrono::NaiveDate>, field: &str| {
        v.ok_or_else(|| ApiError::bad_input(field, "is required"))
    };
    // The issuing authority creates its own program: the nation's has no region.
    let code = match &f.region_code {
        None if viewer.role == entities::Role::National => None,
        None => return Err(ApiError::bad_input("input.regionCode", "is required")),
        Some(r) => Some(
            crate::regions::code::RegionCode::parse(r)
                .map_err(|e| ApiError::bad_input("input.regionCode", e))?,
        ),
    };
    let level = match code.as_ref().map(|c| c.level()) {
        None => ProgramLevel::National,
        Some(entities::RegionLevel::Province) => ProgramLevel::Provincial,
        Some(entities::RegionLevel::Municipality) => ProgramLevel::Municipal,
        Some(entities::RegionLevel::County) => {
            return Err(ApiError::bad_input(
                "input.regionCode",
                "programs are issued by the nation, a province or a municipality",
            ));
        }
    };
    if f.level.is_some_and(|l| l != level) {
        return Err(ApiError::bad_input(
            "input.level",
            "the level is the issuing region's",
        ));
    }
    manages(viewer, level, code.as_ref().map(|c| c.as_str()))?;
    let prefix = f.code_prefix.clone().unwrap_or_default();
    if !(2..=8).contains(&prefix.len()) || !prefix.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ApiError::bad_input(
            "input.codePrefix",
            "2 to 8 capital letters",
        ));
    }
    if f.type_rules.is_empty() {
        return Err(ApiError::bad_input(
            "input.typeRules",
            "at least one pilot type",
        ));
    }
    let now = state.clock.now();
    let m = program::ActiveModel {
        name: Set(input::text(
            "input.name",
            f.name.as_deref().unwrap_or(""),
            true,
            300,
        )?),
        authority: Set(input::text(
            "input.authority",
            f.authority.as_deref().unwrap_or(""),
            true,
            200,
        )?),
        document_number: Set(input::text(
            "input.documentNumber",
            f.document_number.as_deref().unwrap_or(""),
            true,
            100,
        )?),
        level: Set(level),
        region_code: Set(code.as_ref().map(|c| c.as_str().to_owned())),
        code_prefix: Set(prefix.clone()),
        application_opens_on: Set(required(
            &f.application_opens_on,
            "input.applicationOpensOn",
        )?),
        application_closes_on: Set(required(
            &f.application_closes_on,
            "input.applicationClosesOn",
        )?),
        construction_starts_on: Set(required(
            &f.construction_starts_on,
            "input.constructionStartsOn",
        )?),
        construction_ends_on: Set(required(
            &f.construction_ends_on,
            "input.constructionEndsOn",
        )?),
        notice_working_days: Set(f.notice_working_days.unwrap_or(5)),
        re_review_interval_months: Set(f.re_review_interval_months),
        acceptance_grace_days: Set(f.acceptance_grace_days.unwrap_or(0)),
        notes: Set(input::long_text(
            "input.notes",
            f.notes.as_deref().unwrap_or(""),
            false,
        )?),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    check_program(&m)?;
    if let Some(code) = &code
        && crate::regions::service::get(&state.db, code.as_str())
            .await
            .is_err()
    {
        return Err(ApiError::bad_input("input.regionCode", "unknown region"));
    }
    let mut tx = state.write(viewer).await?;
    // Pilot codes begin with the prefix: two programs sharing one would mint the same codes.
    // Checked under the write lock, so two creations cannot both pass.
    let taken = program::Entity::find()
        .filter(program::Column::CodePrefix.eq(prefix.as_str()))
        .count(tx.conn())
        .await?;
    if taken > 0 {
        return Err(ApiError::bad_input(
            "input.codePrefix",
            "already used by another program",
        ));
    }
    let created = tx.insert(m).await?;
    write_rules(&mut tx, created.id, &f).await?;
    tx.commit().await?;
    Ok(created)
}

/// Changes a program the viewer manages.
pub async fn update(
    state: &crate::state::AppState,
    viewer: &Viewer,
    id: i64,
    version: i32,
    f: ProgramFields,
) -> ApiResult<program::Model> {
    use crate::input;
    use sea_orm::{IntoActiveModel, Set};
    let mut tx = state.write(viewer).await?;
    let current = program::Entity::find_by_id(id)
        .filter(viewer.program_scope())
        .one(tx.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("program"))?;
    manages(viewer, current.level, current.region_code.as_deref())?;
    if current.version != version {
        return Err(ApiError::Conflict(format!(
            "the program changed since you read it (version {version} is now {})",
            current.version
        )));
    }
    if f.region_code.is_some() || f.level.is_some() || f.code_prefix.is_some() {
        return Err(ApiError::bad_input(
            "input",
            "region, level and code prefix of a program do not change",
        ));
    }
    let mut m = current.clone().into_active_model();
    if let Some(v) = &f.name {
        m.name = Set(input::text("input.name", v, true, 300)?);
    }
    if let Some(v) = &f.authority {
        m.authority = Set(input::text("input.authority", v, true, 200)?);
    }
    if let Some(v) = &f.document_number {
        m.document_number = Set(input::text("input.documentNumber", v, true, 100)?);
    }
    if let Some(v) = f.application_opens_on {
        m.application_opens_on = Set(v);
    }
    if let Some(v) = f.application_closes_on {
        m.application_closes_on = Set(v);
    }
    if let Some(v) = f.construction_starts_on {
        m.construction_starts_on = Set(v);
    }
    if let Some(v) = f.construction_ends_on {
        m.construction_ends_on = Set(v);
    }
    if let Some(v) = f.notice_working_days {
        m.notice_working_days = Set(v);
    }
    if let Some(days) = f.acceptance_grace_days {
        m.acceptance_grace_days = Set(days);
    }
    if let Some(notes) = &f.notes {
        m.notes = Set(input::long_text("input.notes", notes, false)?);
    }
    if f.re_review_interval_months.is_some() {
        m.re_review_interval_months = Set(f.re_review_interval_months);
    }
    check_program(&m)?;
    m.version = Set(version + 1);
    m.updated_at = Set(tx.now());
    let updated = tx.update("UPDATE", &current, m).await?;
    write_rules(&mut tx, id, &f).await?;
    tx.commit().await?;
    Ok(updated)
}
